package sweeptest

import (
	"context"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/request"
	"github.com/parcelgate/parcelgate/internal/sweep"
	"github.com/parcelgate/parcelgate/internal/task"
)

// Stores is Work through the ports of the domains that own it: the job,
// message request and task stores, whose writes feed the sweeper's index
// (on DynamoDB their items carry its keys; in memory the index reads
// them).
type Stores struct {
	Jobs     job.Store
	Requests request.Store
	Tasks    task.Store
}

// Open implements Work.
func (s Stores) Open(t *testing.T, x sweep.Work) {
	t.Helper()
	ctx := context.Background()
	var err error
	switch x.Kind {
	case sweep.KindJob:
		created := x.Due.Add(-sweep.WaitLimit)
		err = s.Jobs.CreateJob(ctx, job.Job{
			ID: x.ID, ProjectID: "p-sweep", ClientID: "acme", PrincipalID: "alice", Action: job.Add, Status: job.Queued,
			CreatedAt: created, ExpiresAt: created.Add(job.JobTTL), SweepAt: x.Due, Requeues: x.Requeues, BodyHash: "h",
		}, nil)
	case sweep.KindMessages:
		if x.Requeues != 0 {
			t.Fatal("a new message request has not been sent again")
		}
		// A request is due WaitLimit after it was received.
		received := x.Due.Add(-sweep.WaitLimit)
		err = s.Requests.CreateRequest(ctx, request.Request{ID: x.ID, Kind: request.KindMessages, ClientID: "acme", BatchReference: "b-" + x.ID, ReceivedAt: received,
			ExpiresAt: received.Add(90 * 24 * time.Hour), Summary: request.Summary{Total: 1, Queued: 1}}, nil)
	case sweep.KindTask:
		created := x.Due.Add(-sweep.WaitLimit)
		err = s.Tasks.CreateTask(ctx, queuedTask(x, created), created.Add(-task.StaleAfter))
	default:
		t.Fatalf("no work of kind %q", x.Kind)
	}
	if err != nil {
		t.Fatalf("open %s: %v", x.ID, err)
	}
}

// Finish implements Work.
func (s Stores) Finish(t *testing.T, x sweep.Work) {
	t.Helper()
	ctx := context.Background()
	var err error
	switch x.Kind {
	case sweep.KindJob:
		err = s.Jobs.Finish(ctx, job.Job{ID: x.ID, Status: job.Completed, CompletedAt: x.Due})
	case sweep.KindMessages:
		err = s.Requests.FinishRequest(ctx, request.Request{ID: x.ID, Kind: request.KindMessages, ProcessedAt: x.Due, Summary: request.Summary{Total: 1, Complete: 1}})
	case sweep.KindTask:
		done := queuedTask(x, x.Due)
		done.Status, done.FinishedAt = task.Completed, x.Due
		err = s.Tasks.FinishTask(ctx, done, "")
	default:
		t.Fatalf("no work of kind %q", x.Kind)
	}
	if err != nil {
		t.Fatalf("finish %s: %v", x.ID, err)
	}
}

// Owned implements Work: the deadline and sends of a job or a task as
// its own store reads them.
func (s Stores) Owned(t *testing.T, x sweep.Work) sweep.Work {
	t.Helper()
	ctx := context.Background()
	switch x.Kind {
	case sweep.KindJob:
		j, err := s.Jobs.Job(ctx, x.ID)
		if err != nil {
			t.Fatalf("job %s: %v", x.ID, err)
		}
		x.Due, x.Requeues = j.SweepAt, j.Requeues
	case sweep.KindTask:
		tk, err := s.Tasks.Task(ctx, x.ProjectID, x.ID)
		if err != nil {
			t.Fatalf("task %s: %v", x.ID, err)
		}
		x.Due, x.Requeues = tk.SweepAt, tk.Requeues
	default:
		t.Fatalf("the store of %q work does not show its deadline", x.Kind)
	}
	return x
}

// queuedTask is the queued task x stands for, created at created.
func queuedTask(x sweep.Work, created time.Time) task.Task {
	return task.Task{ID: x.ID, ProjectID: x.ProjectID, Code: "renew", Status: task.Queued, CreatedAt: created, SweepAt: x.Due, Requeues: x.Requeues}
}
