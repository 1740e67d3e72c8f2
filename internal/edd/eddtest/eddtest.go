// Package eddtest is the contract of edd.Store, one suite that every
// implementation (in memory, DynamoDB) must pass.
package eddtest

import (
	"context"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/carrier"
	"github.com/parcelgate/parcelgate/internal/edd"
	"github.com/parcelgate/parcelgate/internal/storetest"
	"github.com/parcelgate/parcelgate/internal/tag"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

// Run runs the contract against the store newStore returns; a store may
// be shared between the tests: each uses fresh projects.
func Run(t *testing.T, newStore func(t *testing.T) edd.Store) {
	for _, tc := range []struct {
		name string
		test func(t *testing.T, s edd.Store)
	}{
		{"RecordedOnce", recordedOnce},
		{"ConcurrentProcessorsCountOnce", concurrentProcessors},
		{"ProjectsAreSeparateAndMerge", projectsSeparateAndMerge},
		{"ManyNumbersAcrossShards", manyNumbers},
		{"AHundredEventsInOneDelivery", aHundredEvents},
		{"CarrierDateOfTheNewestEvent", carrierDates},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.test(t, newStore(t)) })
	}
}

var parcel = edd.Parcel{Carrier: carrier.UPS, Service: "ground", Origin: "US", Destination: "US", PostalCode: "10001"}

func at(h int) time.Time {
	return time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC).Add(time.Duration(h) * time.Hour)
}

// delivery is a parcel labelled at hour -5, picked up at hour 0, scanned
// at hours 1 and 2 and delivered at hour h (a Tuesday, so h < 72 stays
// within business days): gaps of 5 hours in InfoReceived, and of 1 hour
// twice and h-2 hours in InTransit, where it stays h hours.
func delivery(t *testing.T, number string, h int) edd.Delivery {
	t.Helper()
	d, ok := edd.Observe(number, parcel, []tracking.Event{
		{Tag: tag.InfoReceived, At: at(-5)}, {Tag: tag.InTransit, At: at(0)}, {Tag: tag.InTransit, At: at(1)},
		{Tag: tag.InTransit, At: at(2)}, {Tag: tag.Delivered, At: at(h)},
	})
	if !ok {
		t.Fatal("not delivered")
	}
	return d
}

func groups() []string {
	var out []string
	for _, g := range parcel.Groups() {
		out = append(out, g.Key)
	}
	return out
}

