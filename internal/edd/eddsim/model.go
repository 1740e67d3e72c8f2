// Package eddsim is a seeded model of parcel histories, realistic enough
// to measure delivery estimates on: carriers and services with their own
// transit times, lanes between countries and to postal areas, weekends
// and public holidays (nobody delivers on them), long tails, customs and other exceptions, failed delivery attempts,
// parcels late by days, and parcels whose events simply stop or pause for
// days. Evaluate runs the histories through the message path and scores
// the estimates and the stall flags.
package eddsim

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/parcelgate/parcelgate/internal/calendar"
	"github.com/parcelgate/parcelgate/internal/carrier"
	"github.com/parcelgate/parcelgate/internal/tag"
)

// Event is one scan of a history.
type Event struct {
	Status string
	Tag    tag.Tag
	At     time.Time
}

// History is one parcel's life as the model draws it.
type History struct {
	Number                          string
	Carrier                         carrier.Carrier
	Type, Service                   string
	Origin, Destination, PostalCode string
	CreatedAt                       time.Time
	Events                          []Event // in time order
	// DeliveredAt is the first delivery, zero for a parcel that stopped.
	DeliveredAt time.Time
	// Silences are when the model kept the parcel from reporting: the
	// truth stall detection is scored against (stalls.go).
	Silences []Silence
	// model is what the delivery was drawn from, for the oracle.
	model parcelModel
}

// parcelModel is what the model draws a parcel's delivery from once it
// is picked up: when that was, its destination's calendar, its typical
// transit to the depot (the product's median on its lane to its postal
// area, in business days) and the spread of the lognormal around it.
type parcelModel struct {
	pickup  time.Time
	dest    calendar.Calendar
	typical float64
	sigma   float64
}

// Silence is a stretch with no event that the model caused: From when the
// carrier stopped reporting to the event that ended it (Until), zero for
// a parcel that stopped for good.
type Silence struct {
	From, Until time.Time
}

// lane is a destination of a product and its share of the parcels.
type lane struct {
	dest   string
	share  int
	factor float64 // transit relative to the product's domestic median
}

// product is a carrier's service as the model knows it: its median
// transit in business days on the domestic lane, from pick-up to
// delivery, and the spread (lognormal sigma) of parcels on one lane to
// one postal area.
type product struct {
	carrier carrier.Carrier
	typ     string // a shipment type of the flow table
	service string
	origin  string
	share   int
	median  float64
	sigma   float64
	lanes   []lane
}

var products = []product{
	{carrier.InPost, "inpost_locker_standard", "inpost_locker_standard", "PL", 20, 1.1, 0.12, []lane{{"PL", 1, 1}}},
	{carrier.InPost, "inpost_courier_standard", "inpost_courier_standard", "PL", 6, 1.4, 0.12, []lane{{"PL", 1, 1}}},
	{carrier.DHLExpress, "parcel_express", "EXPRESS DOMESTIC", "DE", 6, 1.0, 0.10, []lane{{"DE", 1, 1}}},
	{carrier.DHLExpress, "parcel_international", "EXPRESS WORLDWIDE", "DE", 8, 1.0, 0.12, []lane{{"GB", 3, 1.8}, {"PL", 3, 1.6}, {"FR", 2, 1.5}, {"US", 2, 2.4}}},
	{carrier.UPS, "parcel_ground", "UPS Ground", "US", 12, 3.2, 0.12, []lane{{"US", 1, 1}}},
	{carrier.UPS, "parcel_express", "UPS Next Day Air", "US", 4, 1.0, 0.08, []lane{{"US", 1, 1}}},
	{carrier.FedEx, "parcel_ground", "FEDEX_GROUND", "US", 10, 3.6, 0.14, []lane{{"US", 1, 1}}},
	{carrier.FedEx, "parcel_international", "INTERNATIONAL_ECONOMY", "US", 4, 3.6, 0.15, []lane{{"CA", 2, 1.4}, {"GB", 1, 1.7}}},
	{"royal_mail", "parcel_ground", "Tracked 48", "GB", 10, 2.0, 0.12, []lane{{"GB", 1, 1}}},
	{"royal_mail", "parcel_express", "Tracked 24", "GB", 4, 1.1, 0.12, []lane{{"GB", 1, 1}}},
	{"dpd", "parcel_ground", "DPD CLASSIC", "DE", 10, 1.4, 0.12, []lane{{"DE", 5, 1}, {"PL", 2, 2.0}, {"NL", 2, 1.5}, {"FR", 1, 2.3}}},
	{"canada_post", "parcel_ground", "Regular Parcel", "CA", 6, 4.2, 0.15, []lane{{"CA", 1, 1}}},
}

