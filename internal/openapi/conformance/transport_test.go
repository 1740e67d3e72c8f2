package conformance

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// These tests exercise the validator itself, against hand-written answers.

const (
	jwt        = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJjIn0.c2ln"
	project    = `{"projectId":"p1","name":"Shop","createdAt":"2025-01-02T03:04:05Z","role":"admin"}`
	member     = `{"projectId":"p1","principalId":"c2","role":"viewer","addedAt":"2025-01-02T03:04:05.123Z"}`
	jsonType   = "application/json"
	problemCT  = "application/problem+json"
	bearer     = "Bearer " + jwt
	formCT     = "application/x-www-form-urlencoded"
	validToken = `{"accessToken":"` + jwt + `","tokenType":"Bearer","expiresIn":3600}`
)

func problem(status int, code string) string {
	return `{"type":"urn:parcelgate:problem:` + code + `","title":"t","status":` + strconv.Itoa(status) +
		`,"detail":"d","code":"` + code + `"}`
}

// answer is a hand-written server response.
type answer struct {
	status int
	ctype  string
	header map[string]string
	body   string
}

// request is what the test client sends.
type request struct {
	method, path, ctype, auth, body string
}

type recorder struct {
	mu   sync.Mutex
	errs []error
}

func (r *recorder) report(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, err)
}

func (r *recorder) reports() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]error(nil), r.errs...)
}

// roundTrip sends req through a validating transport to a server that
// replies ans, and returns what was reported.
func roundTrip(t *testing.T, req request, ans answer) []error {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		for k, v := range ans.header {
			w.Header().Set(k, v)
		}
		if ans.ctype != "" {
			w.Header().Set("Content-Type", ans.ctype)
		}
		w.WriteHeader(ans.status)
		_, _ = io.WriteString(w, ans.body)
	}))
	defer srv.Close()
	rec := &recorder{}
	tr, err := NewValidatingTransport(srv.Client().Transport, rec.report)
	if err != nil {
		t.Fatal(err)
	}
	send(t, tr, srv.URL, req)
	return rec.reports()
}

