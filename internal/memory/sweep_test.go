package memory_test

import (
	"testing"

	"github.com/parcelgate/parcelgate/internal/memory"
	"github.com/parcelgate/parcelgate/internal/sweep"
	"github.com/parcelgate/parcelgate/internal/sweep/sweeptest"
)

// sweepWork opens and ends work in the in-memory index directly, as the
// in-memory stores of jobs and requests do.
type sweepWork struct{ s *memory.Sweep }

func (w sweepWork) Open(_ *testing.T, x sweep.Work)   { w.s.Open(x) }
func (w sweepWork) Finish(_ *testing.T, x sweep.Work) { w.s.Close(x) }

func TestSweepContract(t *testing.T) {
	sweeptest.Run(t, func(*testing.T) (sweep.Store, sweeptest.Work) {
		s := &memory.Sweep{}
		return s, sweepWork{s}
	})
}
