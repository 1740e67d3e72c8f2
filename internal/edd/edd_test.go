package edd

import (
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/carrier"
	"github.com/parcelgate/parcelgate/internal/tag"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

func TestBucketsAreLogSpacedAndOrdered(t *testing.T) {
	prev := -1
	for d := time.Duration(0); d < 3000*time.Hour; d += 7 * time.Minute {
		b := Bucket(d)
		if b < prev {
			t.Fatalf("Bucket(%v) = %d after %d", d, b, prev)
		}
		lo, hi := bounds(b)
		if b < NumBuckets-1 && (d.Hours() < lo-1e-9 || d.Hours() >= hi+1e-9) {
			t.Fatalf("Bucket(%v) = %d, bounds [%v, %v)", d, b, lo, hi)
		}
		prev = b
	}
	if Bucket(-time.Hour) != 0 || Bucket(1<<62) != NumBuckets-1 {
		t.Fatal("out-of-range durations not clamped")
	}
}

func randomHistogram(r *rand.Rand) *Histogram {
	h := new(Histogram)
	median := time.Duration(6+r.IntN(120)) * time.Hour
	for range 50 + r.IntN(500) {
		h.Add(time.Duration(float64(median) * (0.3 + r.ExpFloat64())))
	}
	return h
}

// The properties the estimate rests on: percentiles in order, at least the
// time spent, and a parcel that has waited longer never expected sooner.
func TestConditionalQuantileProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(24, 2))
	for range 300 {
		h := randomHistogram(r)
		var prev []time.Duration
		for spent := time.Duration(0); spent < 400*time.Hour; spent += time.Duration(1+r.IntN(300)) * time.Minute {
			q, ok := h.ConditionalQuantiles(spent, 0.1, 0.5, 0.9)
			if !ok {
				if h.Above(spent) > 0 {
					t.Fatalf("no quantiles with %v above", h.Above(spent))
				}
				break
			}
			if !(spent <= q[0] && q[0] <= q[1] && q[1] <= q[2]) {
				t.Fatalf("spent %v: quantiles %v out of order", spent, q)
			}
			if prev != nil {
				for i := range q {
					if q[i] < prev[i]-time.Millisecond {
						t.Fatalf("spent %v: quantile %d went down from %v to %v", spent, i, prev[i], q[i])
					}
				}
			}
			prev = q
		}
	}
}

func TestMergeAddsCounts(t *testing.T) {
	a, b := new(Histogram), new(Histogram)
	a.Add(time.Hour)
	b.Add(time.Hour)
	b.Add(50 * time.Hour)
	a.Merge(b)
	if a.Total() != 3 || a[Bucket(time.Hour)] != 2 {
		t.Fatalf("merged %v", a)
	}
}

func aggregatesFor(p Parcel, basis Basis, t tag.Tag, h *Histogram) map[string]Aggregate {
	for _, g := range p.Groups() {
		if g.Basis == basis {
			return map[string]Aggregate{g.Key: {Deliveries: h.Total(), Since: map[tag.Tag]*Histogram{t: h}}}
		}
	}
	panic("no such basis")
}

func TestEstimatedProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(24, 3))
	parcels := []Parcel{
		{Carrier: carrier.InPost, Service: "inpost_locker_standard"},
		{Carrier: carrier.DHLExpress, Service: "express", Origin: "DE", Destination: "GB", PostalCode: "SW1A 1AA"},
		{Carrier: carrier.UPS, Destination: "us"},
		{Carrier: "unknown_carrier"},
	}
	bases := []Basis{BasisLane, BasisCarrierService, BasisCarrier}
	for range 400 {
		p := parcels[r.IntN(len(parcels))]
		tg := Tags[r.IntN(len(Tags))]
		aggs := aggregatesFor(p, bases[r.IntN(len(bases))], tg, randomHistogram(r))
		if r.IntN(4) == 0 {
			aggs = nil
		}
		since := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.IntN(60*24)) * time.Hour)
		var prev Estimate
		for now := since; now.Before(since.Add(20 * 24 * time.Hour)); now = now.Add(time.Duration(1+r.IntN(600)) * time.Minute) {
			e, ok := Estimated(Situation{Parcel: p, Tag: tg, Since: since, Now: now}, aggs)
			if !ok {
				t.Fatalf("no estimate for %s", tg)
			}
			if e.Earliest.Before(now) || e.Likely.Before(e.Earliest) || e.Latest.Before(e.Likely) {
				t.Fatalf("%s at %v: %+v not ordered or in the past", tg, now, e)
			}
			// Within one basis, the standard table's too, waiting longer
			// never brings a date forward.
			if e.Basis == prev.Basis {
				for _, x := range [][2]time.Time{{prev.Earliest, e.Earliest}, {prev.Likely, e.Likely}, {prev.Latest, e.Latest}} {
					if x[1].Before(x[0].Add(-time.Second)) {
						t.Fatalf("%s (%s): moved from %v to %v at %v", tg, e.Basis, x[0], x[1], now)
					}
				}
			}
			prev = e
		}
	}
}

