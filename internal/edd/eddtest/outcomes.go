package eddtest

import (
	"sync"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/edd"
	"github.com/parcelgate/parcelgate/internal/storetest"
)

// RunOutcomes runs the contract of edd.OutcomeStore against the store
// newStore returns; a store may be shared between the tests: each uses
// fresh projects.
func RunOutcomes(t *testing.T, newStore func(t *testing.T) edd.OutcomeStore) {
	for _, tc := range []struct {
		name string
		test func(t *testing.T, s edd.OutcomeStore)
	}{
		{"CountedOnce", outcomeCountedOnce},
		{"ConcurrentRecordsCountOnce", outcomeConcurrent},
		{"WeeksGroupsAndProjectsApart", outcomeApart},
		{"ManyNumbersAddUp", outcomeManyNumbers},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.test(t, newStore(t)) })
	}
}

const week1, week2 = "2026-W49", "2026-W50"

// newOutcome is a delivered parcel's outcome in the groups, transit h
// business hours, on time by its latest only.
func newOutcome(week string, h int, groups ...string) edd.Outcome {
	f := edd.Figures{Delivered: 1, Estimated: 1, OnTimeLatest: 1, FirstAttempt: 1}
	f.Transit[edd.Bucket(time.Duration(h)*time.Hour)]++
	return edd.Outcome{TrackingNumber: storetest.ID("1Z"), Week: week, Groups: groups, Figures: f}
}

func outcomeRecord(t *testing.T, s edd.OutcomeStore, projectID string, o edd.Outcome) bool {
	t.Helper()
	ok, err := s.RecordOutcome(bg, projectID, o)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func outcomeFigures(t *testing.T, s edd.OutcomeStore, projectID string, weeks ...string) map[string]map[string]edd.Figures {
	t.Helper()
	got, err := s.Outcomes(bg, projectID, weeks)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func outcomeCountedOnce(t *testing.T, s edd.OutcomeStore) {
	p := storetest.ID("p-")
	o := newOutcome(week1, 30, "C:ups", "S:ups:ground")
	if !outcomeRecord(t, s, p, o) || outcomeRecord(t, s, p, o) {
		t.Fatal("want the first record counted and the second not")
	}
	got := outcomeFigures(t, s, p, week1)
	want := o.Figures
	if got[week1]["C:ups"] != want || got[week1]["S:ups:ground"] != want || len(got[week1]) != 2 {
		t.Fatalf("figures %+v, want %+v in each group", got, want)
	}
}

func outcomeConcurrent(t *testing.T, s edd.OutcomeStore) {
	p := storetest.ID("p-")
	o := newOutcome(week1, 30, "C:ups")
	var wg sync.WaitGroup
	counted := make([]bool, 8)
	for i := range counted {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.RecordOutcome(bg, p, o)
			if err != nil {
				t.Error(err)
			}
			counted[i] = ok
		}()
	}
	wg.Wait()
	n := 0
	for _, ok := range counted {
		if ok {
			n++
		}
	}
	if got := outcomeFigures(t, s, p, week1)[week1]["C:ups"]; n != 1 || got.Delivered != 1 {
		t.Fatalf("%d records counted, %d delivered; want 1, 1", n, got.Delivered)
	}
}

func outcomeApart(t *testing.T, s edd.OutcomeStore) {
	p, q := storetest.ID("p-"), storetest.ID("p-")
	outcomeRecord(t, s, p, newOutcome(week1, 30, "C:ups"))
	outcomeRecord(t, s, p, newOutcome(week2, 60, "C:ups"))
	outcomeRecord(t, s, p, newOutcome(week2, 60, "C:dhl"))
	outcomeRecord(t, s, q, newOutcome(week2, 60, "C:ups"))
	got := outcomeFigures(t, s, p, week1, week2, "2026-W51")
	if len(got) != 2 || len(got[week1]) != 1 || len(got[week2]) != 2 || got[week2]["C:ups"].Delivered != 1 || got[week1]["C:ups"].Delivered != 1 {
		t.Fatalf("figures %+v", got)
	}
	if only := outcomeFigures(t, s, p, week2); len(only) != 1 {
		t.Fatalf("week2 alone: %+v", only)
	}
	// Weeks not asked for, even between those asked for, are left out.
	outcomeRecord(t, s, p, newOutcome("2026-W51", 60, "C:ups"))
	if ends := outcomeFigures(t, s, p, week1, "2026-W51"); len(ends) != 2 || ends[week2] != nil {
		t.Fatalf("weeks 49 and 51: %+v", ends)
	}
}

func outcomeManyNumbers(t *testing.T, s edd.OutcomeStore) {
	p := storetest.ID("p-")
	var want edd.Figures
	for i := range 40 {
		o := newOutcome(week1, 10+i, "C:ups")
		if i%4 == 0 {
			o.Figures.FirstAttempt, o.Figures.Exceptions, o.Figures.Stalled = 0, 1, 1
		}
		outcomeRecord(t, s, p, o)
		want.Merge(o.Figures)
	}
	if got := outcomeFigures(t, s, p, week1)[week1]["C:ups"]; got != want {
		t.Fatalf("figures\n got %+v\nwant %+v", got, want)
	}
}
