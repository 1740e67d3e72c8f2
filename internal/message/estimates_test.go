package message_test

import (
	"context"
	"sync"
	"testing"

	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/memory"
	"github.com/parcelgate/parcelgate/internal/message"
	"github.com/parcelgate/parcelgate/internal/tag"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

// numberEstimator estimates each parcel with its own number as the
// basis, so a change told with another number's estimate shows.
type numberEstimator struct{}

func (numberEstimator) EstimatedFor(_ context.Context, number string, _ []string) (*tracking.EstimatedDelivery, error) {
	return &tracking.EstimatedDelivery{Confidence: "low", Basis: number}, nil
}

// safeAnnouncer keeps what it is told from the concurrent announcements.
type safeAnnouncer struct {
	mu      sync.Mutex
	changes []tracking.Change
}

func (a *safeAnnouncer) TrackingUpdated(_ context.Context, _ []string, changes []tracking.Change) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.changes = append(a.changes, changes...)
	return nil
}

// The numbers of one request are estimated at once; every change told
// carries its own number's estimate (run with -race: the estimates of
// many numbers are gathered from concurrent calls).
func TestEveryNumberOfARequestIsToldItsOwnEstimate(t *testing.T) {
	ctx := context.Background()
	e := newEnv(queue{})
	jobs, told := memory.NewJobs(), &safeAnnouncer{}
	e.svc.Tracking = &memory.Tracking{Associations: jobs.AllAssociations}
	e.svc.Webhooks, e.svc.Estimates = told, numberEstimator{}
	var in []message.Incoming
	for i := range 64 {
		n := dhl(i)
		if _, err := jobs.AddAssociations(ctx, []job.Association{{ProjectID: "p-1", TrackingNumber: n, Carrier: "dhl",
			AddedAt: e.now, ExpiresAt: e.now.Add(job.AssociationTTL), Tag: string(tag.Pending)}}); err != nil {
			t.Fatal(err)
		}
		in = append(in, trackingEvent(n, "picked_up", "2026-03-01T10:00:00Z", `,"tag":"InTransit"`))
	}
	r, err := e.svc.Inject(ctx, "acme", "b", in)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Process(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	if len(told.changes) != len(in) {
		t.Fatalf("%d changes told, want %d", len(told.changes), len(in))
	}
	for _, c := range told.changes {
		if c.Estimated == nil || c.Estimated.Basis != c.TrackingNumber {
			t.Fatalf("the change of %s was told with the estimate %+v", c.TrackingNumber, c.Estimated)
		}
	}
}
