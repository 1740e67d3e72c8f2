//go:build integration

package systemtest

// Emulator-only: reads the table's raw items.

import (
	"context"
	"encoding/json"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/parcelgate/parcelgate/internal/apitest"
)

// secretsIn returns every secret marker found in any item of the table.
// Only a test scans the table.
func secretsIn(t *testing.T, e *apitest.Env, marker *regexp.Regexp) []string {
	t.Helper()
	p := dynamodb.NewScanPaginator(dynamodb.NewFromConfig(e.AWS, localChecksums), &dynamodb.ScanInput{TableName: &e.Config.Table})
	var found []string
	items := 0
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, raw := range page.Items {
			items++
			var v map[string]any
			if err := attributevalue.UnmarshalMap(raw, &v); err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			found = append(found, marker.FindAllString(string(b), -1)...)
		}
	}
	if items == 0 {
		t.Fatal("the scan found no items")
	}
	return found
}

func TestMessagesNeverStoreSecureDetails(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, token := e.Token(t, "inpost")
	n := dhl(41)
	secretAttrs := map[string]any{
		"signature":         "SECRET-01",
		"recipient":         map[string]any{"name": "SECRET-02", "address": "SECRET-03"},
		"address":           map[string]any{"line1": "SECRET-04"},
		"recipient_address": "SECRET-05",
		"delivery":          map[string]any{"receiver_signature": "SECRET-06", "window": "9-12", "e-mail": "SECRET-07"},
		"contacts":          []any{map[string]any{"phone": "SECRET-08", "Email": "SECRET-09", "kind": "home"}},
		"Mobile":            "SECRET-10",
	}
	r := inject(t, e, token, "secure",
		// Applied: the secure details are stripped, the rest is kept.
		seedShipment(secretAttrs),
		// Invalid: nothing of the payload is stored.
		msg{MessageType: "Shipment", ExternalReference: "bad-type", Payload: map[string]any{"trackingNumber": n, "type": "rocket", "customAttributes": map[string]any{"signature": "SECRET-11"}}},
		msg{MessageType: "Shipment", ExternalReference: "extra-field", Payload: map[string]any{"trackingNumber": n, "type": "parcel_express", "signature": "SECRET-12"}},
		msg{MessageType: "TrackingEvent", ExternalReference: "event-extra", Payload: map[string]any{"trackingNumber": n, "status": "delivered", "datetime": "2026-03-01T08:00:00Z", "recipient": "SECRET-13"}},
		msg{MessageType: "ServiceChange", ExternalReference: "svc-extra", Payload: map[string]any{"trackingNumber": n, "service": "x", "datetime": "2026-03-01T08:00:00Z", "email": "SECRET-14"}},
		msg{MessageType: "Delivery", ExternalReference: "unknown-type", Payload: map[string]any{"trackingNumber": n, "signature": "SECRET-15", "phone": "SECRET-16"}},
		msg{MessageType: "Shipment", ExternalReference: "oversized", Payload: map[string]any{"trackingNumber": n, "type": "parcel_express", "customAttributes": map[string]any{"note": strings.Repeat("x", 17<<10), "signature": "SECRET-17"}}},
		event(seedNumber, "dispatched_by_sender", "NWP", "Kraków", "2015-09-17T11:28:00.000+02:00"),
	)
	if r.Summary.Total != 8 || r.Summary.Complete != 2 || r.Summary.Invalid != 6 {
		t.Fatalf("summary %+v", r.Summary)
	}
	if found := secretsIn(t, e, regexp.MustCompile(`SECRET-\d\d`)); len(found) > 0 {
		t.Fatalf("stored: %v", found)
	}
	// What the resource and the tracker show is still there.
	var res struct {
		Status           string         `json:"status"`
		CustomAttributes map[string]any `json:"custom_attributes"`
	}
	e.Call(t, "GET", "/v1/tracking/"+seedNumber, "", nil).Want(t, 200).JSON(t, &res)
	if res.Status != "dispatched_by_sender" || res.CustomAttributes["size"] != "A" ||
		!reflect.DeepEqual(res.CustomAttributes["delivery"], map[string]any{"window": "9-12"}) ||
		!reflect.DeepEqual(res.CustomAttributes["contacts"], []any{map[string]any{"kind": "home"}}) {
		t.Fatalf("resource %+v", res)
	}
	var out trackerOut
	e.Call(t, "POST", "/v1/tracker", token, map[string]any{"search": []any{map[string]any{"by": "id", "value": r.ID}}}).Want(t, 200).JSON(t, &out)
	if len(out.Data.Requests) != 1 || len(out.Data.Requests[0].Payload) != 8 {
		t.Fatalf("tracker %+v", out.Data)
	}
	for _, m := range out.Data.Requests[0].Payload {
		if m.ExternalReference == nil || m.MessageType == "" || (m.MessageStatus == "Invalid") != (len(m.Errors) > 0) {
			t.Fatalf("tracker message %+v", m)
		}
	}
}
