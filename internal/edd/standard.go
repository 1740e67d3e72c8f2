package edd

import (
	"strings"
	"time"

	"github.com/parcelgate/parcelgate/internal/carrier"
	"github.com/parcelgate/parcelgate/internal/tag"
)

// The standard table: what carriers announce for their services, in
// business days from pick-up to delivery (earliest, likely, latest), the
// fallback while a project has too few deliveries of its own. It is
// documented in docs/edd.md; change both together.
type days struct{ earliest, likely, latest float64 }

// serviceClass sorts a service name into what the table distinguishes.
type serviceClass int

const (
	standardClass serviceClass = iota
	expressClass
	economyClass
)

func classOf(service string) serviceClass {
	s := strings.ToLower(service)
	for _, w := range []string{"express", "next", "overnight", "priority", "saver", "24"} {
		if strings.Contains(s, w) {
			return expressClass
		}
	}
	for _, w := range []string{"economy", "ground", "2nd", "second", "smartpost", "postal"} {
		if strings.Contains(s, w) {
			return economyClass
		}
	}
	return standardClass
}

// domesticDays and internationalDays are per service class; carriers
// with their own figures are in carrierDays.
var (
	domesticDays      = [...]days{standardClass: {1, 2, 4}, expressClass: {1, 1, 2}, economyClass: {2, 4, 7}}
	internationalDays = [...]days{standardClass: {3, 5, 9}, expressClass: {1, 2, 4}, economyClass: {5, 9, 15}}
	carrierDays       = map[carrier.Carrier]days{
		// InPost's lockers: next day.
		carrier.InPost: {1, 1, 2},
		// DHL Express and FedEx: time-definite express.
		carrier.DHLExpress: {1, 2, 3},
		carrier.FedEx:      {1, 2, 4},
		"royal_mail":       {1, 2, 3},
		"canada_post":      {2, 4, 7},
		"usps":             {2, 3, 5},
	}
)

// afterTag is the standard remaining time once a parcel is in a tag past
// transit, in business days.
var afterTag = map[tag.Tag]days{
	tag.OutForDelivery:     {0, 0.25, 1},
	tag.AttemptFail:        {0.5, 1, 3},
	tag.AvailableForPickup: {0, 1, 4},
}

// pickupDays is the wait for pick-up added before transit.
var pickupDays = days{0, 1, 3}

// exceptionDays is the delay an exception adds.
var exceptionDays = days{1, 2, 6}

// overdueDays is what remains once a parcel has spent more than the
// table's whole distribution: the table can no longer tell.
var overdueDays = days{0.25, 1, 3}

// tailBands is how far past latest the table's last tenth of parcels
// reaches, in bands (latest less earliest). Late parcels are late by
// days, not hours: with two bands, a parcel still waiting at any point of
// its journey in the evaluation arrives by the table's latest 92 % of the
// time, against 86 % when every estimate past the announced days was the
// overdue one.
const tailBands = 2

// given returns the table's p10, p50 and p90 of the whole time given that
// spent has gone by (in days, as the learned estimate conditions on the
// time spent): the days stand for a distribution with a tenth by
// earliest, half by likely, nine tenths by latest, evenly in between,
// and its last tenth evenly over tailBands bands past latest. At no time
// spent they are the days themselves; a longer spent never gives a
// shorter one; false once spent is past all of it.
func (d days) given(spent float64) (days, bool) {
	xs := [...]float64{0, d.earliest, d.likely, d.latest, d.latest + tailBands*(d.latest-d.earliest)}
	ps := [...]float64{0, qEarliest, qLikely, qLatest, 1}
	below := 1.0 // the share of the distribution by spent
	for i := 1; i < len(xs); i++ {
		if spent < xs[i] { // so xs[i-1] ≤ spent < xs[i]
			below = ps[i-1] + (ps[i]-ps[i-1])*(spent-xs[i-1])/(xs[i]-xs[i-1])
			break
		}
	}
	if below >= 1 {
		return days{}, false
	}
	at := func(q float64) float64 {
		p := below + q*(1-below)
		for i := 1; i < len(xs); i++ {
			if p <= ps[i] {
				return xs[i-1] + (xs[i]-xs[i-1])*(p-ps[i-1])/(ps[i]-ps[i-1])
			}
		}
		return xs[len(xs)-1]
	}
	return days{at(qEarliest), at(qLikely), at(qLatest)}, true
}

// lateSlack is what the table adds to a transit's latest to make it a
// p90 rather than the carrier's promise: carriers announce the days a
// parcel takes when nothing goes wrong, and one that misses a sort or a
// round, the commonest delay whatever the service, is delivered a
// working day later. On the evaluation's parcels the announced latest
// alone is met by about 80 %.
const lateSlack = 1

// standardDays is the table's transit for a parcel: the announced days,
// with lateSlack on the latest.
func standardDays(p Parcel) days {
	d := announcedDays(p)
	d.latest += lateSlack
	return d
}

func announcedDays(p Parcel) days {
	international := p.International()
	if d, ok := carrierDays[p.Carrier]; ok && !international && classOf(p.Service) == standardClass {
		return d
	}
	if international {
		return internationalDays[classOf(p.Service)]
	}
	return domesticDays[classOf(p.Service)]
}

// Standard is the estimate of the standard table alone, always of low
// confidence.
func Standard(s Situation) Estimate {
	cal := s.Parcel.Calendar()
	since := s.Since
	if since.IsZero() || since.After(s.Now) {
		since = s.Now
	}
	spent := cal.BusinessDays(since, s.Now)
	var d days
	switch s.Tag {
	case tag.OutForDelivery, tag.AttemptFail, tag.AvailableForPickup:
		d = afterTag[s.Tag]
	case tag.Exception:
		t := standardDays(s.Parcel)
		d = days{t.earliest/2 + exceptionDays.earliest, t.likely/2 + exceptionDays.likely, t.latest/2 + exceptionDays.latest}
	case tag.InTransit:
		d = standardDays(s.Parcel)
	default:
		t := standardDays(s.Parcel)
		d = days{t.earliest + pickupDays.earliest, t.likely + pickupDays.likely, t.latest + pickupDays.latest}
	}
	remaining := overdueDays
	if q, ok := d.given(spent); ok {
		remaining = days{q.earliest - spent, q.likely - spent, q.latest - spent}
	}
	toTime := func(x float64) time.Time {
		return cal.AddBusinessTime(s.Now, time.Duration(max(x, 0)*float64(24*time.Hour)))
	}
	return Estimate{Earliest: toTime(remaining.earliest), Likely: toTime(remaining.likely), Latest: toTime(remaining.latest),
		Confidence: Low, Basis: BasisStandard}
}
