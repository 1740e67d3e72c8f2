package systemtest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/parcelgate/parcelgate/internal/apitest"
	"github.com/parcelgate/parcelgate/internal/webhook"
)

type webhookOut struct {
	WebhookID      string     `json:"webhookId"`
	URL            string     `json:"url"`
	Events         []string   `json:"events"`
	Enabled        bool       `json:"enabled"`
	Description    string     `json:"description"`
	Secret         string     `json:"secret"`
	DisabledReason string     `json:"disabledReason"`
	DisabledAt     *time.Time `json:"disabledAt"`
}

type delivery struct {
	ID, Type   string
	Signatures int
	Data       map[string]any
}

// receiver is a webhook endpoint in the test: it verifies every
// delivery's signature with the Standard Webhooks library, against every
// secret it is told of, and answers as respond says.
type receiver struct {
	t       *testing.T
	srv     *httptest.Server
	mu      sync.Mutex
	secrets []string
	got     []delivery
	respond func(n int, w http.ResponseWriter, r *http.Request)
	// clockMoved: the test moved the API's clock, so timestamps are
	// checked for the signature only, not for freshness.
	clockMoved bool
	// env, once the receiver is registered, is waited on to settle
	// before await says how many deliveries came.
	env *apitest.Env
}

func newReceiver(t *testing.T, respond func(n int, w http.ResponseWriter, r *http.Request)) *receiver {
	rc := &receiver{t: t, respond: respond}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	secrets := append([]string(nil), rc.secrets...)
	rc.mu.Unlock()
	for _, s := range secrets {
		wh, err := standardwebhooks.NewWebhook(s)
		if err != nil {
			rc.t.Errorf("secret %q unusable: %v", s, err)
			continue
		}
		verify := wh.Verify
		if rc.clockMoved {
			verify = wh.VerifyIgnoringTimestamp
		}
		if err := verify(body, r.Header); err != nil {
			rc.t.Errorf("delivery %s not signed with a secret the receiver holds: %v", r.Header.Get("webhook-id"), err)
		}
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		rc.t.Errorf("Content-Type %q", ct)
	}
	var env struct {
		Type      string         `json:"type"`
		Timestamp time.Time      `json:"timestamp"`
		Data      map[string]any `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil || env.Type == "" || env.Timestamp.IsZero() {
		rc.t.Errorf("body %s: %v", body, err)
	}
	rc.mu.Lock()
	rc.got = append(rc.got, delivery{ID: r.Header.Get("webhook-id"), Type: env.Type, Signatures: len(strings.Fields(r.Header.Get("webhook-signature"))), Data: env.Data})
	n := len(rc.got)
	rc.mu.Unlock()
	if rc.respond != nil {
		rc.respond(n, w, r)
	}
}

func (rc *receiver) trust(secret string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.secrets = append(rc.secrets, secret)
}

func (rc *receiver) deliveries() []delivery {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]delivery(nil), rc.got...)
}

// await waits until the receiver got at least n deliveries, then until
// every queue has settled, so that a delivery too many would show.
func (rc *receiver) await(n int) []delivery {
	rc.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for len(rc.deliveries()) < n {
		if time.Now().After(deadline) {
			rc.t.Fatalf("receiver got %d deliveries, want %d: %+v", len(rc.deliveries()), n, rc.deliveries())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if rc.env == nil {
		rc.t.Fatal("await needs a registered receiver")
	}
	rc.env.AwaitIdle(rc.t)
	return rc.deliveries()
}

// dataTime reads a time from an event's data.
func dataTime(v any) time.Time {
	s, _ := v.(string)
	at, _ := time.Parse(time.RFC3339Nano, s)
	return at
}

func registerWebhook(t *testing.T, e *apitest.Env, token, projectID string, rc *receiver, events ...string) webhookOut {
	t.Helper()
	var w webhookOut
	r := e.Call(t, "POST", "/v1/projects/"+projectID+"/webhooks", token, map[string]any{"url": rc.srv.URL + "/hooks", "events": events, "description": "test receiver"}).Want(t, 201)
	r.JSON(t, &w)
	if !strings.HasPrefix(w.Secret, "whsec_") || len(w.Secret) < 40 || !w.Enabled {
		t.Fatalf("created webhook %+v", w)
	}
	if r.Header.Get("Location") != "/v1/projects/"+projectID+"/webhooks/"+w.WebhookID {
		t.Errorf("Location %q", r.Header.Get("Location"))
	}
	rc.trust(w.Secret)
	rc.env = e
	return w
}

// completeJob adds numbers to the project and waits for the job.
func completeJob(t *testing.T, e *apitest.Env, token, projectID string, ns ...string) string {
	t.Helper()
	j := submit(t, e, token, projectID, "ADD", numbers(ns...))
	await(t, e, token, projectID, j.JobID, "COMPLETED")
	return j.JobID
}

func TestWebhookEndpointsAdminOnlyValidatedAndNeverShowSecrets(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, token := e.Token(t, "acme")
	_, rival := e.Token(t, "rival")
	p := createProject(t, e, token, "hooks")
	base := "/v1/projects/" + p.ProjectID + "/webhooks"
	rc := newReceiver(t, nil)
	w := registerWebhook(t, e, token, p.ProjectID, rc, "tracking.updated")

	for _, r := range []apitest.Response{
		e.Call(t, "GET", base, token, nil).Want(t, 200),
		e.Call(t, "GET", base+"/"+w.WebhookID, token, nil).Want(t, 200),
		e.Call(t, "PATCH", base+"/"+w.WebhookID, token, map[string]any{"description": "renamed", "events": []string{"tracking.updated", "job.completed"}}).Want(t, 200),
	} {
		if strings.Contains(string(r.Body), "whsec_") || strings.Contains(string(r.Body), "secret") {
			t.Errorf("a read shows the secret: %s", r.Body)
		}
	}
	var got webhookOut
	e.Call(t, "GET", base+"/"+w.WebhookID, token, nil).Want(t, 200).JSON(t, &got)
	if got.Description != "renamed" || len(got.Events) != 2 || got.URL != w.URL {
		t.Errorf("after PATCH %+v", got)
	}

	bad := []map[string]any{
		{"url": "ftp://example.com/x", "events": []string{"tracking.updated"}},
		{"url": "http://example.com/x", "events": []string{"tracking.updated"}},
		{"url": "https://10.1.2.3/x", "events": []string{"tracking.updated"}},
		{"url": "https://192.168.0.10/x", "events": []string{"tracking.updated"}},
		{"url": "https://169.254.169.254/latest/meta-data", "events": []string{"tracking.updated"}},
		{"url": "https://[::1]:8443/x", "events": []string{"tracking.updated"}},
		{"url": "https://[fd00:ec2::254]/x", "events": []string{"tracking.updated"}},
		{"url": "https://100.64.0.1/x", "events": []string{"tracking.updated"}},
		{"url": "http://localhost:8080/x", "events": []string{"tracking.updated"}},
		{"url": "https://user:pw@example.com/x", "events": []string{"tracking.updated"}},
		{"url": rc.srv.URL, "events": []string{}},
		{"url": rc.srv.URL, "events": []string{"parcel.teleported"}},
		{"url": rc.srv.URL},
		{"events": []string{"tracking.updated"}},
		{"url": rc.srv.URL, "events": []string{"tracking.updated"}, "secret": "whsec_mine"},
	}
	for _, b := range bad {
		r := e.Call(t, "POST", base, token, b)
		if r.Status != 400 {
			t.Errorf("%v: status %d, want 400: %s", b, r.Status, r.Body)
		}
	}
	e.Call(t, "PATCH", base+"/"+w.WebhookID, token, map[string]any{"url": "https://127.0.0.2/x"}).Want(t, 400)
	e.Call(t, "GET", base+"/"+strings.Repeat("w", 201), token, nil).Want(t, 400)
	e.Call(t, "GET", base+"/wh_unknown", token, nil).Want(t, 404)

	// Another client's project is not found, whatever the route.
	for _, c := range []struct{ method, path string }{
		{"POST", base}, {"GET", base}, {"GET", base + "/" + w.WebhookID}, {"PATCH", base + "/" + w.WebhookID},
		{"DELETE", base + "/" + w.WebhookID}, {"POST", base + "/" + w.WebhookID + "/rotate-secret"},
		{"GET", base + "/" + w.WebhookID + "/attempts"}, {"POST", base + "/" + w.WebhookID + "/replay"},
		{"GET", "/v1/projects/" + p.ProjectID + "/events"},
	} {
		var body any
		switch {
		case c.method == "POST" && strings.HasSuffix(c.path, "/webhooks"):
			body = map[string]any{"url": rc.srv.URL, "events": []string{"tracking.updated"}}
		case strings.HasSuffix(c.path, "/replay"):
			body = map[string]any{"since": "2026-01-01T00:00:00Z"}
		case c.method == "PATCH":
			body = map[string]any{"enabled": false}
		}
		if r := e.Call(t, c.method, c.path, rival, body); r.Status != 404 {
			t.Errorf("rival %s %s: %d, want 404", c.method, c.path, r.Status)
		}
	}

	e.Call(t, "DELETE", base+"/"+w.WebhookID, token, nil).Want(t, 204)
	e.Call(t, "GET", base+"/"+w.WebhookID, token, nil).Want(t, 404)
}

func TestWebhookDeliversSignedEventsOncePerChangeSameIDsAsFeed(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, token := e.Token(t, "acme")
	p := createProject(t, e, token, "push")
	rc := newReceiver(t, nil)
	w := registerWebhook(t, e, token, p.ProjectID, rc, "tracking.updated", "job.completed")
	n := dhl(901)
	jobID := completeJob(t, e, token, p.ProjectID, n)
	first := rc.await(1)
	e.Advance(time.Second)
	if first[0].Type != "job.completed" || first[0].Data["jobId"] != jobID || first[0].Data["status"] != "COMPLETED" {
		t.Fatalf("job delivery %+v", first[0])
	}

	times := []string{"2026-03-01T08:00:00Z", "2026-03-01T10:30:00+01:00", "2026-03-01T12:00:00Z", "2026-03-02T07:15:00.5-05:00"}
	statuses := []string{"label_created", "picked_up", "in_transit", "delivered"}
	ev := func(i int) msg { return event(n, statuses[i], "X", "Hub", times[i]) }
	// Out of order and twice: the status moves twice (in_transit, then
	// delivered); the rest is history.
	inject(t, e, token, "b1", ev(2), ev(0), ev(2))
	e.Advance(time.Second)
	inject(t, e, token, "b2", ev(3), ev(1), ev(0))
	inject(t, e, token, "b3", ev(1), ev(3))
	got := rc.await(3)
	if len(got) != 3 {
		t.Fatalf("deliveries %+v, want the job and two status changes", got)
	}
	// Deliveries are not ordered (two changes are two tasks); a receiver
	// orders them by sequence.
	sort.Slice(got[1:], func(i, j int) bool {
		si, _ := got[1+i].Data["sequence"].(float64)
		sj, _ := got[1+j].Data["sequence"].(float64)
		return si < sj
	})
	wantStatus := []string{"in_transit", "delivered"}
	wantPrev := []any{nil, "in_transit"}
	for i, d := range got[1:] {
		if d.Type != "tracking.updated" || d.Data["status"] != wantStatus[i] || d.Data["previousStatus"] != wantPrev[i] ||
			d.Data["sequence"] != float64(i+1) || d.Data["trackingNumber"] != n || d.Data["projectId"] != p.ProjectID {
			t.Errorf("delivery %d: %+v", i+1, d)
		}
		if evt, _ := d.Data["event"].(map[string]any); evt["status"] != wantStatus[i] || evt["agency"] != "Hub" {
			t.Errorf("delivery %d event %+v", i+1, d.Data["event"])
		}
	}

	// The feed holds the same events, with the same ids, oldest first.
	var feed struct {
		Items []struct {
			ID, Type string
			Data     map[string]any
		} `json:"items"`
		NextCursor *string `json:"nextCursor"`
	}
	e.Call(t, "GET", "/v1/projects/"+p.ProjectID+"/events", token, nil).Want(t, 200).JSON(t, &feed)
	if len(feed.Items) != 3 || feed.NextCursor == nil {
		t.Fatalf("feed %+v", feed)
	}
	for i, it := range feed.Items {
		if it.ID != got[i].ID || it.Type != got[i].Type {
			t.Errorf("feed item %d %s %s, pushed %s %s", i, it.ID, it.Type, got[i].ID, got[i].Type)
		}
	}
	cursor := *feed.NextCursor
	e.Call(t, "GET", "/v1/projects/"+p.ProjectID+"/events?limit=1", token, nil).Want(t, 200).JSON(t, &feed)
	if len(feed.Items) != 1 || *feed.NextCursor != got[0].ID {
		t.Fatalf("limit=1 feed %+v", feed)
	}
	e.Call(t, "GET", "/v1/projects/"+p.ProjectID+"/events?after="+cursor, token, nil).Want(t, 200).JSON(t, &feed)
	if len(feed.Items) != 0 || *feed.NextCursor != cursor {
		t.Fatalf("polling after the last event %+v", feed)
	}
	e.Call(t, "GET", "/v1/projects/"+p.ProjectID+"/events?after=nonsense", token, nil).Want(t, 400)

	// Replay: one event, then everything since the start, original ids.
	replay := "/v1/projects/" + p.ProjectID + "/webhooks/" + w.WebhookID + "/replay"
	e.Call(t, "POST", replay, token, map[string]any{"eventId": got[1].ID}).Want(t, 202)
	again := rc.await(4)
	if again[3].ID != got[1].ID || again[3].Data["sequence"] != float64(1) {
		t.Fatalf("replayed %+v, want %s", again[3], got[1].ID)
	}
	e.Call(t, "POST", replay, token, map[string]any{"since": "2000-01-01T00:00:00Z"}).Want(t, 202)
	all := rc.await(7)
	// Deliveries run in parallel: no order, as with every provider; the
	// sequence lets a receiver order them.
	replayed := map[string]bool{}
	for _, d := range all[4:] {
		replayed[d.ID] = true
	}
	for _, d := range got {
		if !replayed[d.ID] || len(replayed) != 3 {
			t.Errorf("replay since: ids %v, want those of %+v", replayed, got)
		}
	}
	e.Call(t, "POST", replay, token, map[string]any{"eventId": "evt_nope"}).Want(t, 400)
	e.Call(t, "POST", replay, token, map[string]any{"eventId": got[0].ID, "since": "2000-01-01T00:00:00Z"}).Want(t, 400)
	e.Call(t, "POST", replay, token, map[string]any{"since": "yesterday"}).Want(t, 400)

	var attempts listOut[struct {
		EventID, Status string
		Attempt         int
		ResponseStatus  *int
	}]
	e.Call(t, "GET", "/v1/projects/"+p.ProjectID+"/webhooks/"+w.WebhookID+"/attempts", token, nil).Want(t, 200).JSON(t, &attempts)
	if len(attempts.Items) != 7 {
		t.Fatalf("attempts %+v", attempts.Items)
	}
	for _, a := range attempts.Items {
		if a.Status != "succeeded" || a.Attempt != 1 || a.ResponseStatus == nil || *a.ResponseStatus != 200 {
			t.Errorf("attempt %+v", a)
		}
	}
}

func TestWebhookRetriesAfter500AndTimeoutWithTheSameID(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, token := e.Token(t, "acme")
	p := createProject(t, e, token, "retry")
	rc := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) {
		switch n {
		case 1:
			w.WriteHeader(http.StatusInternalServerError)
		case 2:
			// No answer until the sender gives up waiting.
			<-r.Context().Done()
		}
	})
	w := registerWebhook(t, e, token, p.ProjectID, rc, "job.completed")
	completeJob(t, e, token, p.ProjectID, dhl(902))
	got := rc.await(3)
	if len(got) != 3 || got[0].ID != got[1].ID || got[1].ID != got[2].ID {
		t.Fatalf("deliveries %+v: want three of one event", got)
	}
	var attempts listOut[struct {
		EventID, Status string
		Attempt         int
		ResponseStatus  *int
	}]
	e.Call(t, "GET", "/v1/projects/"+p.ProjectID+"/webhooks/"+w.WebhookID+"/attempts", token, nil).Want(t, 200).JSON(t, &attempts)
	if len(attempts.Items) != 3 {
		t.Fatalf("attempts %+v", attempts.Items)
	}
	// The attempts that were retried are failed: each retry is its own.
	newest := attempts.Items
	if newest[0].Attempt != 3 || newest[0].Status != "succeeded" ||
		newest[1].Attempt != 2 || newest[1].Status != "failed" || newest[1].ResponseStatus != nil ||
		newest[2].Attempt != 1 || newest[2].Status != "failed" || newest[2].ResponseStatus == nil || *newest[2].ResponseStatus != 500 {
		t.Errorf("attempts, newest first: %+v", newest)
	}
}

func TestWebhookRotationSignsWithBothSecretsAndGoneDisables(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, token := e.Token(t, "acme")
	p := createProject(t, e, token, "rotate")
	rc := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 2 {
			w.WriteHeader(http.StatusGone)
		}
	})
	w := registerWebhook(t, e, token, p.ProjectID, rc, "job.completed")
	var rotated struct {
		Secret                  string    `json:"secret"`
		PreviousSecretExpiresAt time.Time `json:"previousSecretExpiresAt"`
	}
	e.Call(t, "POST", "/v1/projects/"+p.ProjectID+"/webhooks/"+w.WebhookID+"/rotate-secret", token, nil).Want(t, 200).JSON(t, &rotated)
	if rotated.Secret == w.Secret || !strings.HasPrefix(rotated.Secret, "whsec_") || rotated.PreviousSecretExpiresAt.Before(time.Now().Add(time.Hour)) {
		t.Fatalf("rotation %+v", rotated)
	}
	// The receiver checks every delivery against both secrets.
	rc.trust(rotated.Secret)
	completeJob(t, e, token, p.ProjectID, dhl(903))
	if got := rc.await(1); got[0].Signatures != 2 {
		t.Fatalf("delivery during rotation has %d signatures, want 2", got[0].Signatures)
	}

	// 410 Gone disables the endpoint, and it says so: it gets nothing
	// more, not even retries.
	completeJob(t, e, token, p.ProjectID, dhl(904))
	rc.await(2)
	var got webhookOut
	e.Call(t, "GET", "/v1/projects/"+p.ProjectID+"/webhooks/"+w.WebhookID, token, nil).Want(t, 200).JSON(t, &got)
	if got.Enabled || got.DisabledReason != "gone" || got.DisabledAt == nil {
		t.Fatalf("after 410: %+v, want disabled, reason gone, with its time", got)
	}
	completeJob(t, e, token, p.ProjectID, dhl(905))
	e.AwaitIdle(t)
	if n := len(rc.deliveries()); n != 2 {
		t.Fatalf("a disabled endpoint got %d deliveries, want 2", n)
	}
	e.Call(t, "POST", "/v1/projects/"+p.ProjectID+"/webhooks/"+w.WebhookID+"/replay", token, map[string]any{"since": "2000-01-01T00:00:00Z"}).Want(t, 400)
}

func TestWebhookFailingForFiveDaysIsDisabled(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	id, secret := e.Principal(t, "acme")
	token := e.TokenFor(t, id, secret)
	p := createProject(t, e, token, "outage")
	down := make(chan struct{}, 10)
	rc := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		down <- struct{}{}
	})
	rc.clockMoved = true
	w := registerWebhook(t, e, token, p.ProjectID, rc, "job.completed")
	completeJob(t, e, token, p.ProjectID, dhl(906))
	<-down // the first failure starts the clock
	e.Advance(webhook.FailingLimit + time.Minute)
	token = e.TokenFor(t, id, secret)
	got := rc.await(2)
	var out webhookOut
	e.Call(t, "GET", "/v1/projects/"+p.ProjectID+"/webhooks/"+w.WebhookID, token, nil).Want(t, 200).JSON(t, &out)
	if out.Enabled || len(got) != 2 || out.DisabledReason != "failing" || out.DisabledAt == nil {
		t.Fatalf("after five days of failures: %+v, %d deliveries", out, len(got))
	}
	var attempts listOut[struct{ Status string }]
	e.Call(t, "GET", "/v1/projects/"+p.ProjectID+"/webhooks/"+w.WebhookID+"/attempts", token, nil).Want(t, 200).JSON(t, &attempts)
	if len(attempts.Items) != 2 || attempts.Items[0].Status != "failed" || attempts.Items[1].Status != "failed" {
		t.Fatalf("attempts %+v", attempts.Items)
	}
	var feed feedOut
	e.Call(t, "GET", "/v1/projects/"+p.ProjectID+"/events", token, nil).Want(t, 200).JSON(t, &feed)
	if last := feed.Items[len(feed.Items)-1]; last.Type != "webhook.disabled" || last.Data["reason"] != "failing" || last.Data["webhookId"] != w.WebhookID ||
		!dataTime(last.Data["disabledAt"]).Truncate(time.Millisecond).Equal(*out.DisabledAt) {
		t.Fatalf("feed %+v, want the webhook.disabled event last, at the endpoint's disabledAt %s", feed, out.DisabledAt)
	}
	// An admin's PATCH keeps the sender's reason while the endpoint stays
	// disabled.
	e.Call(t, "PATCH", "/v1/projects/"+p.ProjectID+"/webhooks/"+w.WebhookID, token, map[string]any{"description": "ops"}).Want(t, 200).JSON(t, &out)
	if out.DisabledReason != "failing" || out.DisabledAt == nil {
		t.Fatalf("after a PATCH of the description: %+v", out)
	}
	// Enabled again, it starts afresh, the reason gone: one failure does
	// not disable it.
	var enabled webhookOut
	e.Call(t, "PATCH", "/v1/projects/"+p.ProjectID+"/webhooks/"+w.WebhookID, token, map[string]any{"enabled": true}).Want(t, 200).JSON(t, &enabled)
	if !enabled.Enabled || enabled.DisabledReason != "" || enabled.DisabledAt != nil {
		t.Fatalf("re-enabled: %+v, want no reason or time", enabled)
	}
	completeJob(t, e, token, p.ProjectID, dhl(907))
	rc.await(3)
	out = webhookOut{}
	e.Call(t, "GET", "/v1/projects/"+p.ProjectID+"/webhooks/"+w.WebhookID, token, nil).Want(t, 200).JSON(t, &out)
	if !out.Enabled || out.DisabledReason != "" || out.DisabledAt != nil {
		t.Fatalf("re-enabled endpoint after its first failure: %+v", out)
	}
}
