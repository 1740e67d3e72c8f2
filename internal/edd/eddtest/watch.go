package eddtest

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/edd"
	"github.com/parcelgate/parcelgate/internal/storetest"
	"github.com/parcelgate/parcelgate/internal/tag"
)

// RunWatches runs the contract of edd.WatchStore against the store
// newStore returns; a store may be shared between the tests: each uses
// fresh numbers, and looks only for its own among those due.
func RunWatches(t *testing.T, newStore func(t *testing.T) edd.WatchStore) {
	for _, tc := range []struct {
		name string
		test func(t *testing.T, s edd.WatchStore)
	}{
		{"RoundTrip", watchRoundTrip},
		{"StaleWriteMoves", watchStaleWriteMoves},
		{"ConcurrentWritesOneWins", watchConcurrentWrites},
		{"DueListsWhatIsOwedByNow", watchDue},
		{"DueEarliestFirstUpToLimit", watchDueLimit},
		{"DeleteLeavesTheIndex", watchDelete},
		{"ListedEarlyAtCheckAt", watchListedEarly},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.test(t, newStore(t)) })
	}
}

var bg = context.Background()

func newWatch(due time.Time) edd.Watch {
	return edd.Watch{TrackingNumber: storetest.ID("1Z"), Carrier: "ups", Tag: tag.InTransit,
		LastEventAt: due.Add(-72 * time.Hour), StallAt: due, LateAt: due.Add(48 * time.Hour),
		FirstLikely: due.Add(24 * time.Hour), Stalls: 2}
}

func putWatch(t *testing.T, s edd.WatchStore, w edd.Watch) edd.Watch {
	t.Helper()
	if err := s.PutWatch(bg, w); err != nil {
		t.Fatalf("put %+v: %v", w, err)
	}
	got, ok, err := s.GetWatch(bg, w.TrackingNumber)
	if err != nil || !ok {
		t.Fatalf("get after put: %v %v", ok, err)
	}
	return got
}

// dueWatches lists those of numbers due at now.
func dueWatches(t *testing.T, s edd.WatchStore, now time.Time, limit int, numbers ...string) []string {
	t.Helper()
	got, err := s.DueWatches(bg, now, limit)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range got {
		if slices.Contains(numbers, n) {
			out = append(out, n)
		}
	}
	return out
}

func watchRoundTrip(t *testing.T, s edd.WatchStore) {
	w := newWatch(at(0))
	w.StallNoticed = true
	w.Thresholds = map[tag.Tag]time.Duration{tag.InTransit: 37 * time.Hour, tag.OutForDelivery: 26*time.Hour + 30*time.Minute}
	if _, ok, err := s.GetWatch(bg, w.TrackingNumber); ok || err != nil {
		t.Fatalf("unknown number found: %v %v", ok, err)
	}
	got := putWatch(t, s, w)
	w.Version = 1
	if !got.LastEventAt.Equal(w.LastEventAt) || !got.StallAt.Equal(w.StallAt) || !got.LateAt.Equal(w.LateAt) {
		t.Fatalf("times: got %+v, put %+v", got, w)
	}
	if !got.FirstLikely.Equal(w.FirstLikely) {
		t.Fatalf("first likely: got %s, put %s", got.FirstLikely, w.FirstLikely)
	}
	got.LastEventAt, got.StallAt, got.LateAt, got.FirstLikely = w.LastEventAt, w.StallAt, w.LateAt, w.FirstLikely
	if !got.CheckAt.IsZero() {
		t.Fatalf("a watch listed at its Due read back with CheckAt %s", got.CheckAt)
	}
	if !reflect.DeepEqual(got, w) {
		t.Fatalf("got %+v, put %+v", got, w)
	}
	w.Thresholds[tag.InTransit] = time.Hour // the store keeps its own copy
	if again, _, _ := s.GetWatch(bg, w.TrackingNumber); again.Thresholds[tag.InTransit] != 37*time.Hour {
		t.Fatalf("thresholds read back as %v", again.Thresholds)
	}
	got.LateNoticed = true
	if again := putWatch(t, s, got); again.Version != 2 || !again.LateNoticed {
		t.Fatalf("second write read back as %+v", again)
	}
}

func watchStaleWriteMoves(t *testing.T, s edd.WatchStore) {
	w := newWatch(at(0))
	putWatch(t, s, w)
	if err := s.PutWatch(bg, w); !errors.Is(err, edd.ErrWatchMoved) {
		t.Fatalf("new watch over a stored one: %v, want ErrWatchMoved", err)
	}
	w.Version = 7
	if err := s.PutWatch(bg, w); !errors.Is(err, edd.ErrWatchMoved) {
		t.Fatalf("write at a version never stored: %v, want ErrWatchMoved", err)
	}
}

