package dynamo

import (
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/tracking"
)

// Events stored before the key moved to the tracking package keep their
// keys, so a stored current status still compares with new events.
func TestEventKeyUnchanged(t *testing.T) {
	at := time.Date(2015, 9, 17, 9, 28, 0, 0, time.UTC)
	ev := tracking.Event{Status: "dispatched_by_sender", OriginStatus: "NWP", Agency: "Kraków", Datetime: "2015-09-17T11:28:00.000+02:00", At: at}
	if got, want := eventSK(ev), historySK(skEvent, at, ev.Status, ev.OriginStatus, ev.Agency, ev.Datetime); got != want {
		t.Fatalf("eventSK %s, was %s", got, want)
	}
}
