package systemtest

import (
	"context"
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

// A finished message request delivered again, by the queue or as a dead
// letter, is found as before: under its own statuses only, with the same
// summary and messages. Over the wire the delivery reads the request's
// markers and finds them moved (messages_crash_integration_test.go has
// them left behind); on memory there is nothing to move.
func TestAFinishedMessageRequestDeliveredAgainIsFoundAsBefore(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, token := e.Token(t, "acme")
	r := inject(t, e, token, "again",
		event(dhl(8500), "confirmed", "", nil, "2026-03-01T08:00:00Z"),
		msg{MessageType: "Teleport", ExternalReference: "tp-again", Payload: map[string]any{}},
	)
	e.AwaitIdle(t)
	found := func() map[string]any {
		t.Helper()
		out := map[string]any{}
		for _, st := range []string{"Queued", "Processing", "Complete", "Invalid", "Failed"} {
			var res trackerOut
			e.Call(t, "POST", "/v1/tracker", token, crit("messageStatus", st)).Want(t, 200).JSON(t, &res)
			out[st] = ids(res)
		}
		var byID trackerOut
		e.Call(t, "POST", "/v1/tracker", token, crit("id", r.ID)).Want(t, 200).JSON(t, &byID)
		out["request"] = byID.Data.Requests
		return out
	}
	before := found()
	for _, st := range []string{"Queued", "Processing", "Complete", "Invalid", "Failed"} {
		if got, want := len(before[st].([]string)), map[string]int{"Complete": 1, "Invalid": 1}[st]; got != want {
			t.Fatalf("finished request found as %s %d times, want %d: %v", st, got, want, before)
		}
	}
	ctx := context.Background()
	if err := e.API.Messages.Process(ctx, r.ID); err != nil {
		t.Fatalf("delivered again: %v", err)
	}
	if err := e.API.Messages.Fail(ctx, r.ID, "processing failed on every retry"); err != nil {
		t.Fatalf("dead-lettered: %v", err)
	}
	if after := found(); !reflect.DeepEqual(after, before) {
		t.Fatalf("delivered again, found as\n%v\nwas\n%v", after, before)
	}
}
