package httpapi

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parcelgate/parcelgate/internal/input"
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

// FuzzTokenRequest sends the token endpoint's decoder JSON, form posts and
// Basic credentials: it never panics, refuses with a 4xx, and whatever it
// accepts carries a client id within the id limit.
func FuzzTokenRequest(f *testing.F) {
	f.Add("application/json", sampleBody(f, "auth/issue-token.json"), "")
	f.Add("application/x-www-form-urlencoded", sampleBody(f, "auth/issue-token-oauth-form.json"), "")
	f.Add("application/x-www-form-urlencoded", "grant_type=client_credentials", "Basic "+base64.StdEncoding.EncodeToString([]byte("demo:s3cret-s3cret")))
	f.Add("application/json", `{"clientId":"a","clientId":"b","clientSecret":"x"}`, "")
	f.Add("application/x-www-form-urlencoded", "grant_type=client_credentials&client_id=a&client_id=b", "")
	f.Add("application/json", "{\"clientId\":\"\xff\",\"clientSecret\":\"x\"}", "")
	f.Fuzz(func(t *testing.T, contentType, body, authorization string) {
		r := httptest.NewRequest(http.MethodPost, "/v1/auth/token", strings.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		if authorization != "" && !strings.ContainsAny(authorization, "\r\n") {
			r.Header.Set("Authorization", authorization)
		}
		req, _, err := readTokenRequest(r)
		if err == nil {
			err = input.CheckID("clientId", req.ClientID)
		}
		if err != nil {
			refusedCleanly(t, err)
			return
		}
		if len(req.ClientID) > input.MaxIDBytes {
			t.Fatalf("accepted a %d-byte client id", len(req.ClientID))
		}
	})
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
