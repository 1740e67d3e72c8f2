package edd

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/parcelgate/parcelgate/internal/tag"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

// Fallback stall thresholds, in business days of the destination's
// calendar, of a parcel with no new event, for a parcel none of whose
// groups has seen enough deliveries: what shops use ("no scan for 3
// business days domestic, 5 international"), and 4 while a label waits
// for its pick-up.
const (
	StallDaysDomestic      = 3
	StallDaysInternational = 5
	StallDaysBeforePickup  = 4
)

// StallQuantile is the share of a group's gaps in a tag that a silence
// must outlast, and StallGrace the working day it must outlast them by:
// carriers scan on working days, so a parcel a few hours past the p95 of
// its gaps has most likely missed nothing but a busy evening, while one a
// whole day past it has missed a scan nearly none of its group missed.
// The p95 alone flags a normal gap in twenty (precision 0.08 in the
// evaluation of docs/edd.md); the grace brings it to the targets.
const (
	StallQuantile = 0.95
	StallGrace    = 24 * time.Hour
)

// LearnedStall is the StallQuantile of the gaps in tag t of the first of
// the parcel's groups, most specific first, with MinDeliveries delivered
// parcels that stayed in t and had their gaps counted (the estimate's
// rule); false when no group has. aggregates are the project's, as
// Store.Aggregates returns them for the parcel's groups.
func LearnedStall(p Parcel, t tag.Tag, aggregates map[string]Aggregate) (time.Duration, bool) {
	for _, g := range p.Groups() {
		a := aggregates[g.Key]
		if a.Gaps[t] == nil || a.Dwell[t].Total() < MinDeliveries {
			continue
		}
		if q, ok := a.Gaps[t].ConditionalQuantiles(0, StallQuantile); ok {
			return q[0], true
		}
	}
	return 0, false
}

// StallAfter is how long, in business time, a parcel in tag t may go
// without an event before it counts as stalled: its LearnedStall and
// StallGrace more, else the fallback business days (nil aggregates: the
// fallback).
func StallAfter(p Parcel, t tag.Tag, aggregates map[string]Aggregate) time.Duration {
	if q, ok := LearnedStall(p, t, aggregates); ok {
		// Whole seconds, as a watch keeps it.
		return (q + StallGrace).Truncate(time.Second)
	}
	days := StallDaysDomestic
	switch {
	case t == tag.InfoReceived || t == tag.Pending:
		days = StallDaysBeforePickup
	case p.International():
		days = StallDaysInternational
	}
	return time.Duration(days) * 24 * time.Hour
}

// StallThresholds are the parcel's learned stall thresholds by tag
// (StallAfter of the tags with a LearnedStall): kept on its watch when it
// is made, so that its later events apply them without reading the
// aggregates; a tag missing has the fallback.
func StallThresholds(p Parcel, aggregates map[string]Aggregate) map[tag.Tag]time.Duration {
	var out map[tag.Tag]time.Duration
	for _, t := range Tags {
		if _, ok := LearnedStall(p, t, aggregates); ok {
			if out == nil {
				out = map[tag.Tag]time.Duration{}
			}
			out[t] = StallAfter(p, t, aggregates)
		}
	}
	return out
}

// watched reports whether a parcel in tag t can still stall or be late:
// a delivered or expired one cannot.
func watched(t tag.Tag) bool { return t != tag.Delivered && t != tag.Expired && t != "" }

// Announcer tells projects of a stalled or late parcel (the webhook
// service's tracking.stalled and tracking.late events). Announcing the
// same watch twice gives the same event.
type Announcer interface {
	Stalled(ctx context.Context, projectIDs []string, w Watch) error
	Late(ctx context.Context, projectIDs []string, w Watch) error
}

// Watcher keeps the watches of followed parcels as their events come,
// and announces those stalled or late when the sweeper asks.
type Watcher struct {
	Store WatchStore
	// Outcomes, when set, counts each delivered parcel in the projects'
	// delivery analytics.
	Outcomes    OutcomeStore
	Service     Service
	Subscribers Subscribers
	Announcer   Announcer
	Now         func() time.Time
}

// watchRetries bounds the rereads of a watch written meanwhile by
// someone else (another processor, the sweeper).
const watchRetries = 3

// Touch brings the number's watch up to date with its resource after new
// events: a newer event moves the stall (clearing an announced one); the
// first estimate's latest is kept from the first time the parcel is seen;
// a delivered or expired parcel is no longer watched. An event not newer
// than the watch's changes nothing, so a retry is harmless.
func (w Watcher) Touch(ctx context.Context, number string, projectIDs []string) error {
	r, err := w.Service.Resources.Get(ctx, number, tracking.MaxDetails)
	if errors.Is(err, tracking.ErrNotFound) || errors.Is(err, tracking.ErrUnknownNumber) {
		return nil
	}
	if err != nil {
		return err
	}
	if !watched(r.Tag) {
		if err := w.recordOutcome(ctx, r, projectIDs); err != nil {
			return err
		}
		return w.Store.DeleteWatch(ctx, r.TrackingNumber)
	}
	last := newestEventAt(r)
	if last.IsZero() {
		return nil
	}
	for range watchRetries {
		cur, found, err := w.Store.GetWatch(ctx, r.TrackingNumber)
		if err != nil {
			return err
		}
		if found && !last.After(cur.LastEventAt) {
			return nil
		}
		next := cur
		if !found {
			if next, err = w.newWatch(ctx, r, projectIDs); err != nil {
				return err
			}
		}
		next = caughtUp(next, cur, found, r, last)
		if found && next.Indexed().Equal(cur.Indexed()) {
			// Still listed where it is: the check catches the watch up
			// with the parcel's events when it comes, so most events
			// write nothing.
			return nil
		}
		err = w.Store.PutWatch(ctx, next)
		if !errors.Is(err, ErrWatchMoved) {
			return err
		}
	}
	return fmt.Errorf("watch of %s: %w %d times", r.TrackingNumber, ErrWatchMoved, watchRetries)
}

