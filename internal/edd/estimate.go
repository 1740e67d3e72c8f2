package edd

import (
	"time"

	"github.com/parcelgate/parcelgate/internal/tag"
)

// Confidence says how much an estimate can be trusted: shops show high
// and medium ones, and may hide low ones.
type Confidence string

// Confidences.
const (
	High   Confidence = "high"
	Medium Confidence = "medium"
	Low    Confidence = "low"
)

// Thresholds: a group answers for a parcel once MinDeliveries of its
// delivered parcels took longer than this parcel has already spent (so
// the estimate rests on that many comparable parcels); with
// highDeliveries of them and a lane or service of its own, the estimate
// is of high confidence.
const (
	MinDeliveries  = 30
	highDeliveries = 200
)

// Estimate is when an undelivered parcel will likely be delivered.
type Estimate struct {
	// Earliest, Likely and Latest are the p10, p50 and p90 of the
	// delivery time.
	Earliest, Likely, Latest time.Time
	Confidence               Confidence
	Basis                    Basis
}

// Situation is what is known of an undelivered parcel.
type Situation struct {
	Parcel Parcel
	// Tag is the parcel's current tag; Since its first event with that
	// tag (for InTransit, its pick-up).
	Tag   tag.Tag
	Since time.Time
	// Now is when the estimate is made.
	Now time.Time
}

// Quantiles of an estimate.
const (
	qEarliest = 0.10
	qLikely   = 0.50
	qLatest   = 0.90
)

// Estimated estimates the delivery of a parcel from the aggregates of its
// groups (as Store.Aggregates returns them, keyed by group key). A
// delivered, expired or untagged parcel has no estimate. Every estimate
// is at or after Now, with Earliest ≤ Likely ≤ Latest.
func Estimated(s Situation, aggregates map[string]Aggregate) (Estimate, bool) {
	if !estimable(s.Tag) {
		return Estimate{}, false
	}
	cal := s.Parcel.Calendar()
	since := s.Since
	if since.IsZero() || since.After(s.Now) {
		since = s.Now
	}
	spent := cal.BusinessTime(since, s.Now)
	for _, g := range s.Parcel.Groups() {
		h := aggregates[g.Key].Since[s.Tag]
		if h == nil {
			continue
		}
		n := h.Above(spent)
		if n < MinDeliveries {
			continue
		}
		q, ok := h.ConditionalQuantiles(spent, qEarliest, qLikely, qLatest)
		if !ok {
			continue
		}
		conf := Medium
		if n >= highDeliveries && g.Basis != BasisCarrier {
			conf = High
		}
		return Estimate{
			Earliest:   cal.AddBusinessTime(s.Now, q[0]-spent),
			Likely:     cal.AddBusinessTime(s.Now, q[1]-spent),
			Latest:     cal.AddBusinessTime(s.Now, q[2]-spent),
			Confidence: conf, Basis: g.Basis,
		}, true
	}
	return Standard(s), true
}

func estimable(t tag.Tag) bool {
	for _, x := range Tags {
		if x == t {
			return true
		}
	}
	return false
}
