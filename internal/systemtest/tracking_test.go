package systemtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/apitest"
	"github.com/parcelgate/parcelgate/internal/request"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

const seedNumber = "612345678901234567890123"

type msg struct {
	MessageType       string `json:"messageType"`
	ExternalReference string `json:"externalReference,omitempty"`
	Payload           any    `json:"payload"`
}

func event(number, status, origin string, agency any, datetime string) msg {
	p := map[string]any{"trackingNumber": number, "status": status, "datetime": datetime}
	if origin != "" {
		p["originStatus"] = origin
	}
	if agency != nil {
		p["agency"] = agency
	}
	return msg{MessageType: "TrackingEvent", ExternalReference: "ev-" + status, Payload: p}
}

// inject sends messages and waits until the processor has finished them.
func inject(t *testing.T, e *apitest.Env, token, batch string, msgs ...msg) request.Request {
	t.Helper()
	var out struct {
		Data struct {
			ID             string `json:"id"`
			BatchReference string `json:"batchReference"`
			RequestStatus  string `json:"requestStatus"`
		} `json:"data"`
		Error   any  `json:"error"`
		Success bool `json:"success"`
	}
	e.Call(t, "POST", "/v1/messages", token, map[string]any{"batchReference": batch, "messages": msgs}).Want(t, 202).JSON(t, &out)
	if !out.Success || out.Error != nil || out.Data.BatchReference != batch || out.Data.ID == "" {
		t.Fatalf("202 envelope %+v", out)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		r, err := e.API.Messages.Store.Request(context.Background(), out.Data.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !r.ProcessedAt.IsZero() {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("request %s not processed: %+v", out.Data.ID, r.Summary)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// seedShipment is ShipX's example as a Shipment message.
func seedShipment(extra map[string]any) msg {
	attrs := map[string]any{
		"size":            "A",
		"target_point_id": "KRA000",
		"target_machine_detail": map[string]any{
			"href":                 "https://api-pl-points.easypack24.net/v1/points/AAA000",
			"name":                 "AAA000",
			"opening_hours":        "PN-PT 09:00-16:00",
			"location_description": "Beta Agencja Usługowo-Finansowa",
			"location":             map[string]any{"latitude": 50.26899, "longitude": 18.97812},
			"address":              map[string]any{"line1": "ul.Reymonta 999", "line2": "33-333 Kraków"},
			"type":                 []any{"parcel_locker"},
		},
	}
	for k, v := range extra {
		attrs[k] = v
	}
	// ShipX's resource shows "expected_flow": [] (its flows were retired,
	// "wygaszone"), so its sender says so; without expectedFlow the statuses
	// ahead are derived (TestTrackingDerivesCreatedAtAndExpectedFlow).
	return msg{MessageType: "Shipment", ExternalReference: "sh-1", Payload: map[string]any{
		"trackingNumber": seedNumber, "type": "inpost_locker_standard", "service": "inpost_locker_standard",
		"customAttributes": attrs, "createdAt": "2015-09-17T08:00:00.000+02:00", "expectedFlow": []any{},
	}}
}

// ShipX's example resource, its JSON mistakes (missing and trailing
// commas) mended.
const seedResource = `{
	"tracking_number": "612345678901234567890123",
	"type": "inpost_locker_standard",
	"service": "inpost_locker_standard",
	"status": "dispatched_by_sender",
	"custom_attributes": {
		"size": "A",
		"target_point_id": "KRA000",
		"target_machine_detail": {
			"href": "https://api-pl-points.easypack24.net/v1/points/AAA000",
			"name": "AAA000",
			"opening_hours": "PN-PT 09:00-16:00",
			"location_description": "Beta Agencja Usługowo-Finansowa",
			"location": {"latitude": 50.26899, "longitude": 18.97812},
			"address": {"line1": "ul.Reymonta 999", "line2": "33-333 Kraków"},
			"type": ["parcel_locker"]
		}
	},
	"tracking_details": [
		{"status": "dispatched_by_sender", "origin_status": "NWP", "agency": "Kraków", "datetime": "2015-09-17T11:28:00.000+02:00"},
		{"status": "confirmed", "origin_status": "PPN", "agency": null, "datetime": "2015-09-17T10:28:00.000+02:00"}
	],
	"expected_flow": [],
	"created_at": "2015-09-17T08:00:00.000+02:00",
	"updated_at": "2015-09-17T11:28:00.000+02:00"
}`

func decodeAny(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("%s: %v", data, err)
	}
	return v
}

// shipXFields is a tracking resource with only ShipX's fields: the tag
// and subtag added beside them (on the resource and on every detail) are
// checked to be there, as want says (current tag, then each detail's
// subtag, newest first), and removed; so are the estimated deliveries
// (learned and the carrier's) added beside them (its shape is the schema's, which every answer is checked
// against).
func shipXFields(t *testing.T, data []byte, want ...string) any {
	t.Helper()
	v, _ := decodeAny(t, data).(map[string]any)
	got := []string{fmt.Sprint(v["tag"]), fmt.Sprint(v["subtag"])}
	delete(v, "tag")
	delete(v, "subtag")
	if _, ok := v["estimated_delivery"]; !ok {
		t.Errorf("no estimated_delivery in %s", data)
	}
	delete(v, "estimated_delivery")
	if _, ok := v["carrier_estimated_delivery"]; !ok {
		t.Errorf("no carrier_estimated_delivery in %s", data)
	}
	delete(v, "carrier_estimated_delivery")
	details, _ := v["tracking_details"].([]any)
	for _, d := range details {
		d, _ := d.(map[string]any)
		got = append(got, fmt.Sprint(d["subtag"]))
		delete(d, "tag")
		delete(d, "subtag")
	}
	if !slices.Equal(got, want) {
		t.Errorf("tags %v, want %v", got, want)
	}
	return v
}

// seedTags are the tags of the ShipX example: dispatched by the sender
// (picked up, in transit), after confirmed (information received).
var seedTags = []string{"InTransit", "InTransit_PickedUp", "InTransit_PickedUp", "InfoReceived_Other"}

func TestTrackingSeedResourceReproduced(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, token := e.Token(t, "inpost")
	// Before any data: ShipX's 404, field for field.
	r := e.Call(t, "GET", "/v1/tracking/"+seedNumber, "", nil).Want(t, 404)
	want404 := `{"status": 404, "error": "resource_not_found", "description": "Tracking information about 612345678901234567890123 InPost Locker shipment has not been found.", "details": null}`
	if !reflect.DeepEqual(decodeAny(t, r.Body), decodeAny(t, []byte(want404))) {
		t.Fatalf("404 body %s", r.Body)
	}

	inject(t, e, token, "ABC12345",
		seedShipment(nil),
		event(seedNumber, "confirmed", "PPN", nil, "2015-09-17T10:28:00.000+02:00"),
		event(seedNumber, "dispatched_by_sender", "NWP", "Kraków", "2015-09-17T11:28:00.000+02:00"),
	)
	r = e.Call(t, "GET", "/v1/tracking/"+seedNumber, "", nil).Want(t, 200)
	if got, want := shipXFields(t, r.Body, seedTags...), decodeAny(t, []byte(seedResource)); !reflect.DeepEqual(got, want) {
		t.Fatalf("resource\n%s\nwant ShipX's (tag and subtag added)\n%s", r.Body, seedResource)
	}
	if r.Header.Get("Content-Type") != "application/json" || r.Header.Get("ETag") == "" || r.Header.Get("Cache-Control") == "" {
		t.Fatalf("headers %v", r.Header)
	}
	if lm := r.Header.Get("Last-Modified"); lm != "Thu, 17 Sep 2015 09:28:00 GMT" {
		t.Errorf("Last-Modified %q", lm)
	}
	req, _ := http.NewRequest("GET", "/v1/tracking/"+seedNumber, nil)
	req.Header.Set("If-None-Match", r.Header.Get("ETag"))
	if got := e.Do(t, req).Want(t, 304); len(got.Body) != 0 {
		t.Fatalf("304 with a body: %s", got.Body)
	}
}

// A Shipment message without createdAt or expectedFlow: created_at is
// when parcelgate first heard of the parcel, and expected_flow the statuses
// of its type's flow still ahead of the current one.
func TestTrackingDerivesCreatedAtAndExpectedFlow(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, token := e.Token(t, "inpost")
	known := e.Clock()
	var res struct {
		Status       string   `json:"status"`
		ExpectedFlow []string `json:"expected_flow"`
		CreatedAt    *string  `json:"created_at"`
	}
	get := func() {
		t.Helper()
		e.Call(t, "GET", "/v1/tracking/"+seedNumber, "", nil).Want(t, 200).JSON(t, &res)
	}
	// Events first: the number is known before its Shipment message.
	inject(t, e, token, "ev", event(seedNumber, "confirmed", "PPN", nil, "2015-09-17T10:28:00.000+02:00"))
	e.Advance(time.Hour)
	shipment := msg{MessageType: "Shipment", Payload: map[string]any{"trackingNumber": seedNumber, "type": "inpost_locker_standard"}}
	inject(t, e, token, "sh", shipment)
	get()
	if want := known.UTC().Format("2006-01-02T15:04:05.000Z"); res.CreatedAt == nil || *res.CreatedAt != want {
		t.Fatalf("created_at %v, want the first time the number was known, %s", res.CreatedAt, want)
	}
	flow, _ := tracking.Flow("inpost_locker_standard")
	want := flow[slices.Index(flow, "confirmed")+1:]
	if !slices.Equal(res.ExpectedFlow, want) {
		t.Fatalf("expected_flow %v after %s, want %v", res.ExpectedFlow, res.Status, want)
	}
	inject(t, e, token, "done", event(seedNumber, "delivered", "DOR", nil, "2015-09-19T10:28:00.000+02:00"))
	get()
	if res.Status != "delivered" || len(res.ExpectedFlow) != 0 || res.ExpectedFlow == nil {
		t.Fatalf("final status %s with expected_flow %v", res.Status, res.ExpectedFlow)
	}
}

func TestTracking400UnknownNumber(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	r := e.Call(t, "GET", "/v1/tracking/HELLO123", "", nil).Want(t, 400)
	want := `{"status": 400, "error": "uknown_tracking_number", "message": "Cannot identify type of shipment by given tracking number (HELLO123)", "details": null}`
	if !reflect.DeepEqual(decodeAny(t, r.Body), decodeAny(t, []byte(want))) {
		t.Fatalf("400 body %s", r.Body)
	}
	e.Call(t, "GET", "/v1/tracking/HELLO123/service_history", "", nil).Want(t, 400)
}

func TestTrackingOutOfOrderAndDuplicateEvents(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, token := e.Token(t, "carrier")
	n := dhl(77)
	times := []string{"2026-03-01T08:00:00Z", "2026-03-01T10:30:00+01:00", "2026-03-01T12:00:00Z", "2026-03-02T07:15:00.5-05:00"}
	statuses := []string{"label_created", "picked_up", "in_transit", "delivered"}
	ev := func(i int) msg { return event(n, statuses[i], strings.ToUpper(statuses[i][:3]), "Hub", times[i]) }
	inject(t, e, token, "b1", ev(2), ev(0), ev(2))
	inject(t, e, token, "b2", ev(3), ev(1), ev(0))
	inject(t, e, token, "b3", ev(1)) // older than the current status: history only

	var res struct {
		Status          string `json:"status"`
		UpdatedAt       string `json:"updated_at"`
		TrackingDetails []struct {
			Status   string `json:"status"`
			Datetime string `json:"datetime"`
		} `json:"tracking_details"`
	}
	e.Call(t, "GET", "/v1/tracking/"+n, "", nil).Want(t, 200).JSON(t, &res)
	if res.Status != "delivered" || res.UpdatedAt != times[3] {
		t.Fatalf("current status %s at %s", res.Status, res.UpdatedAt)
	}
	if len(res.TrackingDetails) != 4 {
		t.Fatalf("history %+v", res.TrackingDetails)
	}
	for i, d := range res.TrackingDetails {
		if d.Status != statuses[3-i] || d.Datetime != times[3-i] {
			t.Fatalf("history not newest first: %+v", res.TrackingDetails)
		}
	}
	var page struct {
		TrackingDetails []any `json:"tracking_details"`
	}
	e.Call(t, "GET", "/v1/tracking/"+n+"?limit=2", "", nil).Want(t, 200).JSON(t, &page)
	if len(page.TrackingDetails) != 2 {
		t.Fatalf("limit=2 gave %d events", len(page.TrackingDetails))
	}
	e.Call(t, "GET", "/v1/tracking/"+n+"?limit=101", "", nil).Want(t, 400)
}

func TestTrackingNeverShowsSecureDetails(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, token := e.Token(t, "inpost")
	inject(t, e, token, "secure", seedShipment(map[string]any{
		"signature":         "data:image/png;base64,AAAA",
		"recipient":         map[string]any{"name": "Jan Kowalski", "address": "ul. Prywatna 1"},
		"address":           map[string]any{"line1": "ul. Prywatna 1"},
		"recipient_address": "ul. Prywatna 1",
		"delivery":          map[string]any{"receiver_signature": "xyz", "window": "9-12"},
	}))
	r := e.Call(t, "GET", "/v1/tracking/"+seedNumber, "", nil).Want(t, 200)
	for _, secret := range []string{"signature", "recipient", "Prywatna", "Kowalski", "receiver"} {
		if strings.Contains(string(r.Body), secret) {
			t.Errorf("resource contains %q: %s", secret, r.Body)
		}
	}
	if !strings.Contains(string(r.Body), `"window":"9-12"`) {
		t.Errorf("non-secure attribute dropped: %s", r.Body)
	}
}

func TestServiceHistoryAndFlow(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, token := e.Token(t, "inpost")
	sc := func(service, at string) msg {
		return msg{MessageType: "ServiceChange", Payload: map[string]any{"trackingNumber": seedNumber, "service": service, "datetime": at}}
	}
	inject(t, e, token, "svc", seedShipment(nil), sc("inpost_courier_standard", "2015-09-18T09:00:00+02:00"), sc("inpost_locker_standard", "2015-09-17T09:00:00+02:00"))
	var h struct {
		Href           string `json:"href"`
		ID             string `json:"id"`
		ServiceHistory struct {
			LastService string `json:"last_service"`
			UpdatedAt   string `json:"updated_at"`
		} `json:"service_history"`
	}
	e.Call(t, "GET", "/v1/tracking/"+seedNumber+"/service_history", "", nil).Want(t, 200).JSON(t, &h)
	if h.ID != seedNumber || !strings.HasSuffix(h.Href, "/v1/tracking/"+seedNumber+"/service_history") ||
		h.ServiceHistory.LastService != "inpost_courier_standard" || h.ServiceHistory.UpdatedAt != "2015-09-18T09:00:00+02:00" {
		t.Fatalf("service history %+v", h)
	}
	var flow struct {
		Type         string   `json:"type"`
		ExpectedFlow []string `json:"expected_flow"`
	}
	e.Call(t, "GET", "/v1/tracking/flow/inpost_locker_standard", "", nil).Want(t, 200).JSON(t, &flow)
	if flow.Type != "inpost_locker_standard" || len(flow.ExpectedFlow) < 5 || flow.ExpectedFlow[len(flow.ExpectedFlow)-1] != "delivered" {
		t.Fatalf("flow %+v", flow)
	}
	e.Call(t, "GET", "/v1/tracking/flow/teleport", "", nil).Want(t, 404)
}

func TestMessagesInvalidAmongValid(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, token := e.Token(t, "carrier")
	n := dhl(5)
	r := inject(t, e, token, "mixed",
		event(n, "picked_up", "PU", nil, "2026-03-01T08:00:00Z"),
		msg{MessageType: "Teleport", ExternalReference: "bad-type", Payload: map[string]any{"trackingNumber": n}},
		event(n, "", "", nil, "yesterday"),
		event("HELLO", "picked_up", "", nil, "2026-03-01T08:00:00Z"),
		msg{MessageType: "Shipment", ExternalReference: "bad-field", Payload: map[string]any{"trackingNumber": n, "type": "parcel_express", "color": "red"}},
		event(n, "in_transit", "IT", nil, "2026-03-01T09:00:00Z"),
	)
	if r.Summary.Total != 6 || r.Summary.Complete != 2 || r.Summary.Invalid != 4 || r.Summary.Status() != "Complete" {
		t.Fatalf("summary %+v", r.Summary)
	}
	outcomes, err := e.API.Messages.Store.Outcomes(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	wantErr := map[int]string{1: "messageType", 2: "status is required", 3: "cannot identify", 4: "color"}
	for i, m := range outcomes {
		if frag, bad := wantErr[i]; bad {
			if m.Status != "Invalid" || len(m.Errors) == 0 || !strings.Contains(strings.Join(m.Errors, "; "), frag) {
				t.Errorf("message %d: %s %v, want Invalid mentioning %q", i, m.Status, m.Errors, frag)
			}
		} else if m.Status != "Complete" || m.ProcessedAt.IsZero() {
			t.Errorf("message %d: %s", i, m.Status)
		}
	}
	var res struct{ Status string }
	e.Call(t, "GET", "/v1/tracking/"+n, "", nil).Want(t, 200).JSON(t, &res)
	if res.Status != "in_transit" {
		t.Fatalf("status %s", res.Status)
	}
}

func TestMessages400Envelope(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, token := e.Token(t, "carrier")
	many := make([]msg, 1001)
	for i := range many {
		many[i] = event(dhl(i), "picked_up", "", nil, "2026-03-01T08:00:00Z")
	}
	cases := map[string]struct {
		body any
		code string
	}{
		"1,001 messages":     {map[string]any{"batchReference": "big", "messages": many}, "TOO_MANY_MESSAGES"},
		"no batchReference":  {map[string]any{"messages": many[:1]}, "MISSING_BATCH_REFERENCE"},
		"malformed":          {`{"batchReference": "x", "messages": [`, "BAD_REQUEST"},
		"no messages":        {map[string]any{"batchReference": "x", "messages": []msg{}}, "NO_MESSAGES"},
		"messages an object": {`{"batchReference": "x", "messages": {}}`, "BAD_REQUEST"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			var out struct {
				Data  any `json:"data"`
				Error struct {
					Code    string `json:"code"`
					Message string `json:"message"`
				} `json:"error"`
				Success bool `json:"success"`
			}
			e.Call(t, "POST", "/v1/messages", token, c.body).Want(t, 400).JSON(t, &out)
			if out.Success || out.Data != nil || out.Error.Code != c.code || out.Error.Message == "" {
				t.Fatalf("envelope %+v", out)
			}
		})
	}
	var big struct {
		Error struct{ Code string } `json:"error"`
	}
	huge := `{"batchReference": "x", "messages": [{"messageType": "Shipment", "payload": {"pad": "` + strings.Repeat("x", 5<<20) + `"}}]}`
	e.Call(t, "POST", "/v1/messages", token, huge).Want(t, 413).JSON(t, &big)
	if big.Error.Code != "PAYLOAD_TOO_LARGE" {
		t.Fatalf("413 envelope code %q", big.Error.Code)
	}
	e.Call(t, "POST", "/v1/messages", "", map[string]any{"batchReference": "x", "messages": many[:1]}).Want(t, 401)
}
