package message

import (
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	n := "612345678901234567890123"
	cases := []struct {
		name    string
		in      Incoming
		problem string // "" means valid
	}{
		{"event", Incoming{MessageType: TypeTrackingEvent, Payload: []byte(`{"trackingNumber":"` + n + `","status":"confirmed","originStatus":"PPN","agency":null,"datetime":"2015-09-17T10:28:00.000+02:00"}`)}, ""},
		{"shipment", Incoming{MessageType: TypeShipment, Payload: []byte(`{"trackingNumber":"` + n + `","type":"inpost_locker_standard","customAttributes":{"size":"A"}}`)}, ""},
		{"service change", Incoming{MessageType: TypeServiceChange, Payload: []byte(`{"trackingNumber":"` + n + `","service":"x","datetime":"2015-09-17T10:28:00Z"}`)}, ""},
		{"no payload", Incoming{MessageType: TypeShipment}, "payload is required"},
		{"unknown type", Incoming{MessageType: "Order", Payload: []byte(`{}`)}, "messageType"},
		{"unknown field", Incoming{MessageType: TypeTrackingEvent, Payload: []byte(`{"trackingNumber":"` + n + `","colour":"red"}`)}, "colour"},
		{"wrong type", Incoming{MessageType: TypeTrackingEvent, Payload: []byte(`{"trackingNumber":42}`)}, "trackingNumber"},
		{"bad date", Incoming{MessageType: TypeTrackingEvent, Payload: []byte(`{"trackingNumber":"` + n + `","status":"x","datetime":"17/09/2015"}`)}, "RFC 3339"},
		{"unknown number", Incoming{MessageType: TypeTrackingEvent, Payload: []byte(`{"trackingNumber":"HELLO","status":"x","datetime":"2015-09-17T10:28:00Z"}`)}, "cannot identify"},
		{"unknown shipment type", Incoming{MessageType: TypeShipment, Payload: []byte(`{"trackingNumber":"` + n + `","type":"rocket"}`)}, "rocket"},
		{"oversized", Incoming{MessageType: TypeShipment, Payload: []byte(`{"x":"` + strings.Repeat("a", MaxPayloadBytes) + `"}`)}, "larger than"},
	}
	for _, c := range cases {
		p := validate(c.in)
		switch {
		case c.problem == "" && len(p) > 0:
			t.Errorf("%s: %v", c.name, p)
		case c.problem != "" && !strings.Contains(strings.Join(p, "; "), c.problem):
			t.Errorf("%s: %v, want a problem mentioning %q", c.name, p, c.problem)
		}
	}
}