// newWatch is the watch of a parcel seen for the first time: the
// projects' aggregates, read once, give its first estimate and its stall
// thresholds, which its later events and checks apply without reading
// the aggregates again.
func (w Watcher) newWatch(ctx context.Context, r tracking.Resource, projectIDs []string) (Watch, error) {
	next := Watch{TrackingNumber: r.TrackingNumber}
	p := ParcelOf(r.Shipment)
	aggs, err := w.Service.aggregatesOf(ctx, p, projectIDs)
	if err != nil {
		return Watch{}, err
	}
	if est, ok := Estimated(SituationOf(r, w.Now()), aggs); ok {
		next.LateAt, next.FirstLikely = est.Latest.UTC(), est.Likely.UTC()
	}
	next.Thresholds = StallThresholds(p, aggs)
	return next, nil
}

// recordOutcome counts a delivered parcel in each project's analytics,
// with what its watch kept; before the watch goes, so that a retry finds
// it again (and the store counts the number once).
func (w Watcher) recordOutcome(ctx context.Context, r tracking.Resource, projectIDs []string) error {
	if w.Outcomes == nil {
		return nil
	}
	cur, _, err := w.Store.GetWatch(ctx, r.TrackingNumber)
	if err != nil {
		return err
	}
	o, ok := OutcomeOf(r, cur)
	if !ok {
		return nil
	}
	for _, p := range projectIDs {
		if _, err := w.Outcomes.RecordOutcome(ctx, p, o); err != nil {
			return err
		}
	}
	return nil
}

// checkLimit bounds the watches one check handles; the rest are found by
// the next run, a minute later.
const checkLimit = 500

// Report counts what a check announced.
type Report struct {
	Stalled, Late int
}

// Check announces the parcels stalled or late now, each stall and each
// lateness once: an announcement is written before the watch is marked,
// so a check stopped in between announces the same event (same id) again,
// and none is lost. A parcel nobody follows any more is forgotten.
func (w Watcher) Check(ctx context.Context) (Report, error) {
	now := w.Now().UTC()
	numbers, err := w.Store.DueWatches(ctx, now, checkLimit)
	if err != nil || len(numbers) == 0 {
		return Report{}, err
	}
	subs, err := w.Subscribers.Subscribers(ctx, numbers, now)
	if err != nil {
		return Report{}, err
	}
	var rep Report
	var errs []error
	for _, n := range numbers {
		stalled, late, err := w.check(ctx, n, subs[n], now)
		if err != nil {
			errs = append(errs, fmt.Errorf("watch of %s: %w", n, err))
		}
		if stalled {
			rep.Stalled++
		}
		if late {
			rep.Late++
		}
	}
	return rep, errors.Join(errs...)
}

// check announces what one watch owes at now.
func (w Watcher) check(ctx context.Context, number string, projectIDs []string, now time.Time) (stalled, late bool, err error) {
	if len(projectIDs) == 0 {
		return false, false, w.Store.DeleteWatch(ctx, number)
	}
	cur, found, err := w.Store.GetWatch(ctx, number)
	if err != nil || !found {
		return false, false, err
	}
	next, err := w.withNewEvents(ctx, cur)
	if err != nil {
		return false, false, err
	}
	if !next.StallNoticed && !next.StallAt.IsZero() && !now.Before(next.StallAt) {
		if err := w.Announcer.Stalled(ctx, projectIDs, next); err != nil {
			return false, false, err
		}
		next.StallNoticed, stalled = true, true
		next.Stalls++
	}
	if !next.LateNoticed && !next.LateAt.IsZero() && !now.Before(next.LateAt) {
		if err := w.Announcer.Late(ctx, projectIDs, next); err != nil {
			return false, false, err
		}
		next.LateNoticed, late = true, true
	}
	// Listed again at what is owed next; found early (events moved the
	// stall past the listed time), nothing is announced and only the
	// entry moves.
	next.CheckAt = time.Time{}
	if !stalled && !late && next.Indexed().Equal(cur.Indexed()) {
		return false, false, nil
	}
	if err := w.Store.PutWatch(ctx, next); err != nil && !errors.Is(err, ErrWatchMoved) {
		// Moved: a new event came meanwhile and rewrote the watch; a
		// lateness still owed is found again, and its event has the same
		// id.
		return false, false, err
	}
	return stalled, late, nil
}
