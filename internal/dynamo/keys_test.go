package dynamo

import (
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/tracking"
)

// Events stored before the key moved to the tracking package keep their
// keys, so a stored current status still compares with new events. The
// want is a key as stored, not recomputed: a change to either key
// function shows here.
func TestEventKeyUnchanged(t *testing.T) {
	at := time.Date(2015, 9, 17, 9, 28, 0, 0, time.UTC)
	ev := tracking.Event{Status: "dispatched_by_sender", OriginStatus: "NWP", Agency: "Kraków", Datetime: "2015-09-17T11:28:00.000+02:00", At: at}
	const stored = "EV#2015-09-17T09:28:00.000000000Z#79074ccc3e4aea3a"
	if got := eventSK(ev); got != stored {
		t.Fatalf("eventSK %s, stored %s", got, stored)
	}
	if got := historySK(skEvent, at, ev.Status, ev.OriginStatus, ev.Agency, ev.Datetime); got != stored {
		t.Fatalf("historySK %s, stored %s", got, stored)
	}
}
