package edd

import (
	"context"
	"slices"
	"time"

	"github.com/parcelgate/parcelgate/internal/tag"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

// Tags are the tags whose time to delivery is counted: every tag a parcel
// can be in before it is delivered.
var Tags = []tag.Tag{tag.Pending, tag.InfoReceived, tag.InTransit, tag.OutForDelivery,
	tag.AttemptFail, tag.AvailableForPickup, tag.Exception}

// Aggregate is one group's statistics in a project.
type Aggregate struct {
	// Deliveries is how many parcels of the group were delivered.
	Deliveries int64
	// Since holds, per tag, the business time from each delivered
	// parcel's first event with that tag to its delivery. InTransit's is
	// the transit time from pick-up.
	Since map[tag.Tag]*Histogram
	// Gaps holds, per tag, the business time from each event of a
	// delivered parcel to its next one, counted under the tag the parcel
	// was in meanwhile: how long a parcel in that tag goes without news.
	Gaps map[tag.Tag]*Histogram
	// Dwell holds, per tag, the business time each delivered parcel spent
	// in that tag in all (the sum of its gaps there).
	Dwell map[tag.Tag]*Histogram
}

// Merge adds o to a.
func (a *Aggregate) Merge(o Aggregate) {
	a.Deliveries += o.Deliveries
	mergeTags(&a.Since, o.Since)
	mergeTags(&a.Gaps, o.Gaps)
	mergeTags(&a.Dwell, o.Dwell)
}

func mergeTags(dst *map[tag.Tag]*Histogram, src map[tag.Tag]*Histogram) {
	for t, h := range src {
		if *dst == nil {
			*dst = map[tag.Tag]*Histogram{}
		}
		if (*dst)[t] == nil {
			(*dst)[t] = new(Histogram)
		}
		(*dst)[t].Merge(h)
	}
}

// Delivery is one delivered parcel's contribution to its groups.
type Delivery struct {
	TrackingNumber string
	// Groups are the keys of the parcel's groups (Parcel.Groups).
	Groups []string
	// Buckets holds, per tag the parcel went through, the histogram bucket
	// of its business time from its first event with that tag to delivery.
	Buckets map[tag.Tag]int
	// Gaps counts, per tag, the parcel's gaps between events in that tag
	// by bucket (bucket → how many); Dwell is, per tag the parcel stayed
	// in for some time, the bucket of that time (Aggregate.Gaps, Dwell).
	Gaps  map[tag.Tag]map[int]int64
	Dwell map[tag.Tag]int
	// DeliveredAt is when the parcel was first delivered.
	DeliveredAt time.Time
}

// Observe returns the delivery of a parcel from its events (in any
// order), or false when none of them is Delivered. The first Delivered
// event is the delivery: a later redelivery or a status moving back and
// forth gives the same Delivery again.
func Observe(number string, p Parcel, events []tracking.Event) (Delivery, bool) {
	var delivered time.Time
	for _, e := range events {
		if e.Tag == tag.Delivered && !e.At.IsZero() && (delivered.IsZero() || e.At.Before(delivered)) {
			delivered = e.At
		}
	}
	if delivered.IsZero() {
		return Delivery{}, false
	}
	first := map[tag.Tag]time.Time{}
	for _, e := range events {
		if !slices.Contains(Tags, e.Tag) || e.At.IsZero() || e.At.After(delivered) {
			continue
		}
		if f, ok := first[e.Tag]; !ok || e.At.Before(f) {
			first[e.Tag] = e.At
		}
	}
	cal := p.Calendar()
	d := Delivery{TrackingNumber: number, Buckets: map[tag.Tag]int{}, DeliveredAt: delivered}
	for _, g := range p.Groups() {
		d.Groups = append(d.Groups, g.Key)
	}
	for t, at := range first {
		d.Buckets[t] = Bucket(cal.BusinessTime(at, delivered))
	}
	d.Gaps, d.Dwell = gaps(cal, events, delivered)
	return d, true
}

// Store keeps each project's aggregates.
type Store interface {
	// RecordDelivery adds d to each of its groups in the project, once
	// per project and number, atomically: a number recorded before, by
	// this call or by a concurrent one, changes nothing and gives false.
	RecordDelivery(ctx context.Context, projectID string, d Delivery) (recorded bool, err error)
	// Aggregates returns the named groups, each merged over the projects;
	// a group nobody recorded is absent.
	Aggregates(ctx context.Context, projectIDs []string, groups []string) (map[string]Aggregate, error)
	// SetCarrierDate keeps the delivery date a number's carrier sent, as
	// sent, unless the date of a newer event (at) is kept already.
	SetCarrierDate(ctx context.Context, number, date string, at time.Time) error
	// CarrierDate is the date kept for number, "" when none.
	CarrierDate(ctx context.Context, number string) (string, error)
}
