package report

import (
	"testing"
	"time"
)

func TestDaysPerStatusCountsUntilTheNextChangeAndTheCurrentOneUntilNow(t *testing.T) {
	day := 24 * time.Hour
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	events := []Event{ // newest first
		{Status: "out_for_delivery", At: t0.Add(4 * day)},
		{Status: "in_transit", At: t0.Add(3 * day)},
		{Status: "arrived_at_facility", At: t0.Add(2 * day)},
		{Status: "in_transit", At: t0.Add(day / 2)},
		{Status: "picked_up", At: t0},
	}
	got := DaysPerStatus(events, t0.Add(4*day+day/2), false)
	want := []StatusDays{{"picked_up", 0.5, false}, {"in_transit", 2.5, false}, {"arrived_at_facility", 1, false}, {"out_for_delivery", 0.5, true}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestDaysPerStatusLeavesAFinalStatusOut(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	events := []Event{{Status: "delivered", At: t0.Add(48 * time.Hour)}, {Status: "in_transit", At: t0}}
	got := DaysPerStatus(events, t0.Add(400*24*time.Hour), true)
	if len(got) != 1 || got[0] != (StatusDays{Status: "in_transit", Days: 2}) {
		t.Fatalf("got %+v, want in_transit 2 days only", got)
	}
}
