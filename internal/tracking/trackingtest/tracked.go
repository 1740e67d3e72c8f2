package trackingtest

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/carrier"
	"github.com/parcelgate/parcelgate/internal/storetest"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

// trackedReadsTheShipmentAndItsNewestEventsTogether: the one read a
// tracking GET makes returns what Shipment and Events return apart, with
// the parcel's other items (its notified marker, service history) beside
// them in the store.
func trackedReadsTheShipmentAndItsNewestEventsTogether(t *testing.T, f Fixture) {
	ctx := context.Background()
	n := storetest.InPostNumber()
	if err := f.Store.PutShipment(ctx, tracking.Shipment{TrackingNumber: n, Carrier: carrier.InPost, Type: "PARCEL", Service: "express",
		CustomAttributes: map[string]any{"gift": true}, CreatedAt: "2026-11-29T08:00:00+01:00", FirstKnownAt: "2026-11-28T09:00:00.000Z"}); err != nil {
		t.Fatal(err)
	}
	evs := []tracking.Event{event("CREATED", "2026-11-28T09:00:00Z"), event("IN_TRANSIT", "2026-11-29T09:00:00Z"), event("DELIVERED", "2026-11-30T09:00:00Z")}
	if err := f.Store.PutEvents(ctx, map[string][]tracking.Event{n: evs}); err != nil {
		t.Fatal(err)
	}
	if err := f.Store.MarkNotified(ctx, map[string]int{n: 1}, nil); err != nil {
		t.Fatal(err)
	}
	if err := f.Store.SetService(ctx, n, "express", "2026-11-29T09:00:00Z", time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	want := shipment(t, f.Store, n)
	for _, limit := range []int{1, 2, 10} {
		wantEvents, err := f.Store.Events(ctx, n, limit)
		if err != nil {
			t.Fatal(err)
		}
		sh, got, err := f.Store.Tracked(ctx, n, limit)
		if err != nil || !reflect.DeepEqual(sh, want) || !reflect.DeepEqual(got, wantEvents) {
			t.Errorf("Tracked, limit %d: %+v %+v, %v\nwant %+v %+v", limit, sh, got, err, want, wantEvents)
		}
	}
	if _, _, err := f.Store.Tracked(ctx, storetest.InPostNumber(), 10); !errors.Is(err, tracking.ErrNotFound) {
		t.Errorf("Tracked of an unknown number: %v, want ErrNotFound", err)
	}
	eventsOnly := storetest.InPostNumber()
	if err := f.Store.PutEvents(ctx, map[string][]tracking.Event{eventsOnly: evs}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.Store.Tracked(ctx, eventsOnly, 10); !errors.Is(err, tracking.ErrNotFound) {
		t.Errorf("Tracked of a number with events and no shipment: %v, want ErrNotFound", err)
	}
}

// trackedReadsTheEstimateToldWithTheMark: the estimate marked with the
// notified sequence is the shipment's Told in the tracking read (not in
// Shipment's); a mark without one drops it.
func trackedReadsTheEstimateToldWithTheMark(t *testing.T, f Fixture) {
	ctx := context.Background()
	n := storetest.InPostNumber()
	if err := f.Store.PutShipment(ctx, tracking.Shipment{TrackingNumber: n, Carrier: carrier.InPost, Type: "PARCEL", Service: "express", FirstKnownAt: "2026-11-28T09:00:00.000Z"}); err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	told := &tracking.EstimatedDelivery{Earliest: day, Likely: day.Add(24 * time.Hour), Latest: day.Add(72 * time.Hour),
		Confidence: "medium", Basis: "lane", CarrierDate: "2026-12-02"}
	if err := f.Store.MarkNotified(ctx, map[string]int{n: 1}, map[string]*tracking.EstimatedDelivery{n: told}); err != nil {
		t.Fatal(err)
	}
	sh, _, err := f.Store.Tracked(ctx, n, 10)
	if err != nil || sh.Told == nil || !reflect.DeepEqual(*sh.Told, *told) {
		t.Fatalf("Tracked after a mark with an estimate: %+v, %v; want Told %+v", sh.Told, err, *told)
	}
	if err := f.Store.MarkNotified(ctx, map[string]int{n: 2}, nil); err != nil {
		t.Fatal(err)
	}
	if sh, _, err := f.Store.Tracked(ctx, n, 10); err != nil || sh.Told != nil {
		t.Fatalf("Tracked after a mark without an estimate: Told %+v, %v; want none", sh.Told, err)
	}
}
