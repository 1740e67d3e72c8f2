package httpapi

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/input"
	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/message"
	"github.com/parcelgate/parcelgate/internal/outage"
	"github.com/parcelgate/parcelgate/internal/page"
	"github.com/parcelgate/parcelgate/internal/project"
	"github.com/parcelgate/parcelgate/internal/tracking"
	"github.com/parcelgate/parcelgate/internal/trackpage"
)

// newTestAPI serves every route; requests that reach a store would panic,
// so these tests cover only what is decided before the domain runs.
func newTestAPI(t *testing.T) http.Handler {
	t.Helper()
	_, jwk, v := testKeys(t)
	a := &API{Verifier: v, Revocations: &auth.Revocations{}, JWKS: auth.JWKS{Keys: []auth.JWK{jwk}}, Pages: trackpage.Pages{}}
	h, err := a.Handler()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestHandlerPlumbing(t *testing.T) {
	h := newTestAPI(t)
	cases := []struct {
		name, method, path, contentType, body string
		status                                int
		code                                  string
	}{
		{"unknown path", "GET", "/v2/nothing", "", "", 404, "NOT_FOUND"},
		{"wrong method", "DELETE", "/v1/projects", "", "", 405, "METHOD_NOT_ALLOWED"},
		{"no token", "GET", "/v1/projects", "", "", 401, "UNAUTHORIZED"},
		{"basic instead of bearer", "GET", "/v1/projects", "", "", 401, "UNAUTHORIZED"},
		{"oversized", "POST", "/v1/auth/token", "application/json", strings.Repeat(" ", maxBodyBytes+1), 413, "PAYLOAD_TOO_LARGE"},
		{"not json", "POST", "/v1/auth/token", "text/plain", "x", 415, "UNSUPPORTED_MEDIA_TYPE"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest(c.method, c.path, strings.NewReader(c.body))
			if c.contentType != "" {
				req.Header.Set("Content-Type", c.contentType)
			}
			if c.name == "basic instead of bearer" {
				req.SetBasicAuth("a", "b")
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != c.status || !strings.Contains(rec.Body.String(), `"code":"`+c.code+`"`) {
				t.Fatalf("got %d %s", rec.Code, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Fatalf("content type %q", ct)
			}
		})
	}
}

// Each route is declared once, with its handler: no pattern twice, none
// without a handler, and each function's routes build on their own.
func TestRoutesAreDeclaredOnceWithTheirHandler(t *testing.T) {
	seen := map[string]bool{}
	functions := map[string]bool{}
	for _, rt := range Routes {
		if seen[rt.Pattern()] {
			t.Errorf("%s is declared twice", rt.Pattern())
		}
		seen[rt.Pattern()] = true
		if rt.Handle == nil {
			t.Errorf("%s has no handler", rt.Pattern())
		}
		functions[rt.Function] = true
	}
	_, jwk, v := testKeys(t)
	a := &API{Verifier: v, Revocations: &auth.Revocations{}, JWKS: auth.JWKS{Keys: []auth.JWK{jwk}}, Pages: trackpage.Pages{}}
	for f := range functions {
		if _, err := a.Handler(f); err != nil {
			t.Errorf("function %s: %v", f, err)
		}
	}
}

func TestHandlerRefusesUnknownFunction(t *testing.T) {
	a := &API{}
	if _, err := a.Handler("nope"); err == nil {
		t.Fatal("a handler with no routes was built")
	}
	if _, err := a.Handler("projects"); err == nil {
		t.Fatal("protected routes were served without a verifier")
	}
	if _, err := a.Handler("tracking"); err == nil || !strings.Contains(err.Error(), "/track/{tracking_number} needs the tracking pages") {
		t.Fatalf("the tracking page was served without its pages: %v", err)
	}
}

func TestProblemFor(t *testing.T) {
	cases := []struct {
		err    error
		status int
		code   string
	}{
		{project.ErrNotFound, 404, "NOT_FOUND"},
		{fmt.Errorf("wrapped: %w", project.ErrForbidden), 403, "FORBIDDEN"},
		{&input.Error{Field: "name", Message: "bad", Kind: input.Rejected, Labelled: true}, 422, "VALIDATION_FAILED"},
		{page.ErrBadCursor, 400, "BAD_REQUEST"},
		{auth.ErrInvalidCredentials, 401, "INVALID_CLIENT"},
		{errors.New("dynamodb: connection reset"), 500, "INTERNAL"},
		{&input.Error{Field: "projectId", Message: "is too long"}, 400, "BAD_REQUEST"},
		{fmt.Errorf("dynamodb: %w", outage.Wrap(errors.New("dial tcp: connection refused"))), 503, "SERVICE_UNAVAILABLE"},
		{fmt.Errorf("create: %w", project.ErrExists), 409, "PROJECT_EXISTS"},
		{fmt.Errorf("dev client: %w", auth.ErrPrincipalExists), 409, "PRINCIPAL_EXISTS"},
		{&job.NotQueuedError{Cause: outage.Wrap(errors.New("sqs down"))}, 503, "NOT_ACCEPTED"},
		{&message.NotQueuedError{Cause: errors.New("sqs down")}, 503, "QUEUE_UNAVAILABLE"},
		{&input.Error{Field: "paging.size", Message: "1 to 100", Labelled: true}, 400, "BAD_REQUEST"},
		{&input.Error{Field: "attachments[0].rowID", Message: "no record", Kind: input.Missing}, 404, "NOT_FOUND"},
		{&input.Error{Code: "TOO_MANY_MESSAGES", Field: "messages", Message: "at most 1000", Labelled: true}, 400, "TOO_MANY_MESSAGES"},
		{tracking.ErrUnknownNumber, 400, "uknown_tracking_number"},
	}
	for _, c := range cases {
		p := problemFor(c.err)
		if p.Status != c.status || p.Code != c.code {
			t.Errorf("%v → %d %s, want %d %s", c.err, p.Status, p.Code, c.status, c.code)
		}
		if c.status >= 500 && strings.Contains(p.Detail, "dynamodb") {
			t.Errorf("internal detail leaked: %s", p.Detail)
		}
	}
}

// A validation error's detail reads as its package always wrote it: the
// field then a message that continues it, "field: message" for a message
// that stands alone, and a route's own code's message alone.
func TestInvalidProblemDetailKeepsEachMessageForm(t *testing.T) {
	cases := []struct {
		err    *input.Error
		detail string
	}{
		{&input.Error{Field: "projectId", Message: "is at most 200 bytes"}, "projectId is at most 200 bytes"},
		{&input.Error{Field: "url", Message: "required", Labelled: true}, "url: required"},
		{&input.Error{Code: "NO_MESSAGES", Field: "messages", Message: "send 1 to 1,000 messages", Labelled: true}, "send 1 to 1,000 messages"},
	}
	for _, c := range cases {
		p := problemFor(fmt.Errorf("wrapped: %w", c.err))
		if p.Detail != c.detail || len(p.Errors) != 1 || p.Errors[0] != (FieldError{Field: c.err.Field, Message: c.err.Message}) {
			t.Errorf("%#v → detail %q, errors %v; want %q naming %s", c.err, p.Detail, p.Errors, c.detail, c.err.Field)
		}
	}
}

// Every row of the error table answers as it says: no row is shadowed by
// an earlier one, and none is a 5xx but the outage's.
func TestErrorTableRowsAnswerAsDeclared(t *testing.T) {
	for _, s := range sentinels {
		p := problemFor(fmt.Errorf("wrapped: %w", s.err))
		if p.Status != s.status || p.Code != s.code {
			t.Errorf("%v → %d %s, the table says %d %s", s.err, p.Status, p.Code, s.status, s.code)
		}
		if p.Status >= 500 && s.err != outage.ErrUnavailable {
			t.Errorf("%v is a domain error answered %d", s.err, p.Status)
		}
	}
}

func TestWorkStoredButNotQueuedSaysWhenToRetry(t *testing.T) {
	rec := httptest.NewRecorder()
	writeErrorBody(rec, &job.NotQueuedError{Cause: errors.New("sqs down")}, map[string]string{"status": "NOT_ACCEPTED"})
	if rec.Code != 503 || rec.Header().Get("Retry-After") != "30" || !strings.Contains(rec.Body.String(), `"NOT_ACCEPTED"`) {
		t.Fatalf("got %d %q %s", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
	}
}

func TestWriteErrorUnavailableSaysWhenToRetry(t *testing.T) {
	rec := httptest.NewRecorder()
	writeError(rec, httptest.NewRequest("GET", "/v1/projects", nil), outage.Wrap(errors.New("timeout")))
	if rec.Code != 503 || rec.Header().Get("Retry-After") != "5" || !strings.Contains(rec.Body.String(), `"code":"SERVICE_UNAVAILABLE"`) {
		t.Fatalf("got %d %q %s", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
	}
}

func TestErrorAfterTheDeadlineIs503(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 0)
	defer cancel()
	<-ctx.Done()
	rec := httptest.NewRecorder()
	writeError(rec, httptest.NewRequest("GET", "/v1/projects", nil).WithContext(ctx), errors.New("batch get: keys still unprocessed"))
	if rec.Code != 503 || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("got %d %s", rec.Code, rec.Body)
	}
}

// testKeys is a fresh signing key, its public JWK, and a verifier of the
// tokens it signs for issuer urn:test and audience parcelgate.
func testKeys(t *testing.T) (*ecdsa.PrivateKey, auth.JWK, *auth.Verifier) {
	t.Helper()
	key, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	jwk, err := auth.PublicJWK(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := auth.NewVerifier(auth.JWKS{Keys: []auth.JWK{jwk}}, "urn:test", "parcelgate", time.Now)
	if err != nil {
		t.Fatal(err)
	}
	return key, jwk, v
}
