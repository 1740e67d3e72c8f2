package message

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/tracking"
)

func TestCarrierDateMustBeADateOrADateTime(t *testing.T) {
	for v, ok := range map[string]bool{"2026-12-09": true, "2026-12-09T17:00:00+01:00": true, "2026-12-09T17:00:00.000Z": true,
		"09.12.2026": false, "tomorrow": false, "": false, "2026-13-01": false} {
		var p problems
		checkCarrierDate(&p, v)
		if (len(p) == 0) != ok || !ok && !strings.Contains(p[0], "estimatedDelivery") {
			t.Errorf("%q: problems %v, want ok %v", v, p, ok)
		}
	}
}

// FuzzCarrierDate: a carrier date is accepted only short and readable as
// a date or a date-time, and an accepted event applies.
func FuzzCarrierDate(f *testing.F) {
	for _, s := range []string{"2026-12-09", "2026-12-09T17:00:00+01:00", "2026-12-09T17:00:00.123456789Z", "2026-12-09T17:00:00.0000000000000000000000000000001Z", "\x00", "9999-12-31"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		payload, _ := json.Marshal(map[string]string{"trackingNumber": "612345678901234567890123", "status": "s",
			"datetime": "2026-12-07T10:00:00Z", "estimatedDelivery": v})
		p := validate(Incoming{MessageType: TypeTrackingEvent, Payload: payload})
		if len(p) > 0 {
			return
		}
		if len(v) > maxCarrierDateLength {
			t.Fatalf("%d characters accepted", len(v))
		}
		if _, err := time.Parse(carrierDateLayout, v); err != nil {
			if _, err := tracking.ParseDatetime(v); err != nil {
				t.Fatalf("%q accepted: %v", v, err)
			}
		}
	})
}
