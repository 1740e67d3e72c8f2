package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/outage"
)

func TestTokenHandlers(t *testing.T) {
	m := newMemAPI(t)
	m.client("acme", "acme-ops")
	secret := m.secrets["acme-ops"]
	good := fmt.Sprintf(`{"clientId":"acme-ops","clientSecret":%q}`, secret)
	m.run("", []exchange{
		{name: "token200", method: "POST", path: "/v1/auth/token", body: good, status: 200, want: `"tokenType":"Bearer"`},
		{name: "token400Missing", method: "POST", path: "/v1/auth/token", body: `{}`, status: 400, want: `"field":"clientSecret"`},
		{name: "token400BadID", method: "POST", path: "/v1/auth/token", body: `{"clientId":"` + strings.Repeat("a", 300) + `","clientSecret":"x"}`, status: 400},
		{name: "token401WrongSecret", method: "POST", path: "/v1/auth/token", body: `{"clientId":"acme-ops","clientSecret":"wrong"}`, status: 401, want: `"code":"INVALID_CLIENT"`},
		{name: "token401Unknown", method: "POST", path: "/v1/auth/token", body: `{"clientId":"nobody","clientSecret":"wrong"}`, status: 401},
		{name: "jwks200", method: "GET", path: "/.well-known/jwks.json", status: 200, want: `"keys"`},
		{name: "openapi200", method: "GET", path: "/openapi.yaml", status: 200, want: "openapi:"},
	})
	if rec := m.do("POST", "/v1/auth/token", "", good, "Authorization", "Basic YTpi"); rec.Code != 400 {
		t.Errorf("token400BasicAndBody: %d %s", rec.Code, rec.Body)
	}
	form := func(v url.Values, basic ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/v1/auth/token", strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if len(basic) == 2 {
			req.SetBasicAuth(basic[0], basic[1])
		}
		rec := httptest.NewRecorder()
		m.h.ServeHTTP(rec, req)
		return rec
	}
	cases := []struct {
		name   string
		form   url.Values
		basic  []string
		status int
		want   string
	}{
		{"form200", url.Values{"grant_type": {"client_credentials"}, "client_id": {"acme-ops"}, "client_secret": {secret}}, nil, 200, `"access_token":"`},
		{"form200Basic", url.Values{"grant_type": {"client_credentials"}, "client_id": {"acme-ops"}}, []string{"acme-ops", secret}, 200, `"token_type":"Bearer"`},
		{"form400NoGrant", url.Values{"client_id": {"acme-ops"}}, nil, 400, `"error":"invalid_request"`},
		{"form400OtherGrant", url.Values{"grant_type": {"password"}}, nil, 400, `"error":"unsupported_grant_type"`},
		{"form400Twice", url.Values{"grant_type": {"client_credentials", "client_credentials"}}, nil, 400, `appears more than once`},
		{"form400BasicAndBody", url.Values{"grant_type": {"client_credentials"}, "client_secret": {"x"}}, []string{"acme-ops", secret}, 400, `"error":"invalid_request"`},
		{"form401NoClient", url.Values{"grant_type": {"client_credentials"}}, nil, 401, `"error":"invalid_client"`},
		{"form401WrongSecret", url.Values{"grant_type": {"client_credentials"}, "client_id": {"acme-ops"}, "client_secret": {"no"}}, nil, 401, `"error":"invalid_client"`},
		{"form400BadID", url.Values{"grant_type": {"client_credentials"}, "client_id": {strings.Repeat("a", 300)}, "client_secret": {"no"}}, nil, 400, `"error":"invalid_request"`},
	}
	for _, c := range cases {
		rec := form(c.form, c.basic...)
		if rec.Code != c.status || !strings.Contains(rec.Body.String(), c.want) {
			t.Errorf("%s: %d %s", c.name, rec.Code, rec.Body)
		}
		if rec.Code == 401 && rec.Header().Get("WWW-Authenticate") != `Basic realm="parcelgate"` {
			t.Errorf("%s: challenge %q", c.name, rec.Header().Get("WWW-Authenticate"))
		}
		if rec.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q", c.name, rec.Header().Get("Cache-Control"))
		}
	}
	req := httptest.NewRequest("POST", "/v1/auth/token", strings.NewReader("a=%zz"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	m.h.ServeHTTP(rec, req)
	if rec.Code != 400 {
		t.Errorf("form400Unreadable: %d %s", rec.Code, rec.Body)
	}
}

// A refused token is a problem body on every route, whatever the route's
// own error shape; a credential disabled since its token was issued is
// refused at once.
func TestAuthFailures(t *testing.T) {
	m := newMemAPI(t)
	owner := m.client("acme", "acme-ops")
	member := m.client("acme", "acme-dev")
	for _, path := range []string{"/v1/projects", "/v1/messages/unmapped-statuses"} {
		for _, c := range []struct{ name, auth, challenge string }{
			{"get401NoToken", "", `Bearer realm="parcelgate"`},
			{"get401Basic", "Basic YTpi", `Bearer realm="parcelgate"`},
			{"get401Garbage", "Bearer not.a.token", `Bearer realm="parcelgate", error="invalid_token"`},
		} {
			rec := m.do("GET", path, "", "", "Authorization", c.auth)
			if rec.Code != 401 || rec.Header().Get("WWW-Authenticate") != c.challenge || rec.Header().Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s %s: %d %v %s", c.name, path, rec.Code, rec.Header(), rec.Body)
			}
		}
	}
	// The message gateway answers its own errors in its envelope, but not a refused token.
	rec := m.do("POST", "/v1/messages", "not.a.token", `{}`)
	if rec.Code != 401 || !strings.Contains(rec.Body.String(), `"code":"UNAUTHORIZED"`) || rec.Header().Get("Content-Type") != "application/problem+json" {
		t.Errorf("inject401: %d %s", rec.Code, rec.Body)
	}
	m.must(200, nil, "PATCH", "/v1/credentials/acme-dev", owner, `{"enabled":false}`)
	if rec := m.do("GET", "/v1/projects", member, ""); rec.Code != 401 || !strings.Contains(rec.Header().Get("WWW-Authenticate"), "invalid_token") {
		t.Errorf("list401Disabled: %d %s", rec.Code, rec.Body)
	}
}

