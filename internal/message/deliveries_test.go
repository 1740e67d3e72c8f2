package message_test

import (
	"context"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/edd"
	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/memory"
	"github.com/parcelgate/parcelgate/internal/message"
	"github.com/parcelgate/parcelgate/internal/tag"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

// A parcel's first delivery is learned once for each project subscribing
// it: not again on a redelivery, nor when it moves back from Exception
// and is delivered again, nor for a project that does not follow it.
func TestDeliveryIsLearnedOncePerSubscribingProject(t *testing.T) {
	ctx := context.Background()
	e := newEnv(queue{})
	jobs := memory.NewJobs()
	tr := &memory.Tracking{Associations: jobs.AllAssociations}
	aggregates := &memory.Edd{}
	e.svc.Tracking, e.svc.Associations = tr, jobs
	e.svc.Deliveries = edd.Service{Store: aggregates, Resources: tracking.Service{Store: tr}}
	const number = "1Z999AA10123456784"
	for _, p := range []string{"p-1", "p-2"} {
		if _, err := jobs.AddAssociations(ctx, []job.Association{{ProjectID: p, TrackingNumber: number, Carrier: "ups",
			AddedAt: e.now, ExpiresAt: e.now.Add(job.AssociationTTL), Tag: string(tag.Pending)}}); err != nil {
			t.Fatal(err)
		}
	}
	process := func(msgs ...message.Incoming) {
		t.Helper()
		r, err := e.svc.Inject(ctx, "acme", "b", msgs)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Process(ctx, r.ID); err != nil {
			t.Fatal(err)
		}
		e.now = e.now.Add(time.Minute)
	}
	process(trackingEvent(number, "picked_up", "2026-03-02T10:00:00Z", `,"tag":"InTransit"`))
	process(trackingEvent(number, "delivered", "2026-03-03T16:00:00Z", `,"tag":"Delivered"`))
	process(trackingEvent(number, "delivered", "2026-03-03T16:00:00Z", `,"tag":"Delivered"`)) // sent again
	process(trackingEvent(number, "refused", "2026-03-04T09:00:00Z", `,"tag":"Exception"`))
	process(trackingEvent(number, "delivered again", "2026-03-05T09:00:00Z", `,"tag":"Delivered"`))

	groups := []string{}
	for _, g := range (edd.Parcel{Carrier: "ups"}).Groups() {
		groups = append(groups, g.Key)
	}
	for _, p := range []string{"p-1", "p-2"} {
		a, err := aggregates.Aggregates(ctx, []string{p}, groups)
		if err != nil {
			t.Fatal(err)
		}
		c := a[groups[len(groups)-1]]
		if c.Deliveries != 1 || c.Since[tag.InTransit][edd.Bucket(30*time.Hour)] != 1 {
			t.Fatalf("%s: carrier aggregate %+v, want the first delivery 30 business hours after pick-up", p, c)
		}
	}
	if a, _ := aggregates.Aggregates(ctx, []string{"p-other"}, groups); len(a) != 0 {
		t.Fatalf("a project not following the number learned it: %+v", a)
	}
}

// fixedEstimator estimates every parcel the same, and counts its calls.
type fixedEstimator struct {
	est   tracking.EstimatedDelivery
	calls map[string]int
}

func (f *fixedEstimator) EstimatedFor(_ context.Context, number string, projectIDs []string) (*tracking.EstimatedDelivery, error) {
	f.calls[number]++
	if len(projectIDs) == 0 {
		return nil, nil
	}
	e := f.est
	return &e, nil
}

// Every change told to subscribers carries the number's estimate, made
// once per number and request.
func TestAnnouncedChangesCarryTheEstimate(t *testing.T) {
	ctx := context.Background()
	e := newEnv(queue{})
	jobs, told := memory.NewJobs(), &announcer{}
	tr := &memory.Tracking{Associations: jobs.AllAssociations}
	est := &fixedEstimator{est: tracking.EstimatedDelivery{Earliest: e.now, Likely: e.now.Add(24 * time.Hour), Latest: e.now.Add(48 * time.Hour),
		Confidence: "medium", Basis: "lane"}, calls: map[string]int{}}
	e.svc.Tracking, e.svc.Webhooks, e.svc.Estimates = tr, told, est
	const number = "1Z999AA10123456784"
	if _, err := jobs.AddAssociations(ctx, []job.Association{{ProjectID: "p-1", TrackingNumber: number, Carrier: "ups",
		AddedAt: e.now, ExpiresAt: e.now.Add(job.AssociationTTL), Tag: string(tag.Pending)}}); err != nil {
		t.Fatal(err)
	}
	r, err := e.svc.Inject(ctx, "acme", "b", []message.Incoming{
		trackingEvent(number, "label_created", "2026-03-01T08:00:00Z", `,"tag":"InfoReceived"`),
		trackingEvent(number, "picked_up", "2026-03-01T10:00:00Z", `,"tag":"InTransit"`)})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Process(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	if len(told.changes) == 0 || est.calls[number] != 1 {
		t.Fatalf("%d changes told, %d estimates made", len(told.changes), est.calls[number])
	}
	for _, c := range told.changes {
		if c.Estimated == nil || *c.Estimated != est.est {
			t.Fatalf("change %d told with estimate %+v", c.Sequence, c.Estimated)
		}
	}
}
