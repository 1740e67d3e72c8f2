package message

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parcelgate/parcelgate/internal/request"
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
		{"no messageType", Incoming{Payload: []byte(`{}`)}, "messageType is required"},
		{"null payload", Incoming{MessageType: TypeShipment, Payload: []byte(`null`)}, "payload is required"},
		{"control character in agency", Incoming{MessageType: TypeTrackingEvent, Payload: []byte(`{"trackingNumber":"` + n + `","status":"x","agency":"a\u0000b","datetime":"2015-09-17T10:28:00Z"}`)}, "payload.agency holds the control character U+0000"},
		{"bidi override in status", Incoming{MessageType: TypeTrackingEvent, Payload: []byte(`{"trackingNumber":"` + n + `","status":"\u202eX","datetime":"2015-09-17T10:28:00Z"}`)}, "payload.status holds the bidirectional"},
		{"tab in agency", Incoming{MessageType: TypeTrackingEvent, Payload: []byte(`{"trackingNumber":"` + n + `","status":"x","agency":"a\tb","datetime":"2015-09-17T10:28:00Z"}`)}, ""},
		{"control character in reference", Incoming{MessageType: TypeShipment, ExternalReference: "a\nb", Payload: []byte(`{}`)}, "externalReference holds"},
		{"unreadable", Incoming{Problems: []string{"the message is null"}}, "the message is null"},
		{"tagged event", Incoming{MessageType: TypeTrackingEvent, Payload: []byte(`{"trackingNumber":"` + n + `","status":"held","tag":"Exception","subtag":"Exception_Customs","datetime":"2015-09-17T10:28:00Z"}`)}, ""},
		{"subtag alone", Incoming{MessageType: TypeTrackingEvent, Payload: []byte(`{"trackingNumber":"` + n + `","status":"held","subtag":"Exception_Customs","datetime":"2015-09-17T10:28:00Z"}`)}, ""},
		{"unknown tag", Incoming{MessageType: TypeTrackingEvent, Payload: []byte(`{"trackingNumber":"` + n + `","status":"x","tag":"exception","datetime":"2015-09-17T10:28:00Z"}`)}, `tag "exception" is not a tag: use one of Pending, InfoReceived`},
		{"unknown subtag", Incoming{MessageType: TypeTrackingEvent, Payload: []byte(`{"trackingNumber":"` + n + `","status":"x","subtag":"Exception_Alien","datetime":"2015-09-17T10:28:00Z"}`)}, `subtag "Exception_Alien" is not a subtag`},
		{"subtag of another tag", Incoming{MessageType: TypeTrackingEvent, Payload: []byte(`{"trackingNumber":"` + n + `","status":"x","tag":"Delivered","subtag":"Exception_Lost","datetime":"2015-09-17T10:28:00Z"}`)}, "subtag Exception_Lost belongs to tag Exception, not Delivered"},
		{"null tag", Incoming{MessageType: TypeTrackingEvent, Payload: []byte(`{"trackingNumber":"` + n + `","status":"x","tag":null,"datetime":"2015-09-17T10:28:00Z"}`)}, ""},
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

func TestDecodeIncomingJudgesEachMessageAlone(t *testing.T) {
	cases := []struct {
		raw, problem string
	}{
		{`null`, "the message is null"},
		{`"TrackingEvent"`, "must be a JSON object, not a string"},
		{`[]`, "must be a JSON object, not an array"},
		{`{"messageType": 7, "payload": {}}`, "messageType must be a string"},
		{`{"messageType": "Shipment", "payload": {}, "priority": 1}`, "priority is not a field"},
		{`{"messageType": null, "payload": {}}`, "messageType is required"},
		{`{"messageType": "", "payload": {}}`, "messageType is required"},
		{`{"payload": {}}`, "messageType is required"},
	}
	for _, c := range cases {
		p := validate(DecodeIncoming([]byte(c.raw)))
		if !strings.Contains(strings.Join(p, "; "), c.problem) {
			t.Errorf("%s: %v, want a problem mentioning %q", c.raw, p, c.problem)
		}
	}
}

func TestForStorageKeepsInvalidMessagesSmall(t *testing.T) {
	huge := strings.Repeat("x", 500_000)
	in := Incoming{MessageType: huge, ExternalReference: huge, Payload: []byte(`{"trackingNumber":"` + huge + `"}`)}
	m := request.Message{ID: "m", Type: in.MessageType, ExternalReference: in.ExternalReference, Payload: string(in.Payload), Status: "Invalid", Errors: validate(in)}
	m = forStorage(m)
	size := len(m.Payload) + len(m.Type) + len(m.ExternalReference)
	for _, e := range m.Errors {
		size += len(e)
	}
	if size > 4<<10 {
		t.Fatalf("an invalid message stores %d bytes", size)
	}
}

// FuzzMessage feeds one message of a request, as sent, through decoding,
// validation and the shape it is stored in: nothing panics, and whatever
// is stored fits well within a DynamoDB item.
func FuzzMessage(f *testing.F) {
	n := "612345678901234567890123"
	for _, s := range []string{
		`{"messageType":"TrackingEvent","externalReference":"ev-1","payload":{"trackingNumber":"` + n + `","status":"dispatched_by_sender","originStatus":"NWP","agency":"Kraków","datetime":"2015-09-17T11:28:00.000+02:00"}}`,
		`{"messageType":"Shipment","externalReference":"sh-1","payload":{"trackingNumber":"` + n + `","type":"inpost_locker_standard","service":"inpost_locker_standard","customAttributes":{"size":"A"}}}`,
		`{"messageType":"ServiceChange","payload":{"trackingNumber":"` + n + `","service":"x","datetime":"2015-09-17T10:28:00Z"}}`,
		`null`, `{}`, `{"messageType":null,"payload":null}`, `{"messageType":"Shipment","payload":{"a":1,"a":2}}`,
		`{"messageType":"TrackingEvent","payload":{"trackingNumber":"` + n + `","status":"\u0000","datetime":"9999-12-31T23:59:59Z"}}`,
	} {
		f.Add([]byte(s))
	}
	// The messages of the sample injection under events/.
	data, err := os.ReadFile(filepath.Join("..", "..", "events", "messages", "inject-messages.json"))
	if err != nil {
		f.Fatal(err)
	}
	var ev struct{ Body string }
	var body struct{ Messages []json.RawMessage }
	if err := json.Unmarshal(data, &ev); err != nil || json.Unmarshal([]byte(ev.Body), &body) != nil || len(body.Messages) == 0 {
		f.Fatalf("events/messages/inject-messages.json holds no messages: %v", err)
	}
	for _, m := range body.Messages {
		f.Add([]byte(m))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		in := DecodeIncoming(raw)
		p := validate(in)
		m := request.Message{ID: "m", Type: in.MessageType, ExternalReference: in.ExternalReference, Payload: string(in.Payload), Status: "Queued"}
		if len(p) > 0 {
			m.Status, m.Errors = "Invalid", p
		}
		m = forStorage(m)
		size := len(m.Payload) + len(m.Type) + len(m.ExternalReference)
		for _, e := range m.Errors {
			size += len(e)
		}
		if size > MaxPayloadBytes+4<<10 {
			t.Fatalf("a message stores %d bytes", size)
		}
		if m.Status == "Queued" {
			if _, err := parseEvent(m); m.Type == TypeTrackingEvent && err != nil {
				t.Fatalf("a valid event cannot be applied: %v", err)
			}
		}
	})
}
