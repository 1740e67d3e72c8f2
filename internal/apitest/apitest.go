// Package apitest runs the whole API for system tests: the dev server's
// handler over real HTTP, with every exchange validated against the
// OpenAPI document, on a fresh backend per test. Built with the
// integration tag the backend is a fresh table and fresh queues in the
// local stack (the emulators, or whatever AWS_ENDPOINT_URL* names,
// stack.go); without it, the memory backend and in-process queues
// (memory.go), so the same tests run in plain `go test`.
package apitest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parcelgate/parcelgate/internal/app"
	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/devserver"
	"github.com/parcelgate/parcelgate/internal/httpapi"
	"github.com/parcelgate/parcelgate/internal/logging"
	"github.com/parcelgate/parcelgate/internal/openapi/conformance"
	"github.com/parcelgate/parcelgate/internal/report/pdf"
	"github.com/parcelgate/parcelgate/internal/samtemplate"
	"github.com/parcelgate/parcelgate/internal/trackpage"
)

// RepoDir is the repository root.
func RepoDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Env is one running API with its own backend.
type Env struct {
	// backend is what the build's backend adds (stack.go, memory.go).
	backend
	URL    string
	Config app.Config
	API    *httpapi.API
	App    *app.App
	// FailProcessing makes the processor fail every task while set, as a
	// broken deployment would; the dead-letter handler still runs.
	FailProcessing atomic.Bool
	http           *http.Client
	// now is the clock the API reads; tests move it with Advance.
	mu  sync.Mutex
	now time.Time

	// HoldTasks keeps the task worker from starting the tasks it receives
	// while set: they stay QUEUED, as behind a slow queue.
	HoldTasks atomic.Bool

	handled handledMessages
	usage   usage
}

// Clock returns the current test time.
func (e *Env) Clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

// SetClock sets the API's clock.
func (e *Env) SetClock(t time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.now = t
}

// Advance moves the API's clock forward.
func (e *Env) Advance(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.now = e.now.Add(d)
}

// Start serves the API for the test on a fresh backend.
func Start(t testing.TB) *Env {
	t.Helper()
	return StartWith(t, Options{})
}

// StartWith is Start with options.
func StartWith(t testing.TB, opts Options) *Env {
	t.Helper()
	ctx := context.Background()
	tmpl, err := samtemplate.Load(filepath.Join(RepoDir(), "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	key, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	pemBytes, err := auth.EncodePrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	e := &Env{now: time.Now().UTC()}
	e.Config = app.Config{
		Issuer:        "urn:parcelgate:test",
		Audience:      "parcelgate",
		TokenTTL:      time.Hour,
		PrivateKeyPEM: string(pemBytes),
	}
	// Webhooks: a receiver in the test, retries seconds apart.
	e.Config.WebhookAllowLoopback = true
	e.Config.WebhookRetrySchedule = []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}
	// Report outbox: any sender will do.
	e.Config.ReportSender = "reports@parcelgate.test"
	b, appOpts, res, run := e.start(t, tmpl, opts)
	logger := quietLogger
	if opts.Logs != nil {
		logger = logging.New(opts.Logs)
	}
	appOpts.Sign, appOpts.Now, appOpts.Logger, appOpts.Deadline, appOpts.Observe = true, e.Clock, logger, opts.Deadline, opts.Observe
	appOpts.Pages, appOpts.Renderer = trackpage.Pages{}, pdf.Renderer{}
	e.App, err = app.New(ctx, e.Config, b, appOpts)
	if err != nil {
		t.Fatal(err)
	}
	e.API = e.App.API
	h, err := devserver.Handler(e.App, opts.Quota)
	if err != nil {
		t.Fatal(err)
	}
	handlers := e.App.QueueHandlers()
	process := handlers["processor"]
	handlers["processor"] = func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		if e.FailProcessing.Load() {
			return events.SQSEventResponse{}, errors.New("processing disabled by the test")
		}
		return process(ctx, ev)
	}
	runTasks := handlers["task-worker"]
	handlers["task-worker"] = func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		for e.HoldTasks.Load() && ctx.Err() == nil {
			time.Sleep(20 * time.Millisecond)
		}
		return runTasks(ctx, ev)
	}
	for name, h := range handlers {
		handlers[name] = e.usage.count(name, e.handled.observe(h))
	}
	consumers, err := devserver.Consumers(tmpl, res, handlers)
	if err != nil {
		t.Fatal(err)
	}
	pollCtx, stop := context.WithCancel(context.Background())
	wait := run(pollCtx, consumers)
	t.Cleanup(func() { stop(); wait() })
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	e.URL = srv.URL
	transport, err := conformance.NewValidatingTransport(http.DefaultTransport, func(err error) { t.Errorf("OpenAPI: %v", err) })
	if err != nil {
		t.Fatal(err)
	}
	e.http = &http.Client{Transport: failOn5xx{base: transport, t: t}, Timeout: 30 * time.Second}
	return e
}

