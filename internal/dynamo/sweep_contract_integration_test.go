//go:build integration

package dynamo

import (
	"testing"

	"github.com/parcelgate/parcelgate/internal/sweep"
	"github.com/parcelgate/parcelgate/internal/sweep/sweeptest"
)

// Each test gets a table of its own: a sweep sees all the open work,
// opened and ended through the job, request and task adapters.
func TestSweepContract(t *testing.T) {
	sweeptest.Run(t, func(t *testing.T) (sweep.Store, sweeptest.Work) {
		s := newStore(t)
		return s.Sweep, sweeptest.Stores{Jobs: s.Jobs, Requests: s.Requests, Tasks: s.Tasks}
	})
}
