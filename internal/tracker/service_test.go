package tracker_test

import (
	"context"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/memory"
	"github.com/parcelgate/parcelgate/internal/request"
	"github.com/parcelgate/parcelgate/internal/tracker"
)

var at = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

// world holds a running job and a started message injection of acme, and
// a queued injection of another client.
func world(t *testing.T) (*memory.Requests, job.Job, request.Request) {
	t.Helper()
	ctx := context.Background()
	jobs := memory.NewJobs()
	store := memory.NewRequests()
	store.Jobs = jobs
	j := job.Job{ID: "job-1", ProjectID: "p", ClientID: "acme", Action: job.Add, Status: job.InProgress, ExternalReference: "jobs-ref",
		CreatedAt: at, StartedAt: at, ExpiresAt: at.Add(job.JobTTL), Counts: job.Counts{Total: 2}}
	if err := jobs.CreateJob(ctx, j, []job.Item{{TrackingNumber: "A"}, {TrackingNumber: "B"}}); err != nil {
		t.Fatal(err)
	}
	msgs := []request.Message{{ID: "m-1", Type: "TrackingEvent", Status: request.Queued}, {ID: "m-2", Type: "Shipment", Status: request.Invalid}}
	inject := func(id, client string) request.Request {
		r := request.Request{ID: id, Kind: request.KindMessages, ClientID: client, BatchReference: id, ReceivedAt: at.Add(time.Minute),
			ExpiresAt: at.Add(24 * time.Hour), Summary: request.Summarize(msgs), Facets: request.FacetsOf(msgs)}
		if err := store.CreateRequest(ctx, r, msgs); err != nil {
			t.Fatal(err)
		}
		return r
	}
	r := inject("req-1", "acme")
	inject("req-2", "other")
	if err := store.StartRequest(ctx, r, at); err != nil {
		t.Fatal(err)
	}
	return store, j, r.Started()
}

func TestSearchShowsAJobAsTheJobAPIDoes(t *testing.T) {
	store, j, r := world(t)
	svc := tracker.Service{Store: store, Now: func() time.Time { return at.Add(time.Hour) }}
	res, err := svc.Search(context.Background(), "acme", tracker.Criteria{Statuses: []request.MessageStatus{request.Processing}, From: at.Add(-time.Hour), Page: 1, Size: 10})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 2 || len(res.Requests) != 2 {
		t.Fatalf("found %+v, want the job and the started request", res)
	}
	for _, f := range res.Requests {
		switch f.Request.ID {
		case j.ID:
			if f.Request.Kind != request.KindJob || f.Request.Summary != j.Summary() || f.Request.BatchReference != j.ExternalReference || len(f.Messages) != 2 {
				t.Errorf("job as found: %+v", f)
			}
		case r.ID:
			if f.Request.Summary != r.Summary || len(f.Messages) != 1 || f.Messages[0].ID != "m-1" {
				t.Errorf("request as found: %+v", f)
			}
		default:
			t.Errorf("found %s", f.Request.ID)
		}
		for _, m := range f.Messages {
			if m.Status != request.Processing {
				t.Errorf("%s's message %s shows %s, want Processing", f.Request.ID, m.ID, m.Status)
			}
		}
	}
}

func TestSearchSeesOnlyTheCallersClient(t *testing.T) {
	store, _, _ := world(t)
	svc := tracker.Service{Store: store, Now: func() time.Time { return at.Add(time.Hour) }}
	res, err := svc.Search(context.Background(), "other", tracker.Criteria{IDs: []string{"job-1", "req-1", "req-2"}, Page: 1, Size: 10})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 1 || res.Requests[0].Request.ID != "req-2" {
		t.Fatalf("other client found %+v, want only its own req-2", res)
	}
}
