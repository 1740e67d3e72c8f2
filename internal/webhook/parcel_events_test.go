package webhook

import (
	"testing"
	"time"
)

func TestParcelEventIDsFollowTheirStallAndRoundTrip(t *testing.T) {
	at := time.Date(2026, 9, 17, 9, 0, 0, 0, time.UTC)
	w := Watched{TrackingNumber: "1Z0001", Carrier: "ups", Tag: "InTransit", LastEventAt: at.Add(-72 * time.Hour), StalledAt: at, LateAt: at}
	stalled, ref := StalledEvent("p1", w)
	if again, _ := StalledEvent("p1", w); again.ID != stalled.ID || string(again.Data) != string(stalled.Data) {
		t.Fatalf("the same stall gave %+v, then %+v", stalled, again)
	}
	late, lateRef := LateEvent("p1", w)
	if late.ID == stalled.ID {
		t.Fatal("a stall and a lateness at the same time share an id")
	}
	next := w
	next.StalledAt = at.Add(72 * time.Hour)
	if n, _ := StalledEvent("p1", next); n.ID == stalled.ID {
		t.Fatal("the next stall has the first one's id")
	}
	for _, c := range []struct {
		ev  Event
		ref Ref
	}{{stalled, ref}, {late, lateRef}} {
		got, err := ParseEventID(c.ev.ID)
		if err != nil || got != c.ref || c.ev.ID != c.ref.ID() || !c.ev.CreatedAt.Equal(at) {
			t.Errorf("%s: parsed %+v (%v), want %+v", c.ev.Type, got, err, c.ref)
		}
	}
}
