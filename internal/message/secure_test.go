package message

import (
	"strings"
	"testing"
)

func TestStoredPayloadKeepsOnlyWhatIsApplied(t *testing.T) {
	n := "612345678901234567890123"
	cases := []struct {
		name       string
		in         Incoming
		gone, kept []string
	}{
		{"shipment", Incoming{MessageType: TypeShipment, Payload: []byte(`{"trackingNumber":"` + n + `","type":"inpost_locker_standard",
			"customAttributes":{"size":"A","weight":12345678901234567890,"signature":"SIG-SECRET","address":{"line1":"HOME-SECRET"},
			"delivery":{"recipient_phone":"PHONE-SECRET","e-mail":"MAIL-SECRET","window":"9-12"}}}`)},
			[]string{"SECRET", "signature", "recipient"}, []string{`"size":"A"`, `"weight":12345678901234567890`, `"window":"9-12"`, n}},
		{"service change", Incoming{MessageType: TypeServiceChange, Payload: []byte(`{"trackingNumber":"` + n + `","service":"x", "datetime":"2015-09-17T10:28:00Z"}`)},
			nil, []string{`"service":"x"`}},
	}
	for _, c := range cases {
		if p := validate(c.in); len(p) > 0 {
			t.Fatalf("%s: invalid: %v", c.name, p)
		}
		out, err := storedPayload(c.in)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		for _, g := range c.gone {
			if strings.Contains(string(out), g) {
				t.Errorf("%s: %q stored: %s", c.name, g, out)
			}
		}
		for _, k := range c.kept {
			if !strings.Contains(string(out), k) {
				t.Errorf("%s: %q lost: %s", c.name, k, out)
			}
		}
	}
}
