package eddsim

import (
	"testing"

	"github.com/parcelgate/parcelgate/internal/edd"
)

func TestEvaluateSmall(t *testing.T) {
	run := smallRun(t)
	var b testWriter
	if err := run.Table(&b); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + string(b))
	if run.Scored == 0 || run.Delivered == 0 || run.Learned.N != run.Delivered || len(run.Points) != run.Delivered || run.Oracle.N != run.Delivered {
		t.Fatalf("run %+v", run)
	}
	// Every scored delivery is re-estimated at its pick-up and after,
	// as often as requests brought its events.
	if n := run.Every.Learned.N; n != len(run.Reestimates) || n <= run.Delivered || run.Every.Standard.N != n {
		t.Errorf("%d re-estimates (%d points, %d of the table) of %d deliveries", n, len(run.Reestimates), run.Every.Standard.N, run.Delivered)
	}
	// The new project's first parcels have no deliveries to learn from:
	// the table answers for them, at low confidence.
	if run.NewShop == 0 || run.level(edd.Low).N == 0 {
		t.Errorf("%d parcels of the new project, %d low estimates", run.NewShop, run.level(edd.Low).N)
	}
	// The stall targets, met on this small run too (19 silences).
	if s := run.Stalls; s.Learned.Precision() < 0.9 || s.Recall(s.Learned) < 0.9 || s.Stops+s.Holds == 0 {
		t.Errorf("learned stall thresholds: precision %.3f, recall %.3f", s.Learned.Precision(), s.Recall(s.Learned))
	}
}

type testWriter []byte

func (w *testWriter) Write(p []byte) (int, error) { *w = append(*w, p...); return len(p), nil }

// The model draws the same histories from the same seed, each in time
// order, delivered on a business day of its destination after pick-up,
// with about the shares of trouble it promises.
func TestHistoriesAreWellFormed(t *testing.T) {
	o := DefaultOptions()
	a, b := Generate(7, 4000, o.Start, o.Span), Generate(7, 4000, o.Start, o.Span)
	stopped, failed := 0, 0
	for i, h := range a {
		if h.Number != b[i].Number || !h.DeliveredAt.Equal(b[i].DeliveredAt) {
			t.Fatal("same seed, other histories")
		}
		for j := 1; j < len(h.Events); j++ {
			if h.Events[j].At.Before(h.Events[j-1].At) {
				t.Fatalf("%s: events out of order", h.Number)
			}
		}
		if len(h.Events) < 2 || h.Events[1].Tag != "InTransit" {
			t.Fatalf("%s: no pick-up: %+v", h.Number, h.Events)
		}
		if h.DeliveredAt.IsZero() {
			stopped++
			continue
		}
		last := h.Events[len(h.Events)-1]
		if last.Tag != "Delivered" || !last.At.Equal(h.DeliveredAt) || !h.DeliveredAt.After(h.Events[1].At) {
			t.Fatalf("%s: delivery %+v", h.Number, h.Events)
		}
		lastMile := false
		for _, e := range h.Events {
			switch e.Tag {
			case "AttemptFail":
				failed++
				fallthrough
			case "OutForDelivery":
				lastMile = true
			case "InTransit", "Exception":
				if lastMile {
					t.Fatalf("%s: transit after the last mile began: %+v", h.Number, h.Events)
				}
			}
		}
	}
	if s := float64(stopped) / float64(len(a)); s < 0.01 || s > 0.03 {
		t.Errorf("%.3f stopped, want about %.2f", s, stopShare)
	}
	if s := float64(failed) / float64(len(a)); s < 0.04 || s > 0.08 {
		t.Errorf("%.3f with a failed attempt, want about %.2f", s, attemptShare)
	}
}