// The same properties hold when smaller, more specific groups are
// blended into the answering group's estimate: whatever they hold, the
// percentiles stay in order, never in the past, and a parcel that has
// waited longer is never expected sooner.
func TestBlendedEstimateProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(24, 4))
	p := Parcel{Carrier: carrier.DHLExpress, Service: "express", Origin: "DE", Destination: "GB", PostalCode: "SW1A 1AA"}
	groups := p.Groups()
	for range 300 {
		tg := Tags[r.IntN(len(Tags))]
		answering := 1 + r.IntN(len(groups)-1)
		aggs := map[string]Aggregate{groups[answering].Key: {Since: map[tag.Tag]*Histogram{tg: randomHistogram(r)}}}
		for _, g := range groups[:answering] {
			small := new(Histogram)
			median := time.Duration(6+r.IntN(200)) * time.Hour
			for range r.IntN(MinDeliveries) {
				small.Add(time.Duration(float64(median) * (0.3 + r.ExpFloat64())))
			}
			aggs[g.Key] = Aggregate{Since: map[tag.Tag]*Histogram{tg: small}}
		}
		since := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.IntN(60*24)) * time.Hour)
		var prev Estimate
		for now := since; now.Before(since.Add(20 * 24 * time.Hour)); now = now.Add(time.Duration(1+r.IntN(300)) * time.Minute) {
			e, _ := Estimated(Situation{Parcel: p, Tag: tg, Since: since, Now: now}, aggs)
			if e.Earliest.Before(now) || e.Likely.Before(e.Earliest) || e.Latest.Before(e.Likely) {
				t.Fatalf("%s at %v: %+v not ordered or in the past", tg, now, e)
			}
			if e.Basis == prev.Basis {
				for _, x := range [][2]time.Time{{prev.Earliest, e.Earliest}, {prev.Likely, e.Likely}, {prev.Latest, e.Latest}} {
					if x[1].Before(x[0].Add(-time.Second)) {
						t.Fatalf("%s: moved from %v to %v at %v (%+v)", tg, x[0], x[1], now, e)
					}
				}
			}
			prev = e
		}
	}
}

// A postal area with a few deliveries of its own moves its lane's
// estimate towards them, by their count.
func TestSmallGroupIsBlendedIntoItsLanes(t *testing.T) {
	p := Parcel{Carrier: carrier.DHLExpress, Service: "express", Origin: "DE", Destination: "PL", PostalCode: "00-950"}
	g := p.Groups()
	lane := new(Histogram)
	for i := range 300 {
		lane.Add(time.Duration(20+i%10) * time.Hour)
	}
	now := time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC) // a Tuesday
	likely := func(n int) time.Duration {
		area := new(Histogram)
		for range n {
			area.Add(60 * time.Hour)
		}
		e, _ := Estimated(Situation{Parcel: p, Tag: tag.InTransit, Since: now, Now: now}, map[string]Aggregate{
			g[0].Key: {Since: map[tag.Tag]*Histogram{tag.InTransit: area}},
			g[1].Key: {Since: map[tag.Tag]*Histogram{tag.InTransit: lane}}})
		if e.Basis != BasisLane || e.Confidence != High {
			t.Fatalf("%d in the area: %+v, want the lane's, high", n, e)
		}
		return p.Calendar().BusinessTime(now, e.Likely)
	}
	alone, one, many := likely(0), likely(1), likely(MinDeliveries-1)
	if !(alone < 30*time.Hour && alone <= one && one < many && many > 55*time.Hour) {
		t.Fatalf("likely with 0, 1 and %d deliveries of 60 h in the area: %v, %v, %v", MinDeliveries-1, alone, one, many)
	}
}

