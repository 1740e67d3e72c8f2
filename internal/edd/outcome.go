package edd

import (
	"context"
	"fmt"
	"time"

	"github.com/parcelgate/parcelgate/internal/tag"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

// Figures are what delivery analytics count of a set of delivered
// parcels. Two merge by adding, so weeks, shards and groups add up.
type Figures struct {
	Delivered int64
	// Transit holds the business time from pick-up (the first InTransit,
	// else the first event) to delivery.
	Transit Histogram
	// Estimated counts the parcels that had an estimate when first seen;
	// OnTimeLikely those of them delivered on or before the day of that
	// estimate's likely date (UTC), OnTimeLatest by its latest.
	Estimated, OnTimeLikely, OnTimeLatest int64
	// FirstAttempt counts parcels delivered without a failed attempt
	// first; Exceptions those that went through Exception; Stalled those
	// announced stalled at least once.
	FirstAttempt, Exceptions, Stalled int64
}

// Merge adds o to f.
func (f *Figures) Merge(o Figures) {
	f.Delivered += o.Delivered
	f.Transit.Merge(&o.Transit)
	f.Estimated += o.Estimated
	f.OnTimeLikely += o.OnTimeLikely
	f.OnTimeLatest += o.OnTimeLatest
	f.FirstAttempt += o.FirstAttempt
	f.Exceptions += o.Exceptions
	f.Stalled += o.Stalled
}

// Outcome is one delivered parcel's figures, counted in its groups of
// the week of its delivery.
type Outcome struct {
	TrackingNumber string
	// Week is the ISO week of the delivery (Week).
	Week string
	// Groups are the keys of the parcel's carrier, carrier and service,
	// and lane groups (Parcel.Groups, without the postal prefix).
	Groups  []string
	Figures Figures
}

// Week names the ISO week of t (UTC), as 2026-W07.
func Week(t time.Time) string {
	y, w := t.UTC().ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}

// OutcomeOf is the outcome of the resource's parcel, delivered, with what
// its watch kept of it (its first estimate, its stalls); false when it
// was not delivered.
func OutcomeOf(r tracking.Resource, w Watch) (Outcome, bool) {
	var delivered, pickup, first time.Time
	earliest := func(cur *time.Time, at time.Time) {
		if cur.IsZero() || at.Before(*cur) {
			*cur = at
		}
	}
	for _, e := range r.Details {
		if e.At.IsZero() {
			continue
		}
		earliest(&first, e.At)
		switch e.Tag {
		case tag.Delivered:
			earliest(&delivered, e.At)
		case tag.InTransit:
			earliest(&pickup, e.At)
		}
	}
	if delivered.IsZero() {
		return Outcome{}, false
	}
	if pickup.IsZero() || pickup.After(delivered) {
		pickup = first
	}
	p := ParcelOf(r.Shipment)
	f := Figures{Delivered: 1, FirstAttempt: 1}
	f.Transit[Bucket(p.Calendar().BusinessTime(pickup, delivered))]++
	for _, e := range r.Details {
		if e.At.After(delivered) {
			continue
		}
		switch e.Tag {
		case tag.AttemptFail:
			f.FirstAttempt = 0
		case tag.Exception:
			f.Exceptions = 1
		}
	}
	if !w.FirstLikely.IsZero() {
		f.Estimated = 1
		if !dayOf(delivered).After(dayOf(w.FirstLikely)) {
			f.OnTimeLikely = 1
		}
		if !delivered.After(w.LateAt) {
			f.OnTimeLatest = 1
		}
	}
	if w.Stalls > 0 {
		f.Stalled = 1
	}
	o := Outcome{TrackingNumber: r.TrackingNumber, Week: Week(delivered), Figures: f}
	gs := p.Groups() // ending with the lane, carrier and service, carrier
	for _, g := range gs[len(gs)-3:] {
		o.Groups = append(o.Groups, g.Key)
	}
	return o, true
}

func dayOf(t time.Time) time.Time { return t.UTC().Truncate(24 * time.Hour) }

// OutcomeStore keeps each project's delivery outcomes per week and group.
type OutcomeStore interface {
	// RecordOutcome adds o to each of its groups in its week, once per
	// project and number, atomically: a number recorded before changes
	// nothing and gives false.
	RecordOutcome(ctx context.Context, projectID string, o Outcome) (recorded bool, err error)
	// Outcomes returns, per week asked for and per group key, the
	// project's figures; a week or group nothing was recorded in is
	// absent.
	Outcomes(ctx context.Context, projectID string, weeks []string) (map[string]map[string]Figures, error)
}
