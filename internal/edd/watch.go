package edd

import (
	"context"
	"errors"
	"time"

	"github.com/parcelgate/parcelgate/internal/tag"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

// Watch is what the stall and late checks keep of an undelivered parcel
// that some project follows: when its newest event happened, when it
// counts as stalled, and the latest of its first estimate.
type Watch struct {
	TrackingNumber string
	Carrier        string
	// Tag is the parcel's tag as of its newest event.
	Tag tag.Tag
	// LastEventAt is the time of the parcel's newest event.
	LastEventAt time.Time
	// StallAt is when the parcel counts as stalled if no newer event
	// comes; StallNoticed that its tracking.stalled event was announced.
	StallAt      time.Time
	StallNoticed bool
	// Stalls counts the stalls announced.
	Stalls int64
	// LateAt is the latest of the parcel's first estimate (zero when it
	// had none); LateNoticed that its tracking.late event was announced.
	LateAt      time.Time
	LateNoticed bool
	// FirstLikely is the likely date of the first estimate (zero when it
	// had none), for the on-time rate of delivery analytics.
	FirstLikely time.Time
	// Thresholds are the stall thresholds learned for the parcel's tags
	// when the watch was made (StallThresholds); a tag missing has the
	// fallback.
	Thresholds map[tag.Tag]time.Duration
	// CheckAt is when the store's index lists the watch for a check, if
	// before Due (see Indexed): an event that moves Due later leaves the
	// entry where it is rather than rewrite it, and a check that comes
	// early moves it then. Zero for Due.
	CheckAt time.Time
	// Version is the store's count of writes of the watch; 0 for one not
	// stored yet. A write of a watch read at one version succeeds only if
	// nobody wrote it since.
	Version int64
}

// Due is when the watch next needs a check: the earlier of a stall and a
// lateness not yet announced; zero when none is owed.
func (w Watch) Due() time.Time {
	var due time.Time
	if !w.StallNoticed && !w.StallAt.IsZero() {
		due = w.StallAt
	}
	if !w.LateNoticed && !w.LateAt.IsZero() && (due.IsZero() || w.LateAt.Before(due)) {
		due = w.LateAt
	}
	return due
}

// Indexed is when the store's index lists the watch: CheckAt when it is
// set and before Due (never later, so nothing owed is found late), else
// Due; zero when nothing is owed.
func (w Watch) Indexed() time.Time {
	due := w.Due()
	if due.IsZero() || w.CheckAt.IsZero() || !w.CheckAt.Before(due) {
		return due
	}
	return w.CheckAt
}

// AsStored is w as a WatchStore reads it back: CheckAt only while it is
// before Due.
func (w Watch) AsStored() Watch {
	if listed := w.Indexed(); listed.Before(w.Due()) {
		w.CheckAt = listed
	} else {
		w.CheckAt = time.Time{}
	}
	return w
}

// ErrWatchMoved is what a WatchStore returns when a watch was written
// since it was read (or, for a new one, was written meanwhile).
var ErrWatchMoved = errors.New("watch written since it was read")

// WatchStore keeps the watches and finds those due through an index of
// their Due time (never a scan).
type WatchStore interface {
	// GetWatch returns the number's watch; false when it has none.
	GetWatch(ctx context.Context, number string) (Watch, bool, error)
	// PutWatch stores w if the stored watch is still at w.Version (none
	// for 0), as w.Version+1, listed in the index at w.Indexed() (its
	// CheckAt reads back as that when before Due, else zero); otherwise
	// it returns ErrWatchMoved. A watch with no Due time leaves the index.
	PutWatch(ctx context.Context, w Watch) error
	// DeleteWatch removes the number's watch, if any.
	DeleteWatch(ctx context.Context, number string) error
	// DueWatches lists numbers whose watch is listed (Indexed) at or
	// before now, earliest first, at most limit of them.
	DueWatches(ctx context.Context, now time.Time, limit int) ([]string, error)
}

// stallAt is when a parcel in tag t whose newest event was at last
// counts as stalled, by its learned thresholds: the one place the
// threshold is applied.
func stallAt(p Parcel, t tag.Tag, last time.Time, learned map[tag.Tag]time.Duration) time.Time {
	after, ok := learned[t]
	if !ok {
		after = StallAfter(p, t, nil)
	}
	return p.Calendar().AddBusinessTime(last, after).UTC()
}

// earliestStall is the earliest a stall of the parcel can come after an
// event at last, whatever tag its next events bring: the watch's index
// entry placed there need not move when the next event enters a tag of
// a shorter threshold.
func earliestStall(p Parcel, last time.Time, learned map[tag.Tag]time.Duration) time.Time {
	earliest := stallAt(p, Tags[0], last, learned)
	for _, t := range Tags[1:] {
		if at := stallAt(p, t, last, learned); at.Before(earliest) {
			earliest = at
		}
	}
	return earliest
}

// checkAfterEvent is where the watch moved by an event is listed for a
// check (Indexed caps it at the new Due): where the stored watch (cur, if
// found) is listed already, so most events leave the index entry alone;
// else at the earliest stall from last.
func checkAfterEvent(cur Watch, found bool, p Parcel, last time.Time, learned map[tag.Tag]time.Duration) time.Time {
	if at := cur.Indexed(); found && !at.IsZero() {
		return at
	}
	return earliestStall(p, last, learned)
}

// newestEventAt is the time of the resource's newest event; zero when
// none has one.
func newestEventAt(r tracking.Resource) time.Time {
	var last time.Time
	for _, e := range r.Details {
		if e.At.After(last) {
			last = e.At
		}
	}
	return last
}

// caughtUp is next brought up to the parcel's newest event, at last: its
// tag, its stall moved (an announced one cleared), and where it is
// listed for a check (cur is the stored watch, if found).
func caughtUp(next, cur Watch, found bool, r tracking.Resource, last time.Time) Watch {
	p := ParcelOf(r.Shipment)
	next.Carrier, next.Tag, next.LastEventAt = string(r.Carrier), r.Tag, last.UTC()
	next.StallAt = stallAt(p, r.Tag, last, next.Thresholds)
	next.StallNoticed = false
	next.CheckAt = checkAfterEvent(cur, found, p, last, next.Thresholds)
	return next
}

// withNewEvents is the stored watch cur caught up with events its Touch
// did not write (they left it listed where it was), read from the
// parcel's resource.
func (w Watcher) withNewEvents(ctx context.Context, cur Watch) (Watch, error) {
	r, err := w.Service.Resources.Get(ctx, cur.TrackingNumber, tracking.MaxDetails)
	if errors.Is(err, tracking.ErrNotFound) || errors.Is(err, tracking.ErrUnknownNumber) {
		return cur, nil
	}
	if err != nil {
		return Watch{}, err
	}
	if last := newestEventAt(r); watched(r.Tag) && last.After(cur.LastEventAt) {
		return caughtUp(cur, cur, true, r, last), nil
	}
	return cur, nil
}
