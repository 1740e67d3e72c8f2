package memory

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/parcelgate/parcelgate/internal/sweep"
)

var _ sweep.Store = (*Sweep)(nil)

// Sweep implements sweep.Store in memory over the stores that own the
// work: as on DynamoDB, where the sweeper's index is a view of the job,
// request, import and task items themselves, open work is whatever those
// stores hold with a deadline, and a requeue moves the deadline the
// owner reads. There is no list of its own to drift from theirs. A nil
// store holds no work.
type Sweep struct {
	Jobs     *Jobs
	Requests *Requests
	Imports  *Imports
	Tasks    *Tasks
}

// Due implements sweep.Store: oldest deadline first (one shard holds all).
func (s *Sweep) Due(_ context.Context, now time.Time, limit int) ([]sweep.Work, error) {
	var out []sweep.Work
	for _, open := range []func() []sweep.Work{s.Jobs.open, s.Requests.open, s.Imports.open, s.Tasks.open} {
		for _, w := range open() {
			if !w.Due.After(now) {
				out = append(out, w)
			}
		}
	}
	slices.SortFunc(out, func(a, b sweep.Work) int {
		if c := a.Due.Compare(b.Due); c != 0 {
			return c
		}
		return strings.Compare(a.ProjectID+"/"+a.ID, b.ProjectID+"/"+b.ID)
	})
	return out[:min(len(out), limit)], nil
}

// ClaimRequeue implements sweep.Store through the store that owns w.
func (s *Sweep) ClaimRequeue(ctx context.Context, w sweep.Work, next time.Time) error {
	switch {
	case w.Kind == sweep.KindJob && s.Jobs != nil:
		return s.Jobs.ClaimRequeue(ctx, w, next)
	case w.Kind == sweep.KindMessages && s.Requests != nil:
		return s.Requests.claimRequeue(w, next)
	case w.Kind == sweep.KindImport && s.Imports != nil:
		return s.Imports.claimRequeue(w, next)
	case w.Kind == sweep.KindTask && s.Tasks != nil:
		return s.Tasks.claimRequeue(w, next)
	}
	return sweep.ErrMoved
}

// requeue moves the deadline *due of open work read as w to next and
// counts the send, unless the work ended or moved since.
func requeue(due *time.Time, requeues *int, w sweep.Work, next time.Time) error {
	if due.IsZero() || !due.Equal(w.Due) {
		return sweep.ErrMoved
	}
	*due, *requeues = next.UTC(), *requeues+1
	return nil
}
