package sweep_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/memory"
	"github.com/parcelgate/parcelgate/internal/sweep"
	"github.com/parcelgate/parcelgate/internal/sweep/sweeptest"
)

type sentTasks []string

func (s *sentTasks) EnqueueTask(_ context.Context, projectID, taskID string) error {
	fakesMu.Lock()
	defer fakesMu.Unlock()
	*s = append(*s, projectID+"/"+taskID)
	return nil
}

type taskFailer struct {
	err    error
	failed []sweep.Work
}

func (f *taskFailer) FailStuck(_ context.Context, w sweep.Work, _ string) error {
	if f.err != nil {
		return f.err
	}
	fakesMu.Lock()
	defer fakesMu.Unlock()
	f.failed = append(f.failed, w)
	return nil
}

// A stuck task goes to the task queue with its project; one sent again
// the most times is given to the task domain to fail, and one that moved
// on meanwhile (sweep.ErrMoved) is neither failed nor counted.
func TestStuckTasksAreSentToTheirQueueOrFailed(t *testing.T) {
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	b := memory.NewBackend()
	index, work := b.Sweep, sweeptest.Stores{Jobs: b.Jobs, Requests: b.Requests, Tasks: b.Tasks}
	lost := sweep.Work{Kind: sweep.KindTask, ProjectID: "p1", ID: "t1", Due: now}
	hopeless := sweep.Work{Kind: sweep.KindTask, ProjectID: "p2", ID: "t2", Due: now, Requeues: sweep.MaxRequeues}
	work.Open(t, lost)
	work.Open(t, hopeless)
	var sent sentTasks
	failer := &taskFailer{err: sweep.ErrMoved}
	s := sweep.Service{Store: index, TaskQueue: &sent, Tasks: failer,
		Now: func() time.Time { return now }, Logger: slog.New(slog.DiscardHandler)}

	rep, err := s.Sweep(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep != (sweep.Report{Requeued: 1}) || len(sent) != 1 || sent[0] != "p1/t1" {
		t.Fatalf("report %+v, sent %v; want p1/t1 sent and the moved task left alone", rep, sent)
	}
	failer.err = nil
	if rep, err := s.Sweep(context.Background()); err != nil || rep != (sweep.Report{Failed: 1}) {
		t.Fatalf("second sweep: %+v, %v", rep, err)
	}
	if len(failer.failed) != 1 || failer.failed[0].ProjectID != "p2" || failer.failed[0].ID != "t2" {
		t.Fatalf("failed %+v", failer.failed)
	}
}
