package systemtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/parcelgate/parcelgate/internal/apitest"
	"github.com/parcelgate/parcelgate/internal/auth"
)

func TestToken200JSON(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	id, secret := e.Principal(t, "acme")
	var out struct {
		AccessToken string `json:"accessToken"`
		TokenType   string `json:"tokenType"`
		ExpiresIn   int    `json:"expiresIn"`
	}
	r := e.Call(t, "POST", "/v1/auth/token", "", map[string]string{"clientId": id, "clientSecret": secret}).Want(t, 200)
	r.JSON(t, &out)
	if out.TokenType != "Bearer" || out.ExpiresIn != 3600 || out.AccessToken == "" {
		t.Fatalf("token response %s", r.Body)
	}
	if r.Header.Get("Cache-Control") != "no-store" {
		t.Error("token response may be cached")
	}
	got, err := e.API.Verifier.Verify(out.AccessToken)
	if err != nil || got.ClientID != "acme" || got.PrincipalID != id {
		t.Fatalf("verify: %+v %v", got, err)
	}
}

func TestToken200OAuthForm(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	id, secret := e.Principal(t, "acme")
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}
	req, _ := http.NewRequest("POST", "/v1/auth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	// RFC 6749 §5.1's members and no others: the JSON body's camelCase
	// shape is a schema of its own.
	var out map[string]any
	e.Do(t, req).Want(t, 200).JSON(t, &out)
	if len(out) != 3 || out["access_token"] == "" || out["token_type"] != "Bearer" || out["expires_in"] == nil {
		t.Fatalf("an OAuth2 client's token answer: %v", out)
	}

	basic, _ := http.NewRequest("POST", "/v1/auth/token", strings.NewReader("grant_type=client_credentials"))
	basic.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	basic.SetBasicAuth(id, secret)
	e.Do(t, basic).Want(t, 200)
}

func TestToken401(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	id, _ := e.Principal(t, "acme")
	for _, body := range []map[string]string{
		{"clientId": id, "clientSecret": "wrong-secret-value"},
		{"clientId": "nobody-here", "clientSecret": "wrong-secret-value"},
	} {
		if code := e.Call(t, "POST", "/v1/auth/token", "", body).Want(t, 401).Problem(t); code != "INVALID_CLIENT" {
			t.Errorf("code %s", code)
		}
	}
}

func TestToken4xxBadInput(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	cases := []struct {
		name        string
		contentType string
		body        string
		status      int
	}{
		{"malformed", "application/json", `{"clientId":`, 400},
		{"wrong type", "application/json", `{"clientId": 42, "clientSecret": "x"}`, 400},
		{"unknown field", "application/json", `{"clientId": "a", "clientSecret": "b", "scope": "all"}`, 400},
		{"missing secret", "application/json", `{"clientId": "a"}`, 400},
		{"two values", "application/json", `{"clientId": "a", "clientSecret": "b"} {}`, 400},
		{"empty", "application/json", ``, 400},
		{"not json", "text/plain", `hello`, 415},
		{"oversized", "application/json", `{"clientId": "` + strings.Repeat("a", 5<<20) + `"}`, 413},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", "/v1/auth/token", strings.NewReader(c.body))
			req.Header.Set("Content-Type", c.contentType)
			e.Do(t, req).Want(t, c.status).Problem(t)
		})
	}
}

// OAuth2 form posts are answered in RFC 6749 §5.2's shape, not with
// problem details.
func TestToken4xxOAuthFormGetsRFC6749Errors(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	id, _ := e.Principal(t, "acme")
	cases := []struct {
		name, body, basic string
		status            int
		code              string
	}{
		{"bad grant", "grant_type=password&client_id=a&client_secret=b", "", 400, "unsupported_grant_type"},
		{"no grant", "client_id=a&client_secret=b", "", 400, "invalid_request"},
		{"unreadable form", "grant_type=client_credentials&client_id=%zz", "", 400, "invalid_request"},
		{"no credentials", "grant_type=client_credentials", "", 401, "invalid_client"},
		{"wrong secret", "grant_type=client_credentials&client_id=" + id + "&client_secret=wrong-secret-value", "", 401, "invalid_client"},
		{"wrong basic secret", "grant_type=client_credentials", "wrong-secret-value", 401, "invalid_client"},
		{"oversized", "grant_type=client_credentials&client_id=" + strings.Repeat("a", 5<<20), "", 413, "invalid_request"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", "/v1/auth/token", strings.NewReader(c.body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if c.basic != "" {
				req.SetBasicAuth(id, c.basic)
			}
			r := e.Do(t, req).Want(t, c.status)
			var body struct {
				Error       string `json:"error"`
				Description string `json:"error_description"`
			}
			r.JSON(t, &body)
			if body.Error != c.code || body.Description == "" || r.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("%s %s", r.Header.Get("Content-Type"), r.Body)
			}
			if c.status == 401 && r.Header.Get("WWW-Authenticate") == "" {
				t.Error("invalid_client without a challenge")
			}
		})
	}
}

