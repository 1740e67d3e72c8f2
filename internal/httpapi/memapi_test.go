package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/account"
	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/data"
	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/memory"
	"github.com/parcelgate/parcelgate/internal/message"
	"github.com/parcelgate/parcelgate/internal/outbox"
	"github.com/parcelgate/parcelgate/internal/project"
	"github.com/parcelgate/parcelgate/internal/task"
	"github.com/parcelgate/parcelgate/internal/tracker"
	"github.com/parcelgate/parcelgate/internal/tracking"
	"github.com/parcelgate/parcelgate/internal/trackpage"
	"github.com/parcelgate/parcelgate/internal/webhook"
)

// memAPI is the whole API over the memory stores, served in-process by
// the real router: what the handlers do end to end, without the stack.
// The services are wired here by hand, as app wires them over DynamoDB.
type memAPI struct {
	t       *testing.T
	api     *API
	h       http.Handler
	queue   *queues
	now     time.Time
	jobs    *memory.Jobs
	track   *memory.Tracking
	outbox  *memory.Outbox
	creds   auth.Credentials
	secrets map[string]string
}

// queues stands for every queue; fail makes each send fail.
type queues struct {
	mu   sync.Mutex
	fail error
	sent int
}

func (q *queues) send() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.fail != nil {
		return q.fail
	}
	q.sent++
	return nil
}

func (q *queues) EnqueueJob(context.Context, string) error                        { return q.send() }
func (q *queues) EnqueueMessages(context.Context, string) error                   { return q.send() }
func (q *queues) EnqueueImportAfter(context.Context, string, time.Duration) error { return q.send() }
func (q *queues) Send(context.Context, []webhook.Task, time.Duration) error       { return q.send() }
func (q *queues) EnqueueTask(context.Context, string, string) error               { return q.send() }
func (q *queues) SendReport(context.Context, outbox.Task) error                   { return q.send() }

func newMemAPI(t *testing.T) *memAPI {
	t.Helper()
	// The clock stands still at the test's start: memory stores hide what
	// expired by the wall clock.
	m := &memAPI{t: t, queue: &queues{}, now: time.Now().UTC().Truncate(time.Millisecond), secrets: map[string]string{}}
	now := func() time.Time { return m.now }
	seq := 0
	var idMu sync.Mutex
	newID := func() string {
		idMu.Lock()
		defer idMu.Unlock()
		seq++
		return fmt.Sprintf("id-%04d", seq)
	}
	key, jwk, _ := testKeys(t)
	jwks := auth.JWKS{Keys: []auth.JWK{jwk}}
	verifier, err := auth.NewVerifier(jwks, "urn:test", "parcelgate", now)
	if err != nil {
		t.Fatal(err)
	}
	issuer, err := auth.NewIssuer(key, "urn:test", "parcelgate", time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	principals := &memory.Principals{}
	m.creds = auth.Credentials{Store: principals, Now: now}
	projects := project.Service{Store: &memory.Projects{Principals: principals}, Now: now, NewID: newID}
	m.jobs = memory.NewJobs()
	webhooks := &memory.Webhooks{}
	m.track = &memory.Tracking{Associations: m.jobs.AllAssociations, Feed: webhooks}
	requests := memory.NewRequests()
	requests.Jobs = m.jobs
	recordStore := &memory.Records{}
	records := data.Service{Store: recordStore, Projects: projects, Catalog: data.DefaultCatalog, Now: now, NewID: newID,
		Imports: &memory.Imports{}, ImportQueue: m.queue}
	shipments := func() *data.Entity {
		e, _ := data.DefaultCatalog.Entity("shipment")
		return e
	}
	taskStore := &memory.Tasks{}
	m.outbox = &memory.Outbox{}
	m.api = &API{
		Credentials: m.creds, Issuer: issuer, JWKS: jwks, Verifier: verifier,
		Revocations: &auth.Revocations{Store: principals, Now: now},
		Projects:    projects,
		Jobs:        job.Service{Store: m.jobs, Projects: projects, Now: now, NewID: newID, Queue: m.queue, Tags: m.track},
		Messages: message.Service{Store: requests, Tracking: m.track, Queue: m.queue, Now: now, NewID: newID,
			Unmapped: &memory.Unmapped{}, Associations: m.jobs},
		Tracking: tracking.Service{Store: m.track},
		Pages:    trackpage.Pages{},
		Tracker:  tracker.Service{Store: requests, Now: now},
		Webhooks: webhook.Service{Store: webhooks, Expiry: &memory.Expiries{Associations: m.jobs.AllAssociations}, Queue: m.queue,
			Jobs: m.jobs, Projects: projects, Now: now, NewID: newID},
		Logger: slog.New(slog.DiscardHandler),
		// A wrong secret costs a bcrypt comparison, slow under the race
		// detector; the deadline's own tests use their own.
		Deadline: GatewayLimit - time.Second,
		Data:     records,
		Outbox:   outbox.Service{Store: m.outbox, Queue: m.queue, Records: records, Catalog: data.DefaultCatalog, Now: now, NewID: newID},
		Accounts: account.Service{Store: &memory.Accounts{}, Projects: projects, Catalog: data.DefaultCatalog, Now: now},
		Tasks: task.Service{Store: taskStore, Queue: m.queue, Projects: projects,
			Runners: task.Runners(shipments, recordStore, m.jobs, m.track, records, now), Now: now, NewID: newID, Logger: slog.New(slog.DiscardHandler)},
	}
	if m.h, err = m.api.Handler(); err != nil {
		t.Fatal(err)
	}
	return m
}

// client makes a credential (the client's first is its owner) and
// returns a token of it.
func (m *memAPI) client(clientID, principalID string) string {
	m.t.Helper()
	// A generated secret is hashed fast; a typed one takes bcrypt's time.
	secret, err := auth.NewSecret()
	if err != nil {
		m.t.Fatal(err)
	}
	if _, err := m.creds.Create(context.Background(), clientID, principalID, secret); err != nil {
		m.t.Fatal(err)
	}
	m.secrets[principalID] = secret
	return m.token(principalID)
}

// token issues a token of a credential made by client, by the route.
func (m *memAPI) token(principalID string) string {
	m.t.Helper()
	rec := m.do("POST", "/v1/auth/token", "", fmt.Sprintf(`{"clientId":%q,"clientSecret":%q}`, principalID, m.secrets[principalID]))
	if rec.Code != 200 {
		m.t.Fatalf("token of %s: %d %s", principalID, rec.Code, rec.Body)
	}
	var out tokenResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		m.t.Fatal(err)
	}
	return out.AccessToken
}

