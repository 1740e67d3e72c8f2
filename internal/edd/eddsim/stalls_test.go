package eddsim

import (
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/carrier"
	"github.com/parcelgate/parcelgate/internal/tag"
)

// The truth is consistent with the events: no event inside a silence, a
// stop on every parcel that stopped and on no other, a silent hold ended
// by an event, and about the share of silent holds the model promises.
func TestSilencesAreTheTruth(t *testing.T) {
	o := DefaultOptions()
	hs := Generate(7, 6000, o.Start, o.Span)
	holds := 0
	for _, h := range hs {
		stops := 0
		for _, s := range h.Silences {
			for _, e := range h.Events {
				if e.At.After(s.From) && (s.Until.IsZero() || e.At.Before(s.Until)) {
					t.Fatalf("%s: event %+v inside silence %+v", h.Number, e, s)
				}
			}
			if s.Until.IsZero() {
				stops++
				continue
			}
			holds++
			ended := false
			for _, e := range h.Events {
				ended = ended || e.At.Equal(s.Until)
			}
			if !ended || !s.Until.After(s.From) {
				t.Fatalf("%s: hold %+v not ended by an event", h.Number, s)
			}
		}
		if want := map[bool]int{true: 1, false: 0}[h.DeliveredAt.IsZero()]; stops != want {
			t.Fatalf("%s: %d stops, delivered at %s", h.Number, stops, h.DeliveredAt)
		}
	}
	// Half of the 4% of exceptions, the two thirds costing 2 days or more.
	if s := float64(holds) / float64(len(hs)); s < 0.007 || s > 0.02 {
		t.Errorf("%.4f silent holds, want about 0.013", s)
	}
}

// A flag is true when its gap holds a silence; a silence is found when
// its gap is flagged by the end.
func TestReplayScoresFlagsAgainstSilences(t *testing.T) {
	t0 := time.Date(2026, 9, 14, 12, 0, 0, 0, time.UTC) // a Monday
	hours := func(hs ...int) []Event {
		var out []Event
		for _, h := range hs {
			out = append(out, Event{"in_transit", tag.InTransit, t0.Add(time.Duration(h) * time.Hour)})
		}
		return out
	}
	end := t0.Add(30 * 24 * time.Hour)
	thirty := func(tag.Tag) time.Duration { return 30 * time.Hour }
	for _, tc := range []struct {
		name                    string
		h                       History
		flags, trueFlags, stops int
		holds                   int
	}{
		{"steady", History{Events: append(hours(0, 20, 40), Event{"delivered", tag.Delivered, t0.Add(50 * time.Hour)})}, 0, 0, 0, 0},
		{"slow but moving", History{Events: append(hours(0, 35, 50), Event{"delivered", tag.Delivered, t0.Add(60 * time.Hour)})}, 1, 0, 0, 0},
		{"stopped", History{Events: hours(0, 20), Silences: []Silence{{From: t0.Add(25 * time.Hour)}}}, 1, 1, 1, 0},
		{"silent hold", History{Events: append(hours(0, 20, 70), Event{"delivered", tag.Delivered, t0.Add(80 * time.Hour)}),
			Silences: []Silence{{t0.Add(22 * time.Hour), t0.Add(70 * time.Hour)}}}, 1, 1, 0, 1},
	} {
		tc.h.Carrier, tc.h.Origin, tc.h.Destination = carrier.UPS, "US", "US"
		var s StallScore
		s.replay(tc.h, end, thirty)
		if s.Flags != tc.flags || s.TrueFlags != tc.trueFlags || s.FoundStops != tc.stops || s.FoundHolds != tc.holds {
			t.Errorf("%s: %+v", tc.name, s)
		}
	}
}
