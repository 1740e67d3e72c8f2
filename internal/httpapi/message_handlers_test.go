package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/parcelgate/parcelgate/internal/outage"
)

// inject posts the sample batch and processes it, as the worker would.
func (m *memAPI) inject(token string) {
	m.t.Helper()
	var env struct {
		Data acceptedBody `json:"data"`
	}
	m.must(202, &env, "POST", "/v1/messages", token, sampleBody(m.t, "messages/inject-messages.json"))
	if err := m.api.Messages.Process(context.Background(), env.Data.ID); err != nil {
		m.t.Fatal(err)
	}
}

func TestMessageAndTrackerHandlers(t *testing.T) {
	m := newMemAPI(t)
	token := m.client("acme", "acme-ops")
	m.inject(token)
	unknownStatus := `{"batchReference":"b1","messages":[{"messageType":"TrackingEvent","externalReference":"ev-9","payload":{"trackingNumber":"612345678901234567890123","status":"teleported","datetime":"2015-09-18T10:00:00.000+02:00"}}]}`
	var env struct {
		Data acceptedBody `json:"data"`
	}
	m.must(202, &env, "POST", "/v1/messages", token, unknownStatus)
	if err := m.api.Messages.Process(context.Background(), env.Data.ID); err != nil {
		t.Fatal(err)
	}
	search := sampleBody(t, "tracker/search.json")
	m.run(token, []exchange{
		{name: "inject202", method: "POST", path: "/v1/messages", body: `{"batchReference":"b2","messages":[{"messageType":"Nonsense"}]}`, status: 202, want: `"success":true`},
		{name: "inject400Envelope", method: "POST", path: "/v1/messages", body: `{"messages":`, status: 400, want: `"success":false`},
		{name: "inject400UnknownField", method: "POST", path: "/v1/messages", body: `{"messages":[],"x":1}`, status: 400, want: `"error":{"code":"BAD_REQUEST"`},
		{name: "inject400None", method: "POST", path: "/v1/messages", body: `{"batchReference":"b3","messages":[]}`, status: 400, want: `"success":false`},
		{name: "inject415Envelope", method: "POST", path: "/v1/messages", body: `{}`, headers: []string{"Content-Type", "text/plain"}, status: 415, want: `"code":"UNSUPPORTED_MEDIA_TYPE"`},
		{name: "unmapped200", method: "GET", path: "/v1/messages/unmapped-statuses", status: 200, want: `"status":"teleported"`},
		{name: "search200", method: "POST", path: "/v1/tracker", body: search, status: 200, want: `"success":true`},
		{name: "search400Envelope", method: "POST", path: "/v1/tracker", body: `{"paging":{"size":"1000"}}`, status: 400, want: `"success":false`},
		{name: "search400NotJSON", method: "POST", path: "/v1/tracker", body: `nope`, status: 400, want: `"success":false`},
		{name: "search415Envelope", method: "POST", path: "/v1/tracker", body: search, headers: []string{"Content-Type", "text/plain"}, status: 415, want: `"success":false`},
	})
	// Stored but not queued: 503 in the envelope, with the request as stored.
	m.queue.fail = outage.Wrap(errors.New("queue down"))
	rec := m.must(503, nil, "POST", "/v1/messages", token, sampleBody(t, "messages/inject-messages.json"))
	var got envelope
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || got.Error == nil || got.Error.Code != "QUEUE_UNAVAILABLE" || got.Data == nil || rec.Header().Get("Retry-After") != "30" {
		t.Errorf("inject503NotQueued: %v %s", rec.Header(), rec.Body)
	}
	if !strings.Contains(rec.Body.String(), `"requestStatus":"`) {
		t.Errorf("inject503NotQueued: no request in %s", rec.Body)
	}
}
