package httpapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/input"
	"github.com/parcelgate/parcelgate/internal/trackpage"
)

// sampleBody is the body of an API Gateway sample event under events/.
func sampleBody(tb testing.TB, name string) string {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "events", name))
	if err != nil {
		tb.Fatal(err)
	}
	var ev struct {
		Body string `json:"body"`
	}
	if err := json.Unmarshal(data, &ev); err != nil || ev.Body == "" {
		tb.Fatalf("events/%s has no body: %v", name, err)
	}
	return ev.Body
}

// refusedCleanly fails unless err is one of the API's own refusals,
// which the one error mapping answers with a 4xx.
func refusedCleanly(t *testing.T, err error) {
	t.Helper()
	var bad *input.Error
	var oauth *oauthError
	if errors.As(err, &oauth) {
		if oauth.Status >= 500 || oauth.Code == "" {
			t.Fatalf("OAuth2 refusal %+v", oauth)
		}
		return
	}
	if !errors.As(err, &bad) {
		if p := problemFor(err); p.Status >= 500 {
			t.Fatalf("refusal %v maps to %d", err, p.Status)
		}
		return
	}
	if bad.Message == "" {
		t.Fatalf("refusal without a message: %+v", bad)
	}
}

// FuzzTokenRequest sends the token endpoint JSON, form posts and Basic
// credentials: it never panics, refuses with a 4xx, answers a client id
// the id check refuses with a 400 of its own, and asks the store only for
// ids within the id limit.
func FuzzTokenRequest(f *testing.F) {
	f.Add("application/json", sampleBody(f, "auth/issue-token.json"), "")
	f.Add("application/x-www-form-urlencoded", sampleBody(f, "auth/issue-token-oauth-form.json"), "")
	f.Add("application/x-www-form-urlencoded", "grant_type=client_credentials", "Basic "+base64.StdEncoding.EncodeToString([]byte("demo:s3cret-s3cret")))
	f.Add("application/json", `{"clientId":"a","clientId":"b","clientSecret":"x"}`, "")
	f.Add("application/x-www-form-urlencoded", "grant_type=client_credentials&client_id=a&client_id=b", "")
	f.Add("application/json", "{\"clientId\":\"\xff\",\"clientSecret\":\"x\"}", "")
	f.Add("application/json", `{"clientId":"`+strings.Repeat("a", input.MaxIDBytes+1)+`","clientSecret":"x"}`, "")
	f.Add("application/x-www-form-urlencoded", "grant_type=client_credentials", "Basic "+base64.StdEncoding.EncodeToString([]byte("a\u0007b:x")))
	f.Fuzz(func(t *testing.T, contentType, body, authorization string) {
		request := func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/v1/auth/token", strings.NewReader(body))
			r.Header.Set("Content-Type", contentType)
			if authorization != "" && !strings.ContainsAny(authorization, "\r\n") {
				r.Header.Set("Authorization", authorization)
			}
			return r
		}
		store := &askedPrincipals{}
		_, jwk, v := testKeys(t)
		a := &API{Verifier: v, Revocations: &auth.Revocations{}, JWKS: auth.JWKS{Keys: []auth.JWK{jwk}},
			Credentials: auth.Credentials{Store: store, Now: time.Now}, Pages: trackpage.Pages{}}
		h, err := a.Handler()
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, request())
		for _, id := range store.ids {
			if err := input.CheckID("clientId", id); err != nil {
				t.Fatalf("the store was asked for %q, which the id check refuses: %v", id, err)
			}
		}
		// The decoder says what the request carries; what the handler
		// makes of it is what is checked.
		req, _, decodeErr := readTokenRequest(request())
		if decodeErr == nil && req.ClientID != "" && req.ClientSecret != "" && input.CheckID("clientId", req.ClientID) != nil {
			if rec.Code != http.StatusBadRequest || len(store.ids) != 0 {
				t.Fatalf("client id %q: %d %s, store asked for %q; want a 400 before the store", req.ClientID, rec.Code, rec.Body, store.ids)
			}
			return
		}
		if len(store.ids) == 0 && rec.Code >= 500 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	})
}

// askedPrincipals records the ids the handler looks up and answers each
// with errStoreAsked, so no request goes further.
type askedPrincipals struct {
	auth.PrincipalStore
	ids []string
}

var errStoreAsked = errors.New("the store was asked")

func (s *askedPrincipals) Principal(_ context.Context, id string) (auth.Principal, error) {
	s.ids = append(s.ids, id)
	return auth.Principal{}, errStoreAsked
}

// FuzzSubmission feeds job submissions to their decoder: it never panics,
// refuses with a 4xx, and accepts only bodies with valid text.
func FuzzSubmission(f *testing.F) {
	f.Add(sampleBody(f, "job-submit/submit-job.json"), "batch-42")
	f.Add(`{"action":"ADD","trackingNumbers":[null]}`, "")
	f.Add(`{"action":"ADD","trackingNumbers":[{"trackingNumber":"1Z999AA10123456784"}],"externalReference":"\u202e"}`, "k")
	f.Add(`{"action":null,"trackingNumbers":[]} {}`, "")
	f.Fuzz(func(t *testing.T, body, key string) {
		r := httptest.NewRequest(http.MethodPost, "/v1/projects/p/tracking-number-jobs", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		if key != "" && !strings.ContainsAny(key, "\r\n") {
			r.Header.Set("Idempotency-Key", key)
		}
		sub, err := readSubmission(r)
		if err != nil {
			refusedCleanly(t, err)
			return
		}
		if len(sub.IdempotencyKey) > input.MaxIDBytes {
			t.Fatalf("accepted a %d-byte key", len(sub.IdempotencyKey))
		}
		if err := input.CheckText("externalReference", sub.ExternalReference, true); err != nil {
			t.Fatalf("accepted %q: %v", sub.ExternalReference, err)
		}
	})
}