// postalAreas are the destination postal areas of each country: the
// first ones are cities, near the hubs; the last one is remote, a day or
// two further.
var postalAreas = map[string][]string{
	"PL": {"00-", "30-", "50-", "60-", "80-", "90-", "38-"},
	"DE": {"10", "20", "50", "60", "80", "70", "18"},
	"GB": {"SW1A ", "M1 ", "B1 ", "LS1 ", "EH1 ", "G1 ", "IV1 "},
	"US": {"10001", "60601", "94105", "30301", "77001", "98101", "99501"},
	"CA": {"M5V", "H2Y", "V6B", "T2P", "K1A", "R3C", "X0A"},
	"FR": {"75001", "69001", "13001", "31000", "33000", "59000", "20000"},
	"NL": {"1011", "3011", "2511", "3511", "5611", "9711", "8861"},
}

// remoteFactor is how much longer a remote area's parcels take.
const remoteFactor = 1.6

// areaFactor is how far an area is from the product's network, as
// transit relative to the lane's median: fixed per product and area, from
// 0.7 (next to the hub) to 1.5, and the remote area's remoteFactor more.
// It is what a lane to a postal area learns and a carrier's figure
// cannot know.
func areaFactor(p product, dest string, area int) float64 {
	h := fnv.New32a()
	fmt.Fprintf(h, "%s|%s|%s|%d", p.carrier, p.service, dest, area)
	f := 0.7 + 0.8*float64(h.Sum32()%1000)/1000
	if area == len(postalAreas[dest])-1 {
		f *= remoteFactor
	}
	return f
}

// Shares of trouble, per parcel.
const (
	lateShare      = 0.07 // transit from the long tail: 2–4 times the usual
	exceptionShare = 0.04 // an exception in transit (customs, damage, address), 1–4 days lost
	attemptShare   = 0.06 // a failed delivery attempt, delivered a business day later
	stopShare      = 0.02 // events stop after pick-up: lost, or the carrier stops reporting
)

// silentHold reports whether an exception is a silent hold: the carrier
// neither reports it nor scans the parcel until it is released, as a
// container waiting days at customs. Half of the exceptions that cost
// two business days or more (a shorter one is a parcel merely slower
// than usual), decided by the number so that no draw of the histories
// moves.
func silentHold(number string, lost time.Duration) bool {
	h := fnv.New32a()
	h.Write([]byte(number))
	return lost >= 2*24*time.Hour && h.Sum32()%2 == 0
}

