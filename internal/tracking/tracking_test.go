package tracking

import (
	"slices"
	"testing"
	"time"
)

func at(status string, hour int) Event {
	t := time.Date(2026, 11, 30, hour, 0, 0, 0, time.UTC)
	return Event{Status: status, Datetime: t.Format(time.RFC3339), At: t}
}

func statuses(events []Event) []string {
	var out []string
	for _, e := range events {
		out = append(out, e.Status)
	}
	return out
}

func TestTheCurrentStatusShowsInTheHistoryBeforeItsEventIsStored(t *testing.T) {
	stored := []Event{at("OUT", 12), at("HUB", 10), at("CREATED", 8)} // newest first
	for _, tc := range []struct {
		name   string
		events []Event
		latest Event
		limit  int
		want   []string
	}{
		{"no status yet", stored, Event{}, 10, []string{"OUT", "HUB", "CREATED"}},
		{"already stored", stored, at("OUT", 12), 10, []string{"OUT", "HUB", "CREATED"}},
		{"newest, not stored", stored, at("DELIVERED", 14), 10, []string{"DELIVERED", "OUT", "HUB", "CREATED"}},
		{"newest, at the limit", stored, at("DELIVERED", 14), 3, []string{"DELIVERED", "OUT", "HUB"}},
		{"between stored events", stored, at("SORTED", 11), 10, []string{"OUT", "SORTED", "HUB", "CREATED"}},
		{"oldest, room left", stored, at("LABEL", 6), 10, []string{"OUT", "HUB", "CREATED", "LABEL"}},
		{"oldest, no room", stored, at("LABEL", 6), 3, []string{"OUT", "HUB", "CREATED"}},
		{"nothing stored", nil, at("CREATED", 8), 10, []string{"CREATED"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := withLatest(slices.Clone(tc.events), tc.latest, tc.limit)
			if !slices.Equal(statuses(got), tc.want) {
				t.Errorf("history %v, want %v", statuses(got), tc.want)
			}
		})
	}
}

// An estimate shown later than it was made never shows a bound in the
// past, and its bounds stay ordered.
func TestEstimateAsOfNeverShowsThePast(t *testing.T) {
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	e := EstimatedDelivery{Earliest: day, Likely: day.Add(24 * time.Hour), Latest: day.Add(72 * time.Hour), Confidence: "high", Basis: "lane"}
	if got := e.AsOf(day.Add(-time.Hour)); got != e {
		t.Errorf("before its earliest: %+v, want it as made", got)
	}
	now := day.Add(30 * time.Hour)
	got := e.AsOf(now)
	if !got.Earliest.Equal(now) || !got.Likely.Equal(now) || !got.Latest.Equal(e.Latest) || got.Basis != "lane" {
		t.Errorf("past its likely: %+v, want earliest and likely now, latest kept", got)
	}
	if got := e.AsOf(day.Add(100 * time.Hour)); !got.Earliest.Equal(got.Latest) || got.Latest.Before(day.Add(100*time.Hour)) {
		t.Errorf("past its latest: %+v, want every bound now", got)
	}
}
