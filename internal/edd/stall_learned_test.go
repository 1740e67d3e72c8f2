package edd_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/carrier"
	"github.com/parcelgate/parcelgate/internal/edd"
	"github.com/parcelgate/parcelgate/internal/tag"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

var usParcel = edd.Parcel{Carrier: carrier.UPS, Origin: "US", Destination: "US"}

// randomAggregates gives each of the parcel's groups a random number of
// delivered parcels (around MinDeliveries), each with a few random gaps
// in tag.InTransit.
func randomAggregates(r *rand.Rand, p edd.Parcel) map[string]edd.Aggregate {
	out := map[string]edd.Aggregate{}
	for _, g := range p.Groups() {
		a := edd.Aggregate{Gaps: map[tag.Tag]*edd.Histogram{tag.InTransit: {}}, Dwell: map[tag.Tag]*edd.Histogram{tag.InTransit: {}}}
		n := r.IntN(2 * edd.MinDeliveries)
		for range n {
			a.Deliveries++
			var stay time.Duration
			for range 1 + r.IntN(5) {
				gap := time.Duration(r.Float64() * r.Float64() * float64(200*time.Hour))
				a.Gaps[tag.InTransit].Add(gap)
				stay += gap
			}
			a.Dwell[tag.InTransit].Add(stay)
		}
		out[g.Key] = a
	}
	return out
}

// The threshold is never under StallGrace; it is the fallback unless a
// group has MinDeliveries parcels that stayed in the tag, and then the
// most specific such group's p95 of the gaps and the grace.
func TestStallAfterProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(24, 1))
	fallback := edd.StallAfter(usParcel, tag.InTransit, nil)
	for i := range 2000 {
		aggs := randomAggregates(r, usParcel)
		got := edd.StallAfter(usParcel, tag.InTransit, aggs)
		if got < edd.StallGrace {
			t.Fatalf("case %d: %s under the minimum", i, got)
		}
		var answering *edd.Aggregate
		for _, g := range usParcel.Groups() {
			if a := aggs[g.Key]; a.Dwell[tag.InTransit].Total() >= edd.MinDeliveries {
				answering = &a
				break
			}
		}
		if answering == nil {
			if got != fallback {
				t.Fatalf("case %d: %s without %d deliveries in any group, want the fallback %s", i, got, edd.MinDeliveries, fallback)
			}
			continue
		}
		q, _ := answering.Gaps[tag.InTransit].ConditionalQuantiles(0, edd.StallQuantile)
		if want := (q[0] + edd.StallGrace).Truncate(time.Second); got != want {
			t.Fatalf("case %d: %s, want the first group's p95 %s", i, got, want)
		}
		// A tag nobody stayed in has the fallback.
		if got := edd.StallAfter(usParcel, tag.OutForDelivery, aggs); got != fallback {
			t.Fatalf("case %d: OutForDelivery %s, want the fallback", i, got)
		}
	}
}

func TestStallAfterFallsBackBelowMinDeliveries(t *testing.T) {
	g := usParcel.Groups()
	carrierOnly := g[len(g)-1].Key
	aggs := map[string]edd.Aggregate{carrierOnly: {Gaps: map[tag.Tag]*edd.Histogram{tag.InTransit: {}}, Dwell: map[tag.Tag]*edd.Histogram{tag.InTransit: {}}}}
	for i := range edd.MinDeliveries {
		if got := edd.StallAfter(usParcel, tag.InTransit, aggs); got != 3*day {
			t.Fatalf("with %d deliveries: %s, want the 3 business days of the fallback", i, got)
		}
		aggs[carrierOnly].Gaps[tag.InTransit].Add(30 * time.Hour)
		aggs[carrierOnly].Dwell[tag.InTransit].Add(30 * time.Hour)
	}
	if got := edd.StallAfter(usParcel, tag.InTransit, aggs) - edd.StallGrace; got < 30*time.Hour || got > 33*time.Hour {
		t.Fatalf("with %d deliveries: %s and the grace, want their gap's bucket, about 30 hours", edd.MinDeliveries, got)
	}
	// Gaps of an hour teach a threshold of about an hour and the grace:
	// no parcel is stalled overnight.
	for range 40 * edd.MinDeliveries { // the 30-hour gaps now under 5%
		aggs[carrierOnly].Gaps[tag.InTransit].Add(time.Hour)
	}
	if got := edd.StallAfter(usParcel, tag.InTransit, aggs); got < edd.StallGrace+time.Hour || got > edd.StallGrace+70*time.Minute {
		t.Fatalf("short gaps: %s, want an hour's bucket and %s", got, edd.StallGrace)
	}
}

// A project whose parcels are scanned every 30 hours in transit learns
// to call one silent for about 30 hours and a day stalled, well before
// the 3 business days of the fallback; the watch takes the threshold from
// the same aggregates the estimates read.
func TestStalledAtTheLearnedThreshold(t *testing.T) {
	f := newWatchFixture(t, "US")
	ctx := context.Background()
	start := time.Date(2026, 9, 7, 12, 0, 0, 0, time.UTC) // a Monday
	for i := range edd.MinDeliveries + 5 {
		d, ok := edd.Observe(fmt.Sprintf("1ZT%04d", i), usParcel, []tracking.Event{
			{Tag: tag.InfoReceived, At: start}, {Tag: tag.InTransit, At: start.Add(10 * time.Hour)},
			{Tag: tag.InTransit, At: start.Add(40 * time.Hour)}, {Tag: tag.InTransit, At: start.Add(70 * time.Hour)},
			{Tag: tag.Delivered, At: start.Add(100 * time.Hour)},
		})
		if !ok {
			t.Fatal("not delivered")
		}
		if _, err := f.w.Service.Store.RecordDelivery(ctx, "p1", d); err != nil {
			t.Fatal(err)
		}
	}
	f.event(tag.InTransit)
	w, _, _ := f.w.Store.GetWatch(ctx, "1Z0001")
	after := w.StallAt.Sub(monday)
	if after < 54*time.Hour || after > 57*time.Hour {
		t.Fatalf("stall after %s, want the learned 30-hour gap's bucket and a day", after)
	}
	f.checkAt(after - time.Minute)
	f.wantStalled(0)
	f.checkAt(after)
	f.wantStalled(1)
	// Unfollowed by any project, the same parcel would wait 3 days.
	if got := edd.StallAfter(usParcel, tag.InTransit, nil); got != 3*day {
		t.Fatalf("fallback %s", got)
	}
}