// failingPrincipals fails the revocation check's read.
type failingPrincipals struct {
	auth.PrincipalStore
	err error
}

func (f failingPrincipals) Principal(context.Context, string) (auth.Principal, error) {
	return auth.Principal{}, f.err
}

// The revocation check failing is the route's failure, in its shape.
func TestRevocationCheckFailingIsAnsweredInTheRoutesShape(t *testing.T) {
	m := newMemAPI(t)
	token := m.client("acme", "acme-ops")
	m.api.Revocations = &auth.Revocations{Store: failingPrincipals{err: outage.Wrap(errors.New("table unreachable"))}, Now: m.api.Credentials.Now}
	h, err := m.api.Handler()
	if err != nil {
		t.Fatal(err)
	}
	m.h = h
	m.run(token, []exchange{
		{name: "list503", method: "GET", path: "/v1/projects", status: 503, want: `"code":"SERVICE_UNAVAILABLE"`},
		{name: "inject503Envelope", method: "POST", path: "/v1/messages", body: `{}`, status: 503, want: `"success":false`},
	})
}

func TestCredentialHandlers(t *testing.T) {
	m := newMemAPI(t)
	owner := m.client("acme", "acme-ops")
	member := m.client("acme", "acme-dev")
	m.run(owner, []exchange{
		{name: "list200", method: "GET", path: "/v1/credentials", status: 200, want: `"clientId":"acme-dev"`},
		{name: "list400Limit", method: "GET", path: "/v1/credentials?limit=1001", status: 400},
		{name: "create201", method: "POST", path: "/v1/credentials", body: `{"clientId":"acme-ci"}`, status: 201, want: `"clientSecret":"`},
		{name: "create201Owner", method: "POST", path: "/v1/credentials", body: `{"clientId":"acme-boss","role":"owner"}`, status: 201, want: `"role":"owner"`},
		{name: "create409", method: "POST", path: "/v1/credentials", body: `{"clientId":"acme-ci"}`, status: 409, want: `"code":"PRINCIPAL_EXISTS"`},
		{name: "create400Body", method: "POST", path: "/v1/credentials", body: `{"clientId":1}`, status: 400},
		{name: "update200", method: "PATCH", path: "/v1/credentials/acme-ci", body: `{"enabled":false}`, status: 200, want: `"enabled":false`},
		{name: "update400Missing", method: "PATCH", path: "/v1/credentials/acme-ci", body: `{}`, status: 400, want: `"field":"enabled"`},
		{name: "update400Body", method: "PATCH", path: "/v1/credentials/acme-ci", body: `nope`, status: 400},
		{name: "update404", method: "PATCH", path: "/v1/credentials/nobody", body: `{"enabled":true}`, status: 404},
		{name: "rotate200NoBody", method: "POST", path: "/v1/credentials/acme-ci/rotate-secret", status: 200, want: `"clientSecret":"`},
		{name: "rotate200Grace", method: "POST", path: "/v1/credentials/acme-ci/rotate-secret", body: `{"graceSeconds":60}`, status: 200, want: `"previousSecretExpiresAt":"`},
		{name: "rotate400Body", method: "POST", path: "/v1/credentials/acme-ci/rotate-secret", body: `{"graceSeconds":"x"}`, status: 400},
		{name: "rotate404", method: "POST", path: "/v1/credentials/nobody/rotate-secret", status: 404},
		{name: "delete204", method: "DELETE", path: "/v1/credentials/acme-ci", status: 204},
		{name: "delete404", method: "DELETE", path: "/v1/credentials/nobody", status: 404},
		{name: "audit200", method: "GET", path: "/v1/credentials/audit?limit=2", status: 200, want: `"action":"`},
		{name: "audit400Limit", method: "GET", path: "/v1/credentials/audit?limit=x", status: 400, want: `"message":"limit must be an integer from 1 to 1000"`},
		{name: "audit400After", method: "GET", path: "/v1/credentials/audit?after=" + strings.Repeat("a", maxCursorBytes), status: 400},
	})
	m.run(member, []exchange{
		{name: "list403Member", method: "GET", path: "/v1/credentials", status: 403, want: `"code":"FORBIDDEN"`},
		{name: "audit403Member", method: "GET", path: "/v1/credentials/audit", status: 403},
	})
}
