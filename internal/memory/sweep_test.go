package memory_test

import (
	"testing"

	"github.com/parcelgate/parcelgate/internal/memory"
	"github.com/parcelgate/parcelgate/internal/sweep"
	"github.com/parcelgate/parcelgate/internal/sweep/sweeptest"
)

// The index is fed by the job, request and task stores of one backend,
// as the table's index is by their items.
func TestSweepContract(t *testing.T) {
	sweeptest.Run(t, func(*testing.T) (sweep.Store, sweeptest.Work) {
		b := memory.NewBackend()
		return b.Sweep, sweeptest.Stores{Jobs: b.Jobs, Requests: b.Requests, Tasks: b.Tasks}
	})
}
