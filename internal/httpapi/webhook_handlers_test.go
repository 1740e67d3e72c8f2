package httpapi

import (
	"context"
	"encoding/json"
	"testing"
)

func TestWebhookHandlers(t *testing.T) {
	m := newMemAPI(t)
	admin := m.client("acme", "acme-ops")
	p := m.project(admin)
	base := "/v1/projects/" + p + "/webhooks"
	var created webhookBody
	rec := m.must(201, &created, "POST", base, admin, `{"url":"https://93.184.216.34/hook","events":["tracking.updated","job.completed"],"description":"ops"}`)
	if created.Secret == "" || rec.Header().Get("Location") != base+"/"+created.WebhookID {
		t.Fatalf("create201: %v %s", rec.Header(), rec.Body)
	}
	hook := base + "/" + created.WebhookID
	// A finished job's event reaches the feed.
	var j jobBody
	m.must(202, &j, "POST", "/v1/projects/"+p+"/tracking-number-jobs", admin, `{"action":"ADD","trackingNumbers":[{"trackingNumber":"`+knownNumber+`"}]}`)
	if err := m.api.Jobs.Process(context.Background(), j.JobID); err != nil {
		t.Fatal(err)
	}
	if err := m.api.Webhooks.JobFinished(context.Background(), j.JobID); err != nil {
		t.Fatal(err)
	}
	m.run(admin, []exchange{
		{name: "create400URL", method: "POST", path: base, body: `{"url":"http://127.0.0.1/hook","events":["job.completed"]}`, status: 400},
		{name: "create400Body", method: "POST", path: base, body: `{"url":1}`, status: 400},
		{name: "list200", method: "GET", path: base, status: 200, want: `"webhookId":"` + created.WebhookID + `"`},
		{name: "get200", method: "GET", path: hook, status: 200, want: `"description":"ops"`},
		{name: "get404", method: "GET", path: base + "/nope", status: 404, want: `"detail":"no such webhook in this project"`},
		{name: "update200", method: "PATCH", path: hook, body: `{"enabled":false}`, status: 200, want: `"enabled":false`},
		{name: "update200Enable", method: "PATCH", path: hook, body: `{"enabled":true}`, status: 200, want: `"enabled":true`},
		{name: "update400", method: "PATCH", path: hook, body: `{"enabled":"no"}`, status: 400},
		{name: "update404", method: "PATCH", path: base + "/nope", body: `{"enabled":true}`, status: 404},
		{name: "rotate200", method: "POST", path: hook + "/rotate-secret", status: 200, want: `"previousSecretExpiresAt":"`},
		{name: "rotate404", method: "POST", path: base + "/nope/rotate-secret", status: 404},
		{name: "attempts200", method: "GET", path: hook + "/attempts", status: 200, want: `"items":[]`},
		{name: "attempts400Limit", method: "GET", path: hook + "/attempts?limit=0", status: 400},
		{name: "replay400Neither", method: "POST", path: hook + "/replay", body: `{}`, status: 400, want: `exactly one of eventId and since`},
		{name: "replay400Both", method: "POST", path: hook + "/replay", body: `{"eventId":"e","since":"2026-01-01T00:00:00Z"}`, status: 400},
		{name: "replay400EmptyID", method: "POST", path: hook + "/replay", body: `{"eventId":""}`, status: 400, want: `"field":"eventId"`},
		{name: "replay400Since", method: "POST", path: hook + "/replay", body: `{"since":"yesterday"}`, status: 400, want: `"field":"since"`},
		{name: "replay400Body", method: "POST", path: hook + "/replay", body: `[]`, status: 400},
		{name: "replay400EventID", method: "POST", path: hook + "/replay", body: `{"eventId":"nope"}`, status: 400, want: `"field":"eventId"`},
		{name: "replay202Since", method: "POST", path: hook + "/replay", body: `{"since":"2026-01-01T00:00:00Z"}`, status: 202, want: `"status":"accepted"`},
		{name: "events200", method: "GET", path: "/v1/projects/" + p + "/events?limit=1", status: 200, want: `"type":"`},
		{name: "events400Limit", method: "GET", path: "/v1/projects/" + p + "/events?limit=x", status: 400, want: `"message":"limit must be an integer from 1 to 1000"`},
		{name: "events404", method: "GET", path: "/v1/projects/nope/events", status: 404},
	})
	var feed pageBody[eventBody]
	m.must(200, &feed, "GET", "/v1/projects/"+p+"/events", admin, "")
	if len(feed.Items) > 0 {
		body, _ := json.Marshal(map[string]string{"eventId": feed.Items[0].ID})
		m.must(202, nil, "POST", hook+"/replay", admin, string(body))
	}
	m.run(admin, []exchange{
		{name: "delete204", method: "DELETE", path: hook, status: 204},
		{name: "delete404", method: "DELETE", path: hook, status: 404},
	})
}