func send(t *testing.T, tr http.RoundTripper, base string, req request) *http.Response {
	t.Helper()
	var body io.Reader
	if req.body != "" {
		body = strings.NewReader(req.body)
	}
	r, err := http.NewRequest(req.method, base+req.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if req.ctype != "" {
		r.Header.Set("Content-Type", req.ctype)
	}
	if req.auth != "" {
		r.Header.Set("Authorization", req.auth)
	}
	resp, err := (&http.Client{Transport: tr}).Do(r)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestTransport(t *testing.T) {
	getProject := request{method: "GET", path: "/v1/projects/p1", auth: bearer}
	createProject := func(body string) request {
		return request{method: "POST", path: "/v1/projects", ctype: jsonType, auth: bearer, body: body}
	}
	created := answer{status: 201, ctype: jsonType, header: map[string]string{"Location": "/v1/projects/p1"}, body: project}
	unauthorized := map[string]string{"WWW-Authenticate": `Bearer realm="parcelgate"`}
	cases := []struct {
		name string
		req  request
		ans  answer
		want string // substring of the one report; "" for none
	}{
		{"correct exchange", getProject, answer{200, jsonType, nil, project}, ""},
		{"charset parameter", getProject, answer{200, jsonType + "; charset=utf-8", nil, project}, ""},
		{"undocumented status", getProject, answer{418, problemCT, nil, problem(418, "TEAPOT")}, "status is not supported"},
		{"missing required field", getProject,
			answer{200, jsonType, nil, `{"projectId":"p1","name":"Shop","role":"admin"}`}, "createdAt"},
		{"extra field", getProject,
			answer{200, jsonType, nil, strings.Replace(project, "{", `{"secret":"x",`, 1)}, "secret"},
		{"timestamp not in UTC", getProject,
			answer{200, jsonType, nil, strings.Replace(project, "03:04:05Z", "03:04:05+02:00", 1)}, "createdAt"},
		{"wrong error code", getProject, answer{404, problemCT, nil, problem(404, "PROJECT_NOT_FOUND")}, "code"},
		{"problem sent as plain JSON", getProject, answer{404, jsonType, nil, problem(404, "NOT_FOUND")}, "Content-Type"},
		{"documented 404", getProject, answer{404, problemCT, nil, problem(404, "NOT_FOUND")}, ""},

		{"bad body refused", createProject(`{"name":""}`), answer{422, problemCT, nil, problem(422, "VALIDATION_FAILED")}, ""},
		{"bad body accepted", createProject(`{"name":""}`), created, "request accepted"},
		{"unknown body field accepted", createProject(`{"name":"a","x":1}`), created, "request accepted"},
		{"created without Location", createProject(`{"name":"Shop"}`), answer{201, jsonType, nil, project}, "Location"},
		{"created", createProject(`{"name":"Shop"}`), created, ""},

		{"no token refused", request{method: "GET", path: "/v1/projects"},
			answer{401, problemCT, unauthorized, problem(401, "UNAUTHORIZED")}, ""},
		{"no token accepted", request{method: "GET", path: "/v1/projects"},
			answer{200, jsonType, nil, `{"items":[],"nextCursor":null}`}, "request accepted"},
		{"bad token refused", request{method: "GET", path: "/v1/projects", auth: "Bearer nonsense"},
			answer{401, problemCT, unauthorized, problem(401, "UNAUTHORIZED")}, ""},
		{"401 without WWW-Authenticate", request{method: "GET", path: "/v1/projects"},
			answer{401, problemCT, nil, problem(401, "UNAUTHORIZED")}, "WWW-Authenticate"},
		{"page", request{method: "GET", path: "/v1/projects?limit=5&cursor=abc", auth: bearer},
			answer{200, jsonType, nil, `{"items":[` + project + `],"nextCursor":"next"}`}, ""},
		{"page without nextCursor", request{method: "GET", path: "/v1/projects", auth: bearer},
			answer{200, jsonType, nil, `{"items":[]}`}, "nextCursor"},
		{"limit out of range refused", request{method: "GET", path: "/v1/projects?limit=5000", auth: bearer},
			answer{400, problemCT, nil, problem(400, "BAD_REQUEST")}, ""},
		{"limit out of range accepted", request{method: "GET", path: "/v1/projects?limit=5000", auth: bearer},
			answer{200, jsonType, nil, `{"items":[],"nextCursor":null}`}, "limit"},

		{"put member", request{method: "PUT", path: "/v1/projects/p1/members/c2", ctype: jsonType, auth: bearer, body: `{"role":"viewer"}`},
			answer{200, jsonType, nil, member}, ""},
		{"put member forbidden", request{method: "PUT", path: "/v1/projects/p1/members/c2", ctype: jsonType, auth: bearer, body: `{"role":"viewer"}`},
			answer{403, problemCT, nil, problem(403, "FORBIDDEN")}, ""},
		{"members page", request{method: "GET", path: "/v1/projects/p1/members", auth: bearer},
			answer{200, jsonType, nil, `{"items":[` + member + `],"nextCursor":null}`}, ""},

		{"token from JSON", request{method: "POST", path: "/v1/auth/token", ctype: jsonType, body: `{"clientId":"c","clientSecret":"s"}`},
			answer{200, jsonType, nil, validToken}, ""},
		{"token from form with Basic", request{method: "POST", path: "/v1/auth/token", ctype: formCT, auth: "Basic Yzpz", body: "grant_type=client_credentials"},
			answer{200, jsonType, nil, `{"access_token":"` + jwt + `","token_type":"Bearer","expires_in":3600}`}, ""},
		{"token with both shapes' members", request{method: "POST", path: "/v1/auth/token", ctype: formCT, auth: "Basic Yzpz", body: "grant_type=client_credentials"},
			answer{200, jsonType, nil, `{"accessToken":"` + jwt + `","tokenType":"Bearer","expiresIn":3600,"access_token":"` + jwt + `","token_type":"Bearer","expires_in":3600}`}, `property "access_token" is unsupported`},
		{"token form without grant_type accepted", request{method: "POST", path: "/v1/auth/token", ctype: formCT, body: "client_id=c&client_secret=s"},
			answer{200, jsonType, nil, validToken}, "grant_type"},
		{"wrong secret", request{method: "POST", path: "/v1/auth/token", ctype: jsonType, body: `{"clientId":"c","clientSecret":"x"}`},
			answer{401, problemCT, nil, problem(401, "INVALID_CLIENT")}, ""},
		{"jwks", request{method: "GET", path: "/.well-known/jwks.json"},
			answer{200, jsonType, nil, `{"keys":[{"kty":"EC","crv":"P-256","x":"AAA","y":"BBB","kid":"k1","use":"sig","alg":"ES256"}]}`}, ""},

		{"path not in the spec", request{method: "GET", path: "/v1/nope", auth: bearer},
			answer{404, problemCT, nil, problem(404, "NOT_FOUND")}, "path is not in the spec"},
		{"method not allowed", request{method: "DELETE", path: "/v1/projects", auth: bearer},
			answer{405, problemCT, map[string]string{"Allow": "GET, POST"}, problem(405, "METHOD_NOT_ALLOWED")}, ""},
		{"405 without Allow", request{method: "DELETE", path: "/v1/projects", auth: bearer},
			answer{405, problemCT, nil, problem(405, "METHOD_NOT_ALLOWED")}, "Allow"},
		{"undocumented method served", request{method: "DELETE", path: "/v1/projects", auth: bearer},
			answer{204, "", nil, ""}, "method is not in the spec"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := roundTrip(t, c.req, c.ans)
			for _, err := range got {
				t.Log(err)
			}
			switch {
			case c.want == "" && len(got) > 0:
				t.Errorf("reported %v, want nothing", got)
			case c.want != "" && len(got) != 1:
				t.Errorf("reported %d errors %v, want one mentioning %q", len(got), got, c.want)
			case c.want != "" && !strings.Contains(got[0].Error(), c.want):
				t.Errorf("reported %q, want it to mention %q", got[0], c.want)
			}
		})
	}
}

// Both the server and the caller must see the bodies untouched.
func TestTransportKeepsBodies(t *testing.T) {
	const sent = `{"name":"Shop"}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ := io.ReadAll(r.Body)
		if string(got) != sent {
			t.Errorf("server read %q, want %q", got, sent)
		}
		w.Header().Set("Location", "/v1/projects/p1")
		w.Header().Set("Content-Type", jsonType)
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, project)
	}))
	defer srv.Close()
	rec := &recorder{}
	tr, err := NewValidatingTransport(nil, rec.report)
	if err != nil {
		t.Fatal(err)
	}
	// Concurrent use, for the race detector.
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp := send(t, tr, srv.URL, request{method: "POST", path: "/v1/projects", ctype: jsonType, auth: bearer, body: sent})
			got, err := io.ReadAll(resp.Body)
			if err != nil || string(got) != project {
				t.Errorf("caller read %q, %v; want %q", got, err, project)
			}
		}()
	}
	wg.Wait()
	if errs := rec.reports(); len(errs) > 0 {
		t.Errorf("reported %v", errs)
	}
}

func TestNewValidatingTransportNeedsReport(t *testing.T) {
	if _, err := NewValidatingTransport(nil, nil); err == nil {
		t.Error("nil report accepted")
	}
}
