//go:build integration

package systemtest

// Emulator-only: reads the table's raw items.

import (
	"reflect"
	"strings"
	"testing"

	"github.com/parcelgate/parcelgate/internal/apitest"
	"github.com/parcelgate/parcelgate/internal/httpapi/texttest"
	"github.com/parcelgate/parcelgate/internal/openapi/conformance"
)

// TestEveryRouteRefusesHostileTextOverTheWire sends every hostile string
// (invalid UTF-8, lone surrogates, controls, line separators, bidi
// formatting, a byte order mark, length) in every path segment, query
// parameter and body of every route, against a project holding a record,
// and wants each refused with a 400 in the route's shape and the table
// exactly as it was.
func TestEveryRouteRefusesHostileTextOverTheWire(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	base, token := dataProject(t, e)
	e.Call(t, "POST", base+"/customer", token, map[string]any{"customer_ID": "C1", "name": "Acme"}).Want(t, 201)
	doc, err := conformance.Load()
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]string{
		"projectId": strings.TrimPrefix(base, "/v1/data/"), "principalId": "reader-1", "clientId": "ops-1", "jobId": "j1", "webhookId": "wh_1",
		"entity": "customer", "entityName": "customer", "code": "C1", "importId": "i1", "outboxId": "o1", "taskId": "t1",
		"tracking_number": "1Z999AA10123456784", "shipment_type": "parcel",
	}
	cases, err := texttest.Cases(doc, values)
	if err != nil {
		t.Fatal(err)
	}
	before := e.Items(t)
	for _, c := range cases {
		req, err := c.Request("")
		if err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		if !c.Route.Public {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		r := e.Do(t, req)
		if msg := texttest.Refused(c, r.Status, r.Header, r.Body); msg != "" {
			t.Errorf("%s: %s", c, msg)
		}
	}
	if after := e.Items(t); !reflect.DeepEqual(after, before) {
		t.Fatalf("refused requests changed the table:\nbefore %v\nafter  %v", apitest.Keys(before), apitest.Keys(after))
	}
	t.Logf("%d requests refused", len(cases))
}
