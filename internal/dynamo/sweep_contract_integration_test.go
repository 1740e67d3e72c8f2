//go:build integration

package dynamo

import (
	"context"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/request"
	"github.com/parcelgate/parcelgate/internal/sweep"
	"github.com/parcelgate/parcelgate/internal/sweep/sweeptest"
	"github.com/parcelgate/parcelgate/internal/task"
)

// sweepWork opens and ends work through the job, message request and
// task ports, whose items carry the sweeper's index keys.
type sweepWork struct{ s *Adapters }

func (w sweepWork) Open(t *testing.T, x sweep.Work) {
	t.Helper()
	ctx := context.Background()
	var err error
	switch x.Kind {
	case sweep.KindJob:
		created := x.Due.Add(-sweep.WaitLimit)
		err = w.s.Jobs.CreateJob(ctx, job.Job{
			ID: x.ID, ProjectID: "p-sweep", ClientID: "acme", PrincipalID: "alice", Action: job.Add, Status: job.Queued,
			CreatedAt: created, ExpiresAt: created.Add(job.JobTTL), SweepAt: x.Due, Requeues: x.Requeues, BodyHash: "h",
		}, nil)
	case sweep.KindMessages:
		if x.Requeues != 0 {
			t.Fatal("a new message request has not been sent again")
		}
		// A request is due WaitLimit after it was received.
		received := x.Due.Add(-sweep.WaitLimit)
		err = w.s.Requests.CreateRequest(ctx, request.Request{ID: x.ID, Kind: request.KindMessages, ClientID: "acme", BatchReference: "b-" + x.ID, ReceivedAt: received,
			ExpiresAt: received.Add(90 * 24 * time.Hour), Summary: request.Summary{Total: 1, Queued: 1}}, nil)
	case sweep.KindTask:
		created := x.Due.Add(-sweep.WaitLimit)
		err = w.s.Tasks.CreateTask(ctx, sweepTask(x, created), created.Add(-task.StaleAfter))
	default:
		t.Fatalf("no work of kind %q", x.Kind)
	}
	if err != nil {
		t.Fatalf("open %s: %v", x.ID, err)
	}
}

func (w sweepWork) Finish(t *testing.T, x sweep.Work) {
	t.Helper()
	ctx := context.Background()
	var err error
	switch x.Kind {
	case sweep.KindJob:
		err = w.s.Jobs.Finish(ctx, job.Job{ID: x.ID, Status: job.Completed, CompletedAt: x.Due})
	case sweep.KindMessages:
		err = w.s.Requests.FinishRequest(ctx, request.Request{ID: x.ID, Kind: request.KindMessages, ProcessedAt: x.Due, Summary: request.Summary{Total: 1, Complete: 1}})
	case sweep.KindTask:
		done := sweepTask(x, x.Due)
		done.Status, done.FinishedAt = task.Completed, x.Due
		err = w.s.Tasks.FinishTask(ctx, done, "")
	default:
		t.Fatalf("no work of kind %q", x.Kind)
	}
	if err != nil {
		t.Fatalf("finish %s: %v", x.ID, err)
	}
}

// sweepTask is the queued task x stands for, created at created.
func sweepTask(x sweep.Work, created time.Time) task.Task {
	return task.Task{ID: x.ID, ProjectID: x.ProjectID, Code: "renew", Status: task.Queued, CreatedAt: created, SweepAt: x.Due, Requeues: x.Requeues}
}

// Each test gets a table of its own: a sweep sees all the open work.
func TestSweepContract(t *testing.T) {
	sweeptest.Run(t, func(t *testing.T) (sweep.Store, sweeptest.Work) {
		s := newStore(t)
		return s.Sweep, sweepWork{s}
	})
}