func watchConcurrentWrites(t *testing.T, s edd.WatchStore) {
	w := putWatch(t, s, newWatch(at(0)))
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			next := w
			next.LastEventAt = w.LastEventAt.Add(time.Duration(i+1) * time.Hour)
			errs[i] = s.PutWatch(bg, next)
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, edd.ErrWatchMoved):
			t.Fatal(err)
		}
	}
	if got, _, _ := s.GetWatch(bg, w.TrackingNumber); won != 1 || got.Version != 2 {
		t.Fatalf("%d writes won, version %d; want one, 2", won, got.Version)
	}
}

func watchDue(t *testing.T, s edd.WatchStore) {
	stall := putWatch(t, s, newWatch(at(0)))  // stall due at 0, late at 48
	later := putWatch(t, s, newWatch(at(10))) // due at 10
	noticed := newWatch(at(0))                // stall announced: late due at 48
	noticed.StallNoticed = true
	noticed = putWatch(t, s, noticed)
	done := newWatch(at(0))
	done.StallNoticed, done.LateNoticed = true, true // nothing owed: never due
	done = putWatch(t, s, done)
	all := []string{stall.TrackingNumber, later.TrackingNumber, noticed.TrackingNumber, done.TrackingNumber}
	if got := dueWatches(t, s, at(0), 1000, all...); !slices.Equal(got, []string{stall.TrackingNumber}) {
		t.Fatalf("due at 0: %v, want only %s", got, stall.TrackingNumber)
	}
	if got := dueWatches(t, s, at(0).Add(-time.Nanosecond), 1000, all...); len(got) != 0 {
		t.Fatalf("due before anything: %v", got)
	}
	got := dueWatches(t, s, at(48), 1000, all...)
	slices.Sort(got)
	want := []string{stall.TrackingNumber, later.TrackingNumber, noticed.TrackingNumber}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("due at 48: %v, want %v", got, want)
	}
	// Announced, the stall leaves the index; the lateness stays.
	stall.StallNoticed = true
	putWatch(t, s, stall)
	if got := dueWatches(t, s, at(47), 1000, all...); !slices.Equal(got, []string{later.TrackingNumber}) {
		t.Fatalf("due at 47 after the stall was announced: %v", got)
	}
}

func watchDueLimit(t *testing.T, s edd.WatchStore) {
	// Due long before any other test's watches, so the earliest are these.
	base := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	var numbers []string
	for i := range 3 {
		w := putWatch(t, s, newWatch(base.Add(time.Duration(3-i)*time.Hour)))
		numbers = append(numbers, w.TrackingNumber)
	}
	if got := dueWatches(t, s, base.Add(24*time.Hour), 2, numbers...); !slices.Equal(got, []string{numbers[2], numbers[1]}) {
		t.Fatalf("due with limit 2: %v, want the two earliest %v", got, []string{numbers[2], numbers[1]})
	}
}

func watchDelete(t *testing.T, s edd.WatchStore) {
	w := putWatch(t, s, newWatch(at(0)))
	if err := s.DeleteWatch(bg, w.TrackingNumber); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteWatch(bg, w.TrackingNumber); err != nil {
		t.Fatalf("deleting twice: %v", err)
	}
	if _, ok, err := s.GetWatch(bg, w.TrackingNumber); ok || err != nil {
		t.Fatalf("deleted watch found: %v %v", ok, err)
	}
	if got := dueWatches(t, s, at(100), 1000, w.TrackingNumber); len(got) != 0 {
		t.Fatalf("deleted watch due: %v", got)
	}
	// A deleted watch starts again from version 0.
	w.Version = 0
	putWatch(t, s, w)
}

// watchListedEarly: a watch is listed at its CheckAt while that is before
// its Due (read back as such), at its Due otherwise.
func watchListedEarly(t *testing.T, s edd.WatchStore) {
	w := newWatch(at(10))
	w.CheckAt = at(2)
	got := putWatch(t, s, w)
	if !got.CheckAt.Equal(at(2)) {
		t.Fatalf("CheckAt read back as %s, want %s", got.CheckAt, at(2))
	}
	if due := dueWatches(t, s, at(1), 1000, w.TrackingNumber); len(due) != 0 {
		t.Fatalf("listed before its CheckAt: %v", due)
	}
	if due := dueWatches(t, s, at(2), 1000, w.TrackingNumber); len(due) != 1 {
		t.Fatalf("not listed at its CheckAt: %v", due)
	}
	// Moved to its Due, as a check that came early does.
	got.CheckAt = time.Time{}
	got = putWatch(t, s, got)
	if due := dueWatches(t, s, at(9), 1000, w.TrackingNumber); len(due) != 0 || !got.CheckAt.IsZero() {
		t.Fatalf("moved to its Due: listed at 9 %v, CheckAt %s", due, got.CheckAt)
	}
	// A CheckAt after Due is no later than Due.
	got.CheckAt = at(20)
	got = putWatch(t, s, got)
	if due := dueWatches(t, s, at(10), 1000, w.TrackingNumber); len(due) != 1 || !got.CheckAt.IsZero() {
		t.Fatalf("CheckAt after Due: listed at 10 %v, CheckAt %s", due, got.CheckAt)
	}
}