func TestEstimatedFallsBackToCoarserGroups(t *testing.T) {
	p := Parcel{Carrier: carrier.DHLExpress, Service: "express", Origin: "DE", Destination: "PL", PostalCode: "00-950"}
	g := p.Groups()
	if len(g) != 4 || g[0].Basis != BasisLane || g[1].Basis != BasisLane || g[3].Basis != BasisCarrier {
		t.Fatalf("groups %+v", g)
	}
	few, many := new(Histogram), new(Histogram)
	for i := range 10 {
		few.Add(time.Duration(10+i) * time.Hour)
	}
	for i := range 300 {
		many.Add(time.Duration(20+i%30) * time.Hour)
	}
	aggs := map[string]Aggregate{
		g[0].Key: {Since: map[tag.Tag]*Histogram{tag.InTransit: few}},
		g[2].Key: {Since: map[tag.Tag]*Histogram{tag.InTransit: many}},
	}
	now := time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC) // a Tuesday
	e, _ := Estimated(Situation{Parcel: p, Tag: tag.InTransit, Since: now, Now: now}, aggs)
	if e.Basis != BasisCarrierService || e.Confidence != High {
		t.Fatalf("estimate %+v, want carrier_service/high", e)
	}
	// A parcel that has outlived every counted delivery falls to the table.
	e, _ = Estimated(Situation{Parcel: p, Tag: tag.InTransit, Since: now.Add(-30 * 24 * time.Hour), Now: now}, aggs)
	if e.Basis != BasisStandard || e.Confidence != Low || e.Earliest.Before(now) {
		t.Fatalf("estimate %+v, want standard/low, not in the past", e)
	}
	if _, ok := Estimated(Situation{Parcel: p, Tag: tag.Delivered, Now: now}, aggs); ok {
		t.Fatal("a delivered parcel got an estimate")
	}
}

// The table's latest is the carrier's announced latest and a working day
// more (lateSlack): a p90 of the delivery, not the carrier's promise.
func TestStandardTableLatestHasTheSlack(t *testing.T) {
	now := time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)                     // a Tuesday
	p := Parcel{Carrier: carrier.InPost, Service: "inpost_locker_standard"} // announced: 1, 1, 2
	e := Standard(Situation{Parcel: p, Tag: tag.InTransit, Since: now, Now: now})
	cal := p.Calendar()
	got := []float64{cal.BusinessDays(now, e.Earliest), cal.BusinessDays(now, e.Likely), cal.BusinessDays(now, e.Latest)}
	if !slices.Equal(got, []float64{1, 1, 3}) || e.Confidence != Low || e.Basis != BasisStandard {
		t.Fatalf("business days %v (%+v), want 1, 1, 3 of low confidence", got, e)
	}
}

// Past its days, the table estimates from what is left of its
// distribution, the tail of late parcels, as the learned estimate does
// from its deliveries; past the tail, from the overdue days.
func TestStandardTableIsConditionalOnTheTimeSpent(t *testing.T) {
	p := Parcel{Carrier: carrier.InPost, Service: "inpost_locker_standard"} // 1, 1, 3: the tail up to 7
	cal := p.Calendar()
	since := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC) // a Monday
	for _, c := range []struct {
		spent int
		want  []float64 // business days from now
	}{
		{0, []float64{1, 1, 3}},
		{2, []float64{0.15, 0.75, 3.8}}, // 70 % by 2 days: the p90 of the rest in the tail
		{4, []float64{0.3, 1.5, 2.7}},   // 92.5 % by 4: all of the rest in the tail
		{8, []float64{0.25, 1, 3}},      // past the tail: overdue
	} {
		now := cal.AddBusinessTime(since, time.Duration(c.spent)*24*time.Hour)
		e := Standard(Situation{Parcel: p, Tag: tag.InTransit, Since: since, Now: now})
		got := []float64{cal.BusinessDays(now, e.Earliest), cal.BusinessDays(now, e.Likely), cal.BusinessDays(now, e.Latest)}
		for i := range got {
			if math.Abs(got[i]-c.want[i]) > 0.011 {
				t.Errorf("%d days spent: %.3f business days to go, want %v", c.spent, got, c.want)
				break
			}
		}
	}
}

func TestServiceNamesCannotForgeKeys(t *testing.T) {
	a := Parcel{Carrier: carrier.UPS, Service: "x:PL>DE"}.Groups()
	b := Parcel{Carrier: carrier.UPS, Service: "x"}.Groups()
	for _, g := range a {
		for _, h := range b {
			if g.Key == h.Key && g.Basis != BasisCarrier {
				t.Fatalf("service name forged key %q", g.Key)
			}
		}
	}
}

func TestObserveCountsFirstDeliveryOnce(t *testing.T) {
	at := func(h int) time.Time {
		return time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC).Add(time.Duration(h) * time.Hour)
	}
	events := []tracking.Event{
		{Tag: tag.Delivered, At: at(80)}, // redelivered after a return
		{Tag: tag.InfoReceived, At: at(0)},
		{Tag: tag.InTransit, At: at(10)},
		{Tag: tag.Exception, At: at(30)},
		{Tag: tag.InTransit, At: at(40)},
		{Tag: tag.Delivered, At: at(50)},
	}
	p := Parcel{Carrier: carrier.UPS}
	d, ok := Observe("1Z", p, events)
	if !ok || !d.DeliveredAt.Equal(at(50)) {
		t.Fatalf("delivery %+v", d)
	}
	if d.Buckets[tag.InTransit] != Bucket(40*time.Hour) || d.Buckets[tag.Exception] != Bucket(20*time.Hour) {
		t.Fatalf("buckets %v", d.Buckets)
	}
	if _, ok := Observe("1Z", p, events[1:5]); ok {
		t.Fatal("undelivered parcel observed")
	}
}

