package apiclient

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestRetryAfterReadsSecondsAndDates(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"3":                             3 * time.Second,
		"0":                             0,
		"Tue, 01 Dec 2026 12:00:10 GMT": 10 * time.Second,
		"Tue, 01 Dec 2026 11:00:00 GMT": 0,
		"":                              time.Second,
		"soon":                          time.Second,
	} {
		if got := retryAfter(v, now); got != want {
			t.Errorf("retryAfter(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestRetryTransportResendsTheBodyAfter429And503(t *testing.T) {
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, string(b))
		switch len(bodies) {
		case 1:
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
		case 2:
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			w.WriteHeader(http.StatusAccepted)
		}
	}))
	defer srv.Close()
	var waits []int
	c := &http.Client{Transport: &RetryTransport{Attempts: 5, MaxWait: time.Second, Waited: func(s int, _ time.Duration) { waits = append(waits, s) }}}
	resp, err := c.Post(srv.URL, "application/json", strings.NewReader(`{"a":1}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted || len(bodies) != 3 || bodies[2] != `{"a":1}` || len(waits) != 2 || waits[0] != 429 || waits[1] != 503 {
		t.Fatalf("status %d, bodies %q, waits %v", resp.StatusCode, bodies, waits)
	}
}

func TestRetryTransportGivesUpAfterItsAttempts(t *testing.T) {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	c := &http.Client{Transport: &RetryTransport{Attempts: 3, MaxWait: time.Second}}
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || calls != 3 {
		t.Fatalf("status %d after %d calls", resp.StatusCode, calls)
	}
}

func TestAPIErrorReadsEveryErrorBody(t *testing.T) {
	for body, want := range map[string]string{
		`{"type":"x","status":404,"code":"NOT_FOUND","detail":"no such project"}`:                        "the API answered 404 NOT_FOUND: no such project",
		`{"status":400,"error":"uknown_tracking_number","message":"Cannot identify","details":null}`:     "the API answered 400 uknown_tracking_number: Cannot identify",
		`{"data":null,"error":{"code":"BAD_REQUEST","message":"paging.size: 1 to 100"},"success":false}`: "the API answered 400 BAD_REQUEST: paging.size: 1 to 100",
		`<html>bad gateway</html>`: "the API answered 400: <html>bad gateway</html>",
	} {
		status := 400
		if strings.Contains(body, "404") {
			status = 404
		}
		if got := apiError(status, []byte(body)).Error(); got != want {
			t.Errorf("%s:\n got %q\nwant %q", body, got, want)
		}
	}
}
