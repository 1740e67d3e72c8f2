package message

import (
	"strings"
	"testing"
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