func TestObserveCountsGapsAndStaysByTag(t *testing.T) {
	at := func(h int) time.Time { // from noon on Monday 7 December 2026, in a working week
		return time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC).Add(time.Duration(h) * time.Hour)
	}
	events := []tracking.Event{
		{Tag: tag.Delivered, At: at(80)}, // a redelivery: after the first, not counted
		{Tag: tag.InTransit, At: at(40)},
		{Tag: tag.InfoReceived, At: at(0)},
		{Tag: tag.InTransit, At: at(10)},
		{Tag: tag.Exception, At: at(30)},
		{Tag: tag.InTransit, At: at(30)}, // same instant, after the Exception: the gap is InTransit's
		{Tag: tag.Expired, At: at(45)},   // no carrier's silence
		{Tag: tag.InTransit, At: at(47)},
		{Tag: tag.Delivered, At: at(50)},
	}
	d, ok := Observe("1Z", Parcel{Carrier: carrier.UPS}, events)
	if !ok {
		t.Fatal("not delivered")
	}
	want := map[tag.Tag]map[int]int64{
		tag.InfoReceived: {Bucket(10 * time.Hour): 1},
		tag.InTransit:    {Bucket(20 * time.Hour): 1, Bucket(10 * time.Hour): 1, Bucket(5 * time.Hour): 1, Bucket(3 * time.Hour): 1},
	}
	if !reflect.DeepEqual(d.Gaps, want) {
		t.Fatalf("gaps %v, want %v", d.Gaps, want)
	}
	wantDwell := map[tag.Tag]int{tag.InfoReceived: Bucket(10 * time.Hour), tag.InTransit: Bucket(38 * time.Hour)}
	if !reflect.DeepEqual(d.Dwell, wantDwell) {
		t.Fatalf("dwell %v, want %v", d.Dwell, wantDwell)
	}
	// A weekend in a gap is no business time: Friday 17:00 to Monday 9:00
	// in New York's standard time (UTC-5) is 7 hours plus 9.
	fri := time.Date(2026, 12, 11, 22, 0, 0, 0, time.UTC)
	d, _ = Observe("1Z", Parcel{Carrier: carrier.UPS, Origin: "US", Destination: "US"}, []tracking.Event{
		{Tag: tag.InTransit, At: fri}, {Tag: tag.Delivered, At: fri.Add(64 * time.Hour)}})
	if d.Gaps[tag.InTransit][Bucket(16*time.Hour)] != 1 {
		t.Fatalf("weekend gap %v", d.Gaps)
	}
}

func TestNilHistogramCountedNothing(t *testing.T) {
	var a Aggregate
	if n := a.Gaps[tag.InTransit].Total(); n != 0 {
		t.Fatalf("a tag never recorded counts %d", n)
	}
}

// Events come in any order: with distinct times, a history shuffled
// gives the same delivery, its gaps and stays included; every tag with
// gaps has a stay and no more gaps than events.
func TestObserveGapsAnyOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(24, 2))
	tags := append(slices.Clone(Tags), tag.Delivered, tag.Expired)
	p := Parcel{Carrier: carrier.UPS, Origin: "US", Destination: "CA"}
	for i := range 500 {
		var events []tracking.Event
		at := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
		for range 2 + r.IntN(30) {
			at = at.Add(time.Minute + time.Duration(r.Int64N(int64(60*time.Hour))))
			events = append(events, tracking.Event{Tag: tags[r.IntN(len(tags))], At: at})
		}
		want, ok := Observe("1Z", p, events)
		r.Shuffle(len(events), func(a, b int) { events[a], events[b] = events[b], events[a] })
		got, ok2 := Observe("1Z", p, events)
		if ok != ok2 || !reflect.DeepEqual(got, want) {
			t.Fatalf("case %d: shuffled %+v, was %+v", i, got, want)
		}
		var n int64
		for tg, bs := range got.Gaps {
			if _, ok := got.Dwell[tg]; !ok {
				t.Fatalf("case %d: gaps in %s without a stay", i, tg)
			}
			for _, c := range bs {
				n += c
			}
		}
		if len(got.Gaps) != len(got.Dwell) || n > int64(len(events)-1) {
			t.Fatalf("case %d: %d gaps of %d events, stays %v", i, n, len(events), got.Dwell)
		}
	}
}