// do sends a request; a body is sent as application/json, headers are
// name, value pairs.
func (m *memAPI) do(method, path, token, body string, headers ...string) *httptest.ResponseRecorder {
	m.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, r)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	m.h.ServeHTTP(rec, req)
	return rec
}

// must sends a request that must answer status, and decodes its body
// into out when out is not nil.
func (m *memAPI) must(status int, out any, method, path, token, body string, headers ...string) *httptest.ResponseRecorder {
	m.t.Helper()
	rec := m.do(method, path, token, body, headers...)
	if rec.Code != status {
		m.t.Fatalf("%s %s: %d %s, want %d", method, path, rec.Code, rec.Body, status)
	}
	if out != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			m.t.Fatalf("%s %s: %v in %s", method, path, err, rec.Body)
		}
	}
	return rec
}

// project creates a project of the token's caller, who is its admin.
func (m *memAPI) project(token string) string {
	m.t.Helper()
	var p projectBody
	m.must(201, &p, "POST", "/v1/projects", token, `{"name":"Acme"}`)
	return p.ProjectID
}

// exchange is one request of a table test and what it must answer.
type exchange struct {
	name, method, path, body string
	headers                  []string
	status                   int
	// want is in the body, when set.
	want string
}

// run sends each exchange with token, in order: the table's rows may
// build on those before.
func (m *memAPI) run(token string, cases []exchange) {
	m.t.Helper()
	for _, c := range cases {
		rec := m.do(c.method, c.path, token, c.body, c.headers...)
		if rec.Code != c.status || !strings.Contains(rec.Body.String(), c.want) {
			m.t.Errorf("%s: %s %s → %d %s, want %d with %s", c.name, c.method, c.path, rec.Code, rec.Body, c.status, c.want)
		}
		if rec.Code >= 500 && c.status < 500 {
			m.t.Errorf("%s: a 5xx", c.name)
		}
	}
}
