package tracking

import (
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/carrier"
)

func ev(status, datetime string) Event {
	at, err := ParseDatetime(datetime)
	if err != nil {
		panic(err)
	}
	return Event{Status: status, Datetime: datetime, At: at}
}

func TestNextMoveOnlyForwardWithConsecutiveSequence(t *testing.T) {
	now := time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)
	const n = "3000000010"
	var st State
	apply := func(m Move) {
		st = State{Owner: st.Owner, Status: m.Event.Status, LatestKey: EventKey(m.Event), Sequence: m.Change().Sequence, Pending: m.Pending, Notified: st.Notified}
	}
	m, ok := NextMove(n, carrier.DHLExpress, st, []Event{ev("picked_up", "2026-03-01T08:00:00Z"), ev("in_transit", "2026-03-01T12:00:00+01:00")}, now)
	if !ok || m.Event.Status != "in_transit" || m.Change().Sequence != 1 || m.Change().PreviousStatus != "" {
		t.Fatalf("first move %+v %v", m, ok)
	}
	apply(m)
	// The same events again, and an older one: no move.
	for _, evs := range [][]Event{{ev("in_transit", "2026-03-01T12:00:00+01:00")}, {ev("label_created", "2026-02-28T08:00:00Z")}, nil} {
		if m, ok := NextMove(n, carrier.DHLExpress, st, evs, now); ok {
			t.Fatalf("moved by %v: %+v", evs, m)
		}
	}
	m, ok = NextMove(n, carrier.DHLExpress, st, []Event{ev("delivered", "2026-03-02T08:00:00Z")}, now)
	if !ok || m.Change().Sequence != 2 || m.Change().PreviousStatus != "in_transit" || len(m.Pending) != 2 {
		t.Fatalf("second move %+v", m)
	}
	// Once change 1 is known notified, the next move keeps only change 2.
	st.Notified = 1
	if m, _ = NextMove(n, carrier.DHLExpress, st, []Event{ev("delivered", "2026-03-02T08:00:00Z")}, now); len(m.Pending) != 1 || m.Pending[0].Sequence != 2 {
		t.Fatalf("pending after notification %+v", m.Pending)
	}
}
