package edd

import (
	"slices"
	"time"

	"github.com/parcelgate/parcelgate/internal/calendar"
	"github.com/parcelgate/parcelgate/internal/tag"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

// gaps returns a delivered parcel's gaps between consecutive events up to
// its delivery, counted by bucket under the tag the parcel was in during
// each (that of the event opening it), and the bucket of its whole stay
// in each tag. Events at one instant are one moment, not gaps of zero
// that would pull the thresholds down: the gap after it is spent in the
// tag of the last of them in the order given. Only the tags a parcel has
// before delivery count (Tags): a gap opened by an Expired verdict is no
// carrier's silence.
func gaps(cal calendar.Calendar, events []tracking.Event, delivered time.Time) (map[tag.Tag]map[int]int64, map[tag.Tag]int) {
	es := make([]tracking.Event, 0, len(events))
	for _, e := range events {
		if !e.At.IsZero() && !e.At.After(delivered) {
			es = append(es, e)
		}
	}
	slices.SortStableFunc(es, func(a, b tracking.Event) int { return a.At.Compare(b.At) })
	counts := map[tag.Tag]map[int]int64{}
	stay := map[tag.Tag]time.Duration{}
	for i := 0; i+1 < len(es); i++ {
		from, to := es[i], es[i+1]
		if !to.At.After(from.At) || !slices.Contains(Tags, from.Tag) {
			continue
		}
		d := cal.BusinessTime(from.At, to.At)
		if counts[from.Tag] == nil {
			counts[from.Tag] = map[int]int64{}
		}
		counts[from.Tag][Bucket(d)]++
		stay[from.Tag] += d
	}
	dwell := make(map[tag.Tag]int, len(stay))
	for t, d := range stay {
		dwell[t] = Bucket(d)
	}
	return counts, dwell
}
