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
)

// sweepWork opens and ends work through the job and message request
// ports, whose items carry the sweeper's index keys.
type sweepWork struct{ s *Store }

func (w sweepWork) Open(t *testing.T, x sweep.Work) {
	t.Helper()
	ctx := context.Background()
	var err error
	switch x.Kind {
	case sweep.KindJob:
		created := x.Due.Add(-sweep.WaitLimit)
		err = w.s.CreateJob(ctx, job.Job{
			ID: x.ID, ProjectID: "p-sweep", ClientID: "acme", PrincipalID: "alice", Action: job.Add, Status: job.Queued,
			CreatedAt: created, ExpiresAt: created.Add(job.JobTTL), SweepAt: x.Due, Requeues: x.Requeues, BodyHash: "h",
		}, nil)
	case sweep.KindMessages:
		if x.Requeues != 0 {
			t.Fatal("a new message request has not been sent again")
		}
		// A request is due WaitLimit after it was received.
		received := x.Due.Add(-sweep.WaitLimit)
		err = w.s.CreateRequest(ctx, request.Request{ID: x.ID, Kind: request.KindMessages, ClientID: "acme", BatchReference: "b-" + x.ID, ReceivedAt: received,
			ExpiresAt: received.Add(90 * 24 * time.Hour), Summary: request.Summary{Total: 1, Queued: 1}}, nil)
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
		err = w.s.Finish(ctx, job.Job{ID: x.ID, Status: job.Completed, CompletedAt: x.Due})
	case sweep.KindMessages:
		err = w.s.FinishRequest(ctx, request.Request{ID: x.ID, Kind: request.KindMessages, ProcessedAt: x.Due, Summary: request.Summary{Total: 1, Complete: 1}})
	default:
		t.Fatalf("no work of kind %q", x.Kind)
	}
	if err != nil {
		t.Fatalf("finish %s: %v", x.ID, err)
	}
}

// Each test gets a table of its own: a sweep sees all the open work.
func TestSweepContract(t *testing.T) {
	sweeptest.Run(t, func(t *testing.T) (sweep.Store, sweeptest.Work) {
		s := newStore(t)
		return s, sweepWork{s}
	})
}