type allowKey struct{}

// Allow503 marks a request that may be answered 503: a test that takes
// the store or the queue down on purpose. Any other 5xx still fails.
func Allow503(req *http.Request) *http.Request {
	return req.WithContext(context.WithValue(req.Context(), allowKey{}, true))
}

// failOn5xx fails the test on every 5xx answer, whatever the test itself
// checks: no input may make the server fail.
type failOn5xx struct {
	base http.RoundTripper
	t    testing.TB
}

func (f failOn5xx) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := f.base.RoundTrip(req)
	if err != nil || resp.StatusCode < 500 {
		return resp, err
	}
	if allowed, _ := req.Context().Value(allowKey{}).(bool); allowed && resp.StatusCode == http.StatusServiceUnavailable {
		return resp, nil
	}
	f.t.Errorf("server error %d on %s %s", resp.StatusCode, req.Method, req.URL.Path)
	return resp, nil
}

// quietLogger keeps test output to warnings and errors.
var quietLogger = slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Principal creates a credential of clientID and returns its id and secret.
func (e *Env) Principal(t testing.TB, clientID string) (id, secret string) {
	t.Helper()
	id = clientID + "-" + randomHex(3)
	// A generated secret, as the API issues them: checked with SHA-256,
	// not bcrypt, which would spend most of a test's time hashing.
	secret, err := auth.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.API.Credentials.Create(context.Background(), clientID, id, secret); err != nil {
		t.Fatal(err)
	}
	return id, secret
}

// Token creates a principal of a new client and returns its id and token.
func (e *Env) Token(t testing.TB, clientID string) (principalID, token string) {
	t.Helper()
	id, secret := e.Principal(t, clientID)
	return id, e.TokenFor(t, id, secret)
}

// TokenFor exchanges credentials for a token through the API.
func (e *Env) TokenFor(t testing.TB, id, secret string) string {
	t.Helper()
	var out struct {
		AccessToken string `json:"accessToken"`
	}
	e.Call(t, http.MethodPost, "/v1/auth/token", "", map[string]string{"clientId": id, "clientSecret": secret}).Want(t, http.StatusOK).JSON(t, &out)
	return out.AccessToken
}

// Response is a finished exchange.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Want fails the test unless the status is status.
func (r Response) Want(t testing.TB, status int) Response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body: %s", r.Status, status, r.Body)
	}
	return r
}

// JSON decodes the body into v.
func (r Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decoding %s: %v", r.Body, err)
	}
}

// Problem decodes a problem+json body and returns its code.
func (r Response) Problem(t testing.TB) string {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q, want application/problem+json; body %s", ct, r.Body)
	}
	var p struct {
		Code string `json:"code"`
	}
	r.JSON(t, &p)
	return p.Code
}

// Call sends body (JSON-encoded unless it is a []byte or string) with
// token as bearer, when given.
func (e *Env) Call(t testing.TB, method, path, token string, body any) Response {
	t.Helper()
	var rd io.Reader
	contentType := "application/json"
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = bytes.NewReader([]byte(b))
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, e.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return e.Do(t, req)
}

// Do sends a prepared request (its URL relative to the server or absolute).
func (e *Env) Do(t testing.TB, req *http.Request) Response {
	t.Helper()
	if req.URL.Host == "" {
		u, err := req.URL.Parse(e.URL + req.URL.String())
		if err != nil {
			t.Fatal(err)
		}
		req.URL = u
		req.Host = u.Host
	}
	e.usage.request()
	resp, err := e.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: data}
}

// HTTPClient is the client Do uses, which checks every exchange against
// the OpenAPI document; give it to client libraries under test.
func (e *Env) HTTPClient() *http.Client { return e.http }