func read(t *testing.T, s edd.Store, projects ...string) map[string]edd.Aggregate {
	t.Helper()
	a, err := s.Aggregates(context.Background(), projects, groups())
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// A delivery counts once: recorded again (a redelivery, a retried task, a
// status back from Exception and Delivered again) it changes nothing.
func recordedOnce(t *testing.T, s edd.Store) {
	ctx := context.Background()
	p := storetest.ID("p")
	if a := read(t, s, p); len(a) != 0 {
		t.Fatalf("fresh project has aggregates %v", a)
	}
	d := delivery(t, "1Z0000000000000001", 30)
	for i, want := range []bool{true, false, false} {
		got, err := s.RecordDelivery(ctx, p, d)
		if err != nil || got != want {
			t.Fatalf("record %d: %v, %v; want %v", i, got, err, want)
		}
	}
	// Delivered again later, as a redelivery is: still once.
	if got, err := s.RecordDelivery(ctx, p, delivery(t, "1Z0000000000000001", 50)); err != nil || got {
		t.Fatalf("redelivery recorded: %v, %v", got, err)
	}
	a := read(t, s, p)
	for _, g := range groups() {
		agg := a[g]
		if agg.Deliveries != 1 || agg.Since[tag.InTransit].Total() != 1 || agg.Since[tag.InfoReceived].Total() != 1 {
			t.Fatalf("group %s: %+v", g, agg)
		}
		if agg.Since[tag.InTransit][edd.Bucket(30*time.Hour)] != 1 {
			t.Fatalf("group %s: 30h not in its bucket", g)
		}
		if agg.Since[tag.OutForDelivery] != nil && agg.Since[tag.OutForDelivery].Total() != 0 {
			t.Fatalf("group %s: tag never seen has counts", g)
		}
		wantGaps(t, g, agg, 1, map[time.Duration]int64{time.Hour: 2, 28 * time.Hour: 1})
		if agg.Dwell[tag.InTransit][edd.Bucket(30*time.Hour)] != 1 {
			t.Fatalf("group %s: 30h stay in transit not in its bucket", g)
		}
	}
}

// wantGaps checks a group's gaps and stays for n deliveries: each with one
// gap and one stay in InfoReceived, three gaps and one stay in InTransit;
// in InTransit, the gaps of the given lengths counted as given.
func wantGaps(t *testing.T, g string, a edd.Aggregate, n int64, inTransit map[time.Duration]int64) {
	t.Helper()
	for tg, want := range map[tag.Tag][2]int64{tag.InfoReceived: {n, n}, tag.InTransit: {3 * n, n}} {
		if a.Gaps[tg].Total() != want[0] || a.Dwell[tg].Total() != want[1] {
			t.Fatalf("group %s, %s: %d gaps, %d stays; want %d, %d", g, tg, a.Gaps[tg].Total(), a.Dwell[tg].Total(), want[0], want[1])
		}
	}
	if a.Gaps[tag.InfoReceived][edd.Bucket(5*time.Hour)] != n {
		t.Fatalf("group %s: 5h gaps before pick-up not in their bucket", g)
	}
	for d, c := range inTransit {
		if got := a.Gaps[tag.InTransit][edd.Bucket(d)]; got != c {
			t.Fatalf("group %s: %d gaps of %s in transit, want %d", g, got, d, c)
		}
	}
}

// Two processors recording the same delivery at once: one wins.
func concurrentProcessors(t *testing.T, s edd.Store) {
	ctx := context.Background()
	p := storetest.ID("p")
	const processors, numbers = 6, 5
	var wg sync.WaitGroup
	wins := make([]int, numbers)
	var mu sync.Mutex
	errs := make(chan error, processors*numbers)
	for range processors {
		for n := range numbers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := s.RecordDelivery(ctx, p, delivery(t, fmt.Sprintf("1Z00000000000001%02d", n), 20+n))
				if err != nil {
					errs <- err
					return
				}
				if ok {
					mu.Lock()
					wins[n]++
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for n, w := range wins {
		if w != 1 {
			t.Fatalf("number %d recorded %d times", n, w)
		}
	}
	for _, g := range groups() {
		a := read(t, s, p)[g]
		if a.Deliveries != numbers || a.Since[tag.InTransit].Total() != numbers {
			t.Fatalf("group %s: %+v", g, a)
		}
		wantGaps(t, g, a, numbers, map[time.Duration]int64{time.Hour: 2 * numbers})
	}
}

// A project sees its own deliveries only; read together, projects merge,
// and the same number delivered to two projects counts in each.
func projectsSeparateAndMerge(t *testing.T, s edd.Store) {
	ctx := context.Background()
	p1, p2 := storetest.ID("p"), storetest.ID("p")
	for _, p := range []string{p1, p2} {
		if ok, err := s.RecordDelivery(ctx, p, delivery(t, "1Z0000000000000201", 30)); err != nil || !ok {
			t.Fatalf("record in %s: %v, %v", p, ok, err)
		}
	}
	if _, err := s.RecordDelivery(ctx, p2, delivery(t, "1Z0000000000000202", 60)); err != nil {
		t.Fatal(err)
	}
	g := groups()[0]
	if a := read(t, s, p1)[g]; a.Deliveries != 1 {
		t.Fatalf("p1 %+v", a)
	}
	if a := read(t, s, p2)[g]; a.Deliveries != 2 {
		t.Fatalf("p2 %+v", a)
	}
	if a := read(t, s, p1, p2)[g]; a.Deliveries != 3 || a.Since[tag.InTransit][edd.Bucket(30*time.Hour)] != 2 {
		t.Fatalf("merged %+v", a)
	}
}

// Many numbers of one project land on every shard and all add up.
func manyNumbers(t *testing.T, s edd.Store) {
	ctx := context.Background()
	p := storetest.ID("p")
	const n = 40
	for i := range n {
		if _, err := s.RecordDelivery(ctx, p, delivery(t, fmt.Sprintf("1Z00000000000003%02d", i), 10+i)); err != nil {
			t.Fatal(err)
		}
	}
	a := read(t, s, p)[groups()[len(groups())-1]]
	if a.Deliveries != n || a.Since[tag.InTransit].Total() != n {
		t.Fatalf("carrier group %+v", a)
	}
	wantGaps(t, "carrier", a, n, map[time.Duration]int64{time.Hour: 2 * n})
	for i := range n {
		if a.Since[tag.InTransit][edd.Bucket(time.Duration(10+i)*time.Hour)] == 0 {
			t.Fatalf("%dh missing", 10+i)
		}
	}
}

// A parcel with as many events as a resource holds records each of its
// gaps, most in buckets of their own, in one delivery.
func aHundredEvents(t *testing.T, s edd.Store) {
	ctx := context.Background()
	p := storetest.ID("p")
	events := []tracking.Event{{Tag: tag.InTransit, At: at(0)}}
	last := at(0)
	for k := range tracking.MaxDetails - 2 {
		last = last.Add(time.Duration(float64(15*time.Minute) * math.Exp2(float64(k%60)/8)))
		events = append(events, tracking.Event{Tag: tag.InTransit, At: last})
	}
	events = append(events, tracking.Event{Tag: tag.Delivered, At: last.Add(time.Hour)})
	d, ok := edd.Observe("1Z0000000000000401", parcel, events)
	if !ok {
		t.Fatal("not delivered")
	}
	if ok, err := s.RecordDelivery(ctx, p, d); err != nil || !ok {
		t.Fatalf("record: %v, %v", ok, err)
	}
	a := read(t, s, p)[groups()[0]]
	if a.Gaps[tag.InTransit].Total() != tracking.MaxDetails-1 || a.Dwell[tag.InTransit].Total() != 1 {
		t.Fatalf("%d gaps, %d stays; want %d, 1", a.Gaps[tag.InTransit].Total(), a.Dwell[tag.InTransit].Total(), tracking.MaxDetails-1)
	}
	for b, n := range d.Gaps[tag.InTransit] {
		if a.Gaps[tag.InTransit][b] != n {
			t.Fatalf("bucket %d: %d, recorded %d", b, a.Gaps[tag.InTransit][b], n)
		}
	}
}

// The carrier date kept is the one of the newest event, whatever the
// order the events arrive in.
func carrierDates(t *testing.T, s edd.Store) {
	ctx := context.Background()
	number := storetest.ID("1Z")
	if d, err := s.CarrierDate(ctx, number); err != nil || d != "" {
		t.Fatalf("fresh number: %q, %v", d, err)
	}
	for _, c := range []struct {
		date string
		at   int
		want string
	}{
		{"2026-12-09", 10, "2026-12-09"},
		{"2026-12-08", 5, "2026-12-09"}, // an older event's date, arriving late
		{"2026-12-11T17:00:00+01:00", 20, "2026-12-11T17:00:00+01:00"},
		{"2026-12-12", 20, "2026-12-12"}, // same event time: the later message
	} {
		if err := s.SetCarrierDate(ctx, number, c.date, at(c.at)); err != nil {
			t.Fatal(err)
		}
		if d, err := s.CarrierDate(ctx, number); err != nil || d != c.want {
			t.Fatalf("after %s at %d: %q, %v; want %q", c.date, c.at, d, err, c.want)
		}
	}
}
