package edd

import (
	"context"
	"errors"
	"time"

	"github.com/parcelgate/parcelgate/internal/tag"
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

// ErrWatchMoved is what a WatchStore returns when a watch was written
// since it was read (or, for a new one, was written meanwhile).
var ErrWatchMoved = errors.New("watch written since it was read")

// WatchStore keeps the watches and finds those due through an index of
// their Due time (never a scan).
type WatchStore interface {
	// GetWatch returns the number's watch; false when it has none.
	GetWatch(ctx context.Context, number string) (Watch, bool, error)
	// PutWatch stores w if the stored watch is still at w.Version (none
	// for 0), as w.Version+1; otherwise it returns ErrWatchMoved. A watch
	// with no Due time leaves the index.
	PutWatch(ctx context.Context, w Watch) error
	// DeleteWatch removes the number's watch, if any.
	DeleteWatch(ctx context.Context, number string) error
	// DueWatches lists numbers whose watch is due at or before now,
	// at most limit of them.
	DueWatches(ctx context.Context, now time.Time, limit int) ([]string, error)
}
