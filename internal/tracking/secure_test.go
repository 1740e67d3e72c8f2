package tracking

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestStripSecure(t *testing.T) {
	in := map[string]any{
		"size":      "A",
		"signature": "png",
		"address":   map[string]any{"line1": "private"},
		"Recipient": map[string]any{"name": "Jan"},
		"target_machine_detail": map[string]any{
			"address": map[string]any{"line1": "ul.Reymonta 999"},
			"items":   []any{map[string]any{"receiver_phone": "123", "ok": true}},
		},
		"delivery": map[string]any{"customer_address": "x", "window": "9-12"},
		"contact":  map[string]any{"e-mail": "jan@example.com", "Mobile": "+48 600", "Phone Number": "+48 601"},
	}
	out, _ := json.Marshal(StripSecure(in))
	got := string(out)
	for _, gone := range []string{"signature", "private", "Jan", "receiver", "customer_address", "example.com", "+48"} {
		if strings.Contains(got, gone) {
			t.Errorf("%q survived: %s", gone, got)
		}
	}
	for _, kept := range []string{"ul.Reymonta 999", `"ok":true`, `"window":"9-12"`, `"size":"A"`} {
		if !strings.Contains(got, kept) {
			t.Errorf("%q dropped: %s", kept, got)
		}
	}
	if _, ok := in["signature"]; !ok {
		t.Error("the input was changed")
	}
}

func TestIdentifyAndCarrierName(t *testing.T) {
	n, c, err := Identify(" 6123 4567 8901 2345 6789 0123 ")
	if err != nil || n != "612345678901234567890123" || CarrierName(c) != "InPost Locker" {
		t.Fatalf("%s %s %v", n, c, err)
	}
	if _, _, err := Identify("HELLO"); err != ErrUnknownNumber {
		t.Fatalf("HELLO: %v", err)
	}
}