// Generate draws n histories shipped over span from start: fewer on
// weekends, as shops ship on working days.
func Generate(seed uint64, n int, start time.Time, span time.Duration) []History {
	g := &gen{r: rand.New(rand.NewPCG(seed, 0xedd)), seen: map[string]bool{}}
	total := 0
	for _, p := range products {
		total += p.share
	}
	out := make([]History, 0, n)
	for len(out) < n {
		created := start.Add(time.Duration(g.r.Int64N(int64(span))))
		if wd := created.Weekday(); (wd == time.Saturday || wd == time.Sunday) && g.r.Float64() < 0.8 {
			continue
		}
		k := g.r.IntN(total)
		for _, p := range products {
			if k -= p.share; k < 0 {
				out = append(out, g.history(p, created))
				break
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	return out
}

type gen struct {
	r    *rand.Rand
	seen map[string]bool
}

func (g *gen) between(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(g.r.Int64N(int64(hi-lo)+1))
}

// at is the instant of a local clock time (hours) on t's day in cal's
// country.
func at(cal calendar.Calendar, t time.Time, hours float64) time.Time {
	y, m, d := t.In(cal.Location()).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, cal.Location()).Add(time.Duration(hours * float64(time.Hour))).UTC()
}

// nextBusinessDay is the first business day after t's day, at hours.
func nextBusinessDay(cal calendar.Calendar, t time.Time, hours float64) time.Time {
	return at(cal, cal.AddBusinessDays(t, 1), hours)
}

func (g *gen) history(p product, created time.Time) History {
	l := p.lanes[0]
	if len(p.lanes) > 1 {
		total := 0
		for _, x := range p.lanes {
			total += x.share
		}
		k := g.r.IntN(total)
		for _, x := range p.lanes {
			if k -= x.share; k < 0 {
				l = x
				break
			}
		}
	}
	areas := postalAreas[l.dest]
	ai := g.r.IntN(len(areas))
	h := History{Number: g.number(p.carrier, p.typ), Carrier: p.carrier, Type: p.typ, Service: p.service,
		Origin: p.origin, Destination: l.dest, PostalCode: areas[ai] + "1AB", CreatedAt: created}
	origin, dest := calendar.For(p.origin), calendar.For(l.dest)
	h.Events = append(h.Events, Event{"label_created", tag.InfoReceived, created})

	// Pick-up: the evening of the next working day mostly, sometimes later.
	lag := 1
	if g.r.Float64() < 0.15 {
		lag += 1 + g.r.IntN(2)
	}
	pickup := at(origin, origin.AddBusinessDays(created, lag), 17+2*g.r.Float64())
	h.Events = append(h.Events, Event{"picked_up", tag.InTransit, pickup})

	h.model = parcelModel{pickup: pickup, dest: dest, typical: p.median * l.factor * areaFactor(p, l.dest, ai), sigma: p.sigma}
	arrival := dest.AddBusinessTime(pickup, g.transit(h.model))

	var hold Silence
	if where, lost, ok := g.exception(); ok {
		ex := pickup.Add(time.Duration(where * float64(arrival.Sub(pickup))))
		arrival = dest.AddBusinessTime(arrival, lost)
		released := dest.AddBusinessTime(ex, lost)
		if silentHold(h.Number, lost) {
			hold = Silence{ex, released}
			h.Events = append(h.Events, Event{"in_transit", tag.InTransit, released})
		} else {
			h.Events = append(h.Events, Event{"held_at_customs", tag.Exception, ex}, Event{"released", tag.InTransit, released})
		}
	}
	// Scans in transit, about every 14–30 hours, but for a silent hold.
	for t := pickup.Add(g.between(6*time.Hour, 20*time.Hour)); t.Before(arrival.Add(-8 * time.Hour)); t = t.Add(g.between(14*time.Hour, 30*time.Hour)) {
		if t.After(hold.From) && t.Before(hold.Until) {
			continue
		}
		h.Events = append(h.Events, Event{"in_transit", tag.InTransit, t})
	}
	if g.r.Float64() < stopShare {
		cut := pickup.Add(time.Duration(g.r.Float64() * float64(arrival.Sub(pickup))))
		h.Events = keepUntil(h.Events, cut)
		h.Silences = silences(h.Events, hold, Silence{From: cut})
		return h
	}
	firstOut, failed, out, delivered := g.lastMile(dest, arrival)
	if !failed.IsZero() {
		h.Events = append(h.Events, Event{"out_for_delivery", tag.OutForDelivery, firstOut},
			Event{"delivery_attempt_failed", tag.AttemptFail, failed})
	}
	h.DeliveredAt = delivered
	// Whatever happened in transit happened before the last mile began.
	for i := range h.Events {
		if t := h.Events[i].Tag; (t == tag.InTransit || t == tag.Exception) && h.Events[i].At.After(firstOut) {
			h.Events[i].At = firstOut.Add(-g.between(10*time.Minute, time.Hour))
		}
	}
	h.Events = append(h.Events, Event{"out_for_delivery", tag.OutForDelivery, out},
		Event{"delivered", tag.Delivered, h.DeliveredAt})
	sort.SliceStable(h.Events, func(i, j int) bool { return h.Events[i].At.Before(h.Events[j].At) })
	h.Silences = silences(h.Events, hold, Silence{})
	return h
}

// transit draws the business time from pick-up to the depot: a
// lognormal around the typical transit, from the long tail for the late
// share.
func (g *gen) transit(m parcelModel) time.Duration {
	days := m.typical * math.Exp(m.sigma*g.r.NormFloat64())
	if g.r.Float64() < lateShare {
		days *= 2 + 2*g.r.Float64()
	}
	return time.Duration(days * float64(24*time.Hour))
}

// exception draws whether a parcel meets an exception in transit: where,
// as a share of its way, and the business time it loses.
func (g *gen) exception() (where float64, lost time.Duration, ok bool) {
	if g.r.Float64() >= exceptionShare {
		return 0, 0, false
	}
	where = g.r.Float64()
	return where, time.Duration((1 + 3*g.r.Float64()) * float64(24*time.Hour)), true
}

// lastMile draws the delivery of a parcel that reaches the depot at
// arrival: out for delivery in the morning of a working day (firstOut the
// first time, out the last), delivered during the day, after a failed
// attempt (failed, zero for none) a working day later for the attempt
// share.
func (g *gen) lastMile(dest calendar.Calendar, arrival time.Time) (firstOut, failed, out, delivered time.Time) {
	day := arrival
	if !dest.IsBusinessDay(day) || day.After(at(dest, day, 16)) {
		day = nextBusinessDay(dest, day, 0)
	}
	firstOut = at(dest, day, 7+g.r.Float64())
	if g.r.Float64() < attemptShare {
		failed = at(dest, day, 10+6*g.r.Float64())
		day = nextBusinessDay(dest, day, 0)
	}
	out = at(dest, day, 7+g.r.Float64())
	if firstOut.After(out) {
		firstOut = out
	}
	// A parcel arriving at the depot in the day is delivered after it.
	return firstOut, failed, out, later(at(dest, day, 10+7*g.r.Float64()), arrival.Add(g.between(0, time.Hour)))
}

// silences is the truth of a history's events (in time order): a silent
// hold ends with the first event after it began (the last mile may have
// moved its release earlier), and one no event ended is part of the stop.
func silences(events []Event, hold, stop Silence) []Silence {
	var out []Silence
	if !hold.From.IsZero() {
		for _, e := range events {
			if e.At.After(hold.From) {
				out = append(out, Silence{hold.From, e.At})
				break
			}
		}
	}
	if !stop.From.IsZero() {
		out = append(out, stop)
	}
	return out
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// keepUntil keeps the events up to cut, which is never before the
// pick-up: a parcel that stops has moved.
func keepUntil(events []Event, cut time.Time) []Event {
	sort.SliceStable(events, func(i, j int) bool { return events[i].At.Before(events[j].At) })
	out := events[:0]
	for _, e := range events {
		if !e.At.After(cut) {
			out = append(out, e)
		}
	}
	return out
}

// number draws candidates of c's shape until carrier.Detect gives one to
// c: the check digits stay the carrier package's business.
func (g *gen) number(c carrier.Carrier, typ string) string {
	const digits = "0123456789"
	chars := func(n int, set string) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = set[g.r.IntN(len(set))]
		}
		return string(b)
	}
	for {
		var n string
		switch c {
		case carrier.InPost:
			n = "6" + chars(23, digits)
		case carrier.DHLExpress:
			n = chars(10, digits)
		case carrier.FedEx:
			n = chars(12, digits)
		case carrier.UPS:
			svc := "03"
			if typ == "parcel_express" {
				svc = "01"
			}
			n = "1Z" + chars(6, digits+"ABCDEFGHJKLMNPRSTUVWXYZ") + svc + chars(8, digits)
		case "dpd":
			n = chars(14, digits) + chars(1, digits+"ABCDEFGHIJKLMNOPQRSTUVWXYZ")
		case "canada_post":
			n = chars(16, digits)
		case "royal_mail":
			n = "JB" + chars(9, digits) + "GB"
		}
		if got, ok := carrier.Detect(n); ok && got == c && !g.seen[n] {
			g.seen[n] = true
			return n
		}
	}
}
