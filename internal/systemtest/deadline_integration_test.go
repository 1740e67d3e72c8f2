//go:build integration

package systemtest

// Emulator-only: a frozen DynamoDB endpoint.

import (
	"bytes"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/apitest"
	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/awsclient"
	"github.com/parcelgate/parcelgate/internal/httpapi"
)

// needsNoStore are the routes answered from the code alone: a frozen
// store does not concern them, and they answer as usual.
var needsNoStore = map[string]bool{
	"GET /.well-known/jwks.json":            true,
	"GET /openapi.yaml":                     true,
	"GET /v1/carriers":                      true,
	"GET /v1/carriers/detect":               true,
	"GET /v1/tracking/flow/{shipment_type}": true,
}

// pathValues fill the routes' path parameters with values that pass
// every check made before the store.
var pathValues = strings.NewReplacer(
	"{projectId}", "p-frozen", "{principalId}", "ops-2", "{jobId}", "j-frozen",
	"{tracking_number}", "1Z999AA10123456784", "{shipment_type}", "inpost_locker_standard",
	"{entityName}", "shipment", "{entity}", "shipment", "{code}", "SH-1",
	"{importId}", "i-frozen", "{webhookId}", "wh_frozen", "{outboxId}", "o-frozen", "{taskId}", "t-frozen",
)

// frozenRequests are what a route needs besides its path to get as far as
// the store: a query or a body that passes its checks. A new route that
// needs one and has none fails the test, naming it.
var frozenRequests = map[string]struct{ query, body string }{
	"POST /v1/auth/token": {body: `{"clientId": "ops-1", "clientSecret": "s3cret-s3cret-s3cret"}`},
	"POST /v1/projects":   {body: `{"name": "p"}`},
	"PUT /v1/projects/{projectId}/members/{principalId}": {body: `{"role": "contributor"}`},
	"POST /v1/projects/{projectId}/tracking-number-jobs": {body: `{"action": "ADD", "trackingNumbers": [{"trackingNumber": "1Z999AA10123456784"}]}`},
	"POST /v1/messages":                                         {body: `{"batchReference": "b", "messages": [{"messageType": "Shipment", "payload": {"trackingNumber": "` + seedNumber + `", "type": "inpost_locker_standard"}}]}`},
	"POST /v1/tracker":                                          {body: `{}`},
	"PUT /v1/projects/{projectId}/licences":                     {body: `{"licences": 2}`},
	"POST /v1/projects/{projectId}/webhooks/{webhookId}/replay": {body: `{"since": "2026-01-01T00:00:00Z"}`},
	"POST /v1/data/{projectId}/tasks":                           {body: `[{"code": "renewSubscriptions"}]`},
	"POST /v1/data/{projectId}/outbox/report": {body: `{"baseOutbox_ID": "OUT-1", "confreport_ID": "TRACK", "rowID": "S-1", "sourceEntity": "shipment",
		"baseUser_ID": "U-1", "messageSubject": "s", "messageBody": "b", "filename": "f", "emailto": ["a@shop.example"]}`},
	"GET /v1/carriers/detect": {query: "trackingNumber=1Z999AA10123456784"},
}

// Every route of the table answers a frozen table and queue within the
// request's deadline (1 s here, through the same setting as the
// production 10 s; its last tenth, kept for carrying the answer back, is
// 100 ms, which a loaded machine's scheduling needs): 503 with Retry-After in the route's own shape, never
// a 500 or a hang; a route that needs no store answers as usual. The
// times asserted are the deadline wrapper's own measure from arrival.
func TestEveryRoute503WithinDeadlineOnAFrozenStore(t *testing.T) {
	t.Parallel()
	const bound = time.Second
	var mu sync.Mutex
	observed := map[string]httpapi.Answered{}
	e := apitest.StartWith(t, apitest.Options{
		AWS:      awsclient.Options{DynamoDBEndpoint: apitest.FrozenEndpoint(t), SQSEndpoint: apitest.FrozenEndpoint(t)},
		Deadline: bound,
		Observe: func(a httpapi.Answered) {
			mu.Lock()
			defer mu.Unlock()
			observed[a.Route] = a
		},
	})
	token, err := e.API.Issuer.Issue(auth.Principal{ID: "ops-1", ClientID: "ops"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("routes", func(t *testing.T) {
		for _, rt := range httpapi.Routes {
			t.Run(rt.Pattern(), func(t *testing.T) {
				t.Parallel()
				extra := frozenRequests[rt.Pattern()]
				path := pathValues.Replace(rt.Path)
				if extra.query != "" {
					path += "?" + extra.query
				}
				var body *bytes.Reader
				if extra.body == "" && rt.Method != http.MethodGet && rt.Method != http.MethodDelete {
					extra.body = "{}"
				}
				body = bytes.NewReader([]byte(extra.body))
				req, err := http.NewRequest(rt.Method, path, body)
				if err != nil {
					t.Fatal(err)
				}
				if extra.body != "" {
					req.Header.Set("Content-Type", "application/json")
				}
				if !rt.Public {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				r := e.Do(t, apitest.Allow503(req))
				mu.Lock()
				a, ok := observed[rt.Pattern()]
				mu.Unlock()
				if !ok {
					t.Fatalf("answered %d without the deadline wrapper", r.Status)
				}
				if a.Elapsed >= bound || a.StoreBudget != bound*8/10 {
					t.Errorf("answered %s after arrival (late %v) with %s for the store; the deadline is %s", a.Elapsed, a.Late, a.StoreBudget, bound)
				}
				if needsNoStore[rt.Pattern()] {
					if r.Status >= 400 {
						t.Errorf("a route needing no store answered %d: %s", r.Status, r.Body)
					}
					return
				}
				if r.Status != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" {
					t.Fatalf("%d (Retry-After %q): %s; give the route a request that reaches the store (frozenRequests), or list it in needsNoStore",
						r.Status, r.Header.Get("Retry-After"), r.Body)
				}
				if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
					if code, _ := refusal(t, r.Body); !strings.HasSuffix(code, "UNAVAILABLE") {
						t.Errorf("code %s: %s", code, r.Body)
					}
				}
			})
		}
	})
}
