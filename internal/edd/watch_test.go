package edd_test

import (
	"context"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/edd"
	"github.com/parcelgate/parcelgate/internal/memory"
	"github.com/parcelgate/parcelgate/internal/tag"
)

// listings counts a watch's writes, and those that move its index entry
// (each two index writes on DynamoDB: the old entry deleted, the new one
// put).
type listings struct {
	*memory.Watches
	writes, moves int
}

func (l *listings) PutWatch(ctx context.Context, w edd.Watch) error {
	cur, _, err := l.GetWatch(ctx, w.TrackingNumber)
	if err != nil {
		return err
	}
	if err := l.Watches.PutWatch(ctx, w); err != nil {
		return err
	}
	l.writes++
	if !w.Indexed().Equal(cur.Indexed()) {
		l.moves++
	}
	return nil
}

// Events moving the stall later, and one entering a tag of a shorter
// threshold just after the first, write nothing: the watch stays listed
// where the first put it; the check that finds it early catches it up
// with the events, announces nothing and moves the entry, and the stall
// is announced when due, not before.
func TestEventsLeaveTheWatchListedAndAnEarlyCheckMovesIt(t *testing.T) {
	f := newWatchFixture(t, "US")
	store := &listings{Watches: &memory.Watches{}}
	f.w.Store = store
	f.event(tag.InfoReceived) // Monday: 4 business days before pick-up
	first, _, _ := store.GetWatch(context.Background(), "1Z0001")
	if !first.Indexed().Equal(monday.Add(3 * day)) {
		t.Fatalf("first listed at %s, want the earliest stall of any tag %s", first.Indexed(), monday.Add(3*day))
	}
	f.now = monday.Add(3 * time.Hour)
	f.event(tag.InTransit) // 3 business days: Thursday noon
	f.now = monday.Add(day + time.Hour)
	f.event(tag.InTransit) // Tuesday 10:00: stalled on Friday 10:00, an hour after the first event's stall
	if store.writes != 1 || store.moves != 1 {
		t.Fatalf("three events wrote the watch %d times, moved its entry %d times; want once each (the first)", store.writes, store.moves)
	}
	f.checkAt(3 * day) // Thursday: listed, but nothing owed yet
	f.want(0, 0)
	w, _, _ := store.GetWatch(context.Background(), "1Z0001")
	if stall := monday.Add(4*day + time.Hour); !w.StallAt.Equal(stall) || !w.Indexed().Equal(w.Due()) || store.moves != 2 {
		t.Fatalf("after the early check: stall at %s (want %s), listed at %s, due %s, %d moves", w.StallAt, stall, w.Indexed(), w.Due(), store.moves)
	}
	f.checkAt(4*day + time.Hour - time.Minute)
	f.wantStalled(0)
	f.checkAt(4*day + time.Hour)
	f.wantStalled(1)
}

// A watch the sweeper found early is listed at its Due again; an event
// then entering a tag of a shorter threshold moves it earlier, so that
// stall is not announced late.
func TestEventDueBeforeTheListingMovesItEarlier(t *testing.T) {
	f := newWatchFixture(t, "US")
	f.event(tag.InfoReceived) // listed Thursday 9:00
	f.now = monday.Add(2*day + time.Hour)
	f.event(tag.InfoReceived) // Wednesday 10:00: due next Tuesday 10:00
	f.checkAt(3 * day)        // early: listed again at that Due
	f.now = monday.Add(3*day + 30*time.Minute)
	f.event(tag.InTransit) // Thursday 9:30: stalled next Tuesday 9:30
	w, _, _ := f.w.Store.GetWatch(context.Background(), "1Z0001")
	if stall := monday.Add(8*day + 30*time.Minute); !w.StallAt.Equal(stall) || w.Indexed().After(stall) {
		t.Fatalf("stall at %s listed at %s; want the stall at %s, listed no later", w.StallAt, w.Indexed(), stall)
	}
	f.checkAt(8*day + 29*time.Minute)
	f.wantStalled(0)
	f.checkAt(8*day + 30*time.Minute)
	f.wantStalled(1)
}
