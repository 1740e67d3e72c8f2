package edd_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/carrier"
	"github.com/parcelgate/parcelgate/internal/edd"
	"github.com/parcelgate/parcelgate/internal/memory"
	"github.com/parcelgate/parcelgate/internal/tag"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

// countedAggregates counts the aggregate reads that reach the store.
type countedAggregates struct {
	edd.Store
	reads atomic.Int64
}

func (c *countedAggregates) Aggregates(ctx context.Context, projectIDs, groups []string) (map[string]edd.Aggregate, error) {
	c.reads.Add(1)
	return c.Store.Aggregates(ctx, projectIDs, groups)
}

// inTransit is a parcel picked up on monday, to destination dest.
func inTransit(number, dest string) tracking.Resource {
	return tracking.Resource{Shipment: tracking.Shipment{TrackingNumber: number, Carrier: carrier.UPS, Tag: tag.InTransit,
		CustomAttributes: map[string]any{edd.AttrOriginCountry: "US", edd.AttrDestinationCountry: dest}},
		Details: []tracking.Event{{Status: "picked_up", Tag: tag.InTransit, At: monday, Datetime: monday.Format("2006-01-02T15:04:05Z07:00")}}}
}

// In a shared context, the parcels of one lane followed by the same
// projects (in any order) are estimated from one read of the aggregates,
// however many are estimated at once, and as they would be alone; a
// parcel of another lane or projects reads its own. Outside one, every
// estimate reads.
func TestParcelsEstimatedInASharedContextReadTheAggregatesOnce(t *testing.T) {
	store := &countedAggregates{Store: &memory.Edd{}}
	s := edd.Service{Store: store}
	ctx := context.Background()
	// Enough deliveries on the lane to DE, for p1, that its estimates come
	// from the aggregates rather than the standard table.
	lane := edd.ParcelOf(inTransit("", "DE").Shipment)
	for i := range edd.MinDeliveries {
		d, ok := edd.Observe(fmt.Sprintf("1Z8%03d", i), lane, []tracking.Event{
			{Tag: tag.InTransit, At: monday.Add(-96 * time.Hour)}, {Tag: tag.Delivered, At: monday.Add(-48*time.Hour + time.Duration(i)*time.Hour)}})
		if !ok {
			t.Fatal("not delivered")
		}
		if _, err := store.RecordDelivery(ctx, "p1", d); err != nil {
			t.Fatal(err)
		}
	}
	type ask struct {
		r        tracking.Resource
		projects []string
	}
	var asks []ask
	for i := range 40 {
		projects := []string{"p1", "p2"}
		if i%2 == 1 {
			projects = []string{"p2", "p1"}
		}
		asks = append(asks, ask{inTransit(fmt.Sprintf("1Z%04d", i), "DE"), projects})
	}
	asks = append(asks, ask{inTransit("1Z9990", "FR"), []string{"p1", "p2"}}, ask{inTransit("1Z9991", "DE"), []string{"p1"}})

	alone := make([]edd.Estimate, len(asks))
	for i, a := range asks {
		e, _, err := s.Estimate(ctx, a.r, a.projects, monday)
		if err != nil {
			t.Fatal(err)
		}
		alone[i] = e
	}
	if alone[0].Basis == edd.BasisStandard {
		t.Fatalf("the lane's estimate %+v did not come from its deliveries", alone[0])
	}
	if n := store.reads.Load(); n != int64(len(asks)) {
		t.Fatalf("%d reads for %d estimates outside a shared context", n, len(asks))
	}

	store.reads.Store(0)
	shared := edd.ShareAggregates(ctx)
	var wg sync.WaitGroup
	got := make([]edd.Estimate, len(asks))
	errs := make([]error, len(asks))
	for i, a := range asks {
		wg.Go(func() { got[i], _, errs[i] = s.Estimate(shared, a.r, a.projects, monday) })
	}
	wg.Wait()
	for i := range asks {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if got[i] != alone[i] {
			t.Fatalf("%s: estimated %+v in the shared context, %+v alone", asks[i].r.TrackingNumber, got[i], alone[i])
		}
	}
	// One read for the lane to DE followed by p1 and p2, one for FR, one
	// for DE followed by p1 alone.
	if n := store.reads.Load(); n != 3 {
		t.Fatalf("%d reads for %d estimates in a shared context, want 3", n, len(asks))
	}
}
