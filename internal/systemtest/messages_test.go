package systemtest

import (
	"reflect"
	"strings"
	"testing"

	"github.com/parcelgate/parcelgate/internal/apitest"
)

// A number's data belongs to the client that sent the first data for it.
func TestMessagesForAnotherClientsNumberInvalid(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, owner := e.Token(t, "inpost")
	_, other := e.Token(t, "intruder")
	inject(t, e, owner, "ABC12345",
		seedShipment(nil),
		event(seedNumber, "confirmed", "PPN", nil, "2015-09-17T10:28:00.000+02:00"),
		event(seedNumber, "dispatched_by_sender", "NWP", "Kraków", "2015-09-17T11:28:00.000+02:00"),
	)
	r := inject(t, e, other, "hijack",
		event(seedNumber, "delivered", "DOR", "Nowhere", "2015-09-18T10:00:00.000+02:00"),
		msg{MessageType: "Shipment", ExternalReference: "sh-x", Payload: map[string]any{"trackingNumber": seedNumber, "type": "inpost_courier_standard", "customAttributes": map[string]any{"size": "C"}}},
		msg{MessageType: "ServiceChange", ExternalReference: "svc-x", Payload: map[string]any{"trackingNumber": seedNumber, "service": "inpost_courier_standard", "datetime": "2015-09-18T09:00:00+02:00"}},
		event(dhl(42), "picked_up", "", nil, "2026-03-01T08:00:00Z"), // its own number
	)
	if r.Summary.Total != 4 || r.Summary.Invalid != 3 || r.Summary.Complete != 1 {
		t.Fatalf("summary %+v", r.Summary)
	}
	var out trackerOut
	e.Call(t, "POST", "/v1/tracker", other, map[string]any{"search": []any{map[string]any{"by": "id", "value": r.ID}}}).Want(t, 200).JSON(t, &out)
	if len(out.Data.Requests) != 1 || out.Data.Requests[0].MessageStatusSummary.Invalid != 3 {
		t.Fatalf("tracker %+v", out.Data)
	}
	for i, m := range out.Data.Requests[0].Payload {
		if i == 3 {
			if m.MessageStatus != "Complete" {
				t.Fatalf("own number's message %+v", m)
			}
			continue
		}
		if m.MessageStatus != "Invalid" || len(m.Errors) != 1 || !strings.Contains(m.Errors[0].ErrorMessage, "belongs to another client") {
			t.Fatalf("message %d %+v", i, m)
		}
	}
	// The public resource is still the owner's, exactly.
	got := e.Call(t, "GET", "/v1/tracking/"+seedNumber, "", nil).Want(t, 200)
	if !reflect.DeepEqual(shipXFields(t, got.Body, seedTags...), decodeAny(t, []byte(seedResource))) {
		t.Fatalf("resource changed by another client: %s", got.Body)
	}
	var svc struct {
		ServiceHistory struct {
			LastService *string `json:"last_service"`
		} `json:"service_history"`
	}
	e.Call(t, "GET", "/v1/tracking/"+seedNumber+"/service_history", "", nil).Want(t, 200).JSON(t, &svc)
	if svc.ServiceHistory.LastService != nil && *svc.ServiceHistory.LastService != "" {
		t.Fatalf("service changed by another client: %+v", svc)
	}
	// The owner goes on as before.
	r = inject(t, e, owner, "more", event(seedNumber, "delivered", "DOR", "Kraków", "2015-09-18T12:00:00.000+02:00"))
	if r.Summary.Complete != 1 {
		t.Fatalf("owner's summary %+v", r.Summary)
	}
	var res struct {
		Status          string `json:"status"`
		TrackingDetails []struct {
			Agency *string `json:"agency"`
		} `json:"tracking_details"`
	}
	e.Call(t, "GET", "/v1/tracking/"+seedNumber, "", nil).Want(t, 200).JSON(t, &res)
	if res.Status != "delivered" || len(res.TrackingDetails) != 3 || *res.TrackingDetails[0].Agency != "Kraków" {
		t.Fatalf("after the owner's event: %+v", res)
	}
}