// A standard OAuth2 client gets a token, and on a wrong secret reports
// RFC 6749's error code rather than an unparsed body.
func TestTokenOAuth2ClientCredentialsLibrary(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	id, secret := e.Principal(t, "acme")
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, e.HTTPClient())
	for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleInHeader, oauth2.AuthStyleInParams} {
		cfg := clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: e.URL + "/v1/auth/token", AuthStyle: style}
		tok, err := cfg.Token(ctx)
		if err != nil || tok.AccessToken == "" || tok.Expiry.IsZero() {
			t.Fatalf("auth style %d: %+v %v", style, tok, err)
		}
		if _, err := e.API.Verifier.Verify(tok.AccessToken); err != nil {
			t.Fatal(err)
		}
		cfg.ClientSecret = "wrong-secret-value"
		_, err = cfg.Token(ctx)
		var re *oauth2.RetrieveError
		if !errors.As(err, &re) || re.ErrorCode != "invalid_client" || re.ErrorDescription == "" || re.Response.StatusCode != 401 {
			t.Fatalf("auth style %d: wrong secret gave %v", style, err)
		}
	}
}

func TestJWKS200VerifiesIssuedTokens(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, token := e.Token(t, "acme")
	var set auth.JWKS
	e.Call(t, "GET", "/.well-known/jwks.json", "", nil).Want(t, 200).JSON(t, &set)
	v, err := auth.NewVerifier(set, e.Config.Issuer, e.Config.Audience, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(token); err != nil {
		t.Fatalf("published keys do not verify issued tokens: %v", err)
	}
}

func TestProtectedRoute401BadTokens(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, good := e.Token(t, "acme")
	other, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	forge := func(issuer, audience string, ttl time.Duration, now time.Time) string {
		iss, err := auth.NewIssuer(other, issuer, audience, ttl, func() time.Time { return now })
		if err != nil {
			t.Fatal(err)
		}
		tok, err := iss.Issue(auth.Principal{ID: "mallory", ClientID: "acme"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	parts := strings.Split(good, ".")
	cases := map[string]string{
		"no token":      "",
		"alg none":      "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + parts[1] + ".",
		"wrong key":     forge(e.Config.Issuer, e.Config.Audience, time.Hour, time.Now()),
		"truncated":     parts[0] + "." + parts[1],
		"bad signature": parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2])),
	}
	for name, tok := range cases {
		t.Run(name, func(t *testing.T) {
			r := e.Call(t, "GET", "/v1/projects", tok, nil).Want(t, 401)
			if r.Problem(t) != "UNAUTHORIZED" || r.Header.Get("WWW-Authenticate") == "" {
				t.Fatalf("401 without code or challenge: %s", r.Body)
			}
		})
	}
	// Tokens signed with the right key but expired or for another audience.
	key, err := auth.ParsePrivateKey([]byte(e.Config.PrivateKeyPEM))
	if err != nil {
		t.Fatal(err)
	}
	for name, iss := range map[string][3]any{
		"expired":        {e.Config.Issuer, e.Config.Audience, e.Clock().Add(-2 * time.Hour)},
		"wrong audience": {e.Config.Issuer, "someone-else", e.Clock()},
		"wrong issuer":   {"urn:elsewhere", e.Config.Audience, e.Clock()},
	} {
		t.Run(name, func(t *testing.T) {
			at := iss[2].(time.Time)
			i, err := auth.NewIssuer(key, iss[0].(string), iss[1].(string), time.Hour, func() time.Time { return at })
			if err != nil {
				t.Fatal(err)
			}
			tok, err := i.Issue(auth.Principal{ID: "p", ClientID: "acme"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			e.Call(t, "GET", "/v1/projects", tok, nil).Want(t, 401)
		})
	}
	e.Call(t, "GET", "/v1/projects", good, nil).Want(t, 200)
}

func newJSONRequest(t *testing.T, method, path string, body any) *http.Request {
	t.Helper()
	data, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(method, path, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	return req
}
