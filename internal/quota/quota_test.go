package quota

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestParseReadsRequestsPerWindowOrOff(t *testing.T) {
	for in, want := range map[string]Policy{
		"":        {Limit: 600, Window: time.Minute},
		"600/60s": {Limit: 600, Window: time.Minute},
		"100/1m":  {Limit: 100, Window: time.Minute},
		" 5/2s ":  {Limit: 5, Window: 2 * time.Second},
		"off":     {},
	} {
		got, err := Parse(in)
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
}

func TestParseRejectsWhatItCannotEnforce(t *testing.T) {
	for _, in := range []string{"600", "0/60s", "-1/60s", "x/60s", "600/", "600/500ms", "600/1.5s", "600/0s", "OFF"} {
		if p, err := Parse(in); err == nil {
			t.Errorf("Parse(%q) = %v, want an error", in, p)
		}
	}
}

func TestPolicyStringRoundTrips(t *testing.T) {
	for _, s := range []string{"600/60s", "off", "5/2s"} {
		p, err := Parse(s)
		if err != nil || p.String() != s {
			t.Errorf("Parse(%q).String() = %q, %v", s, p.String(), err)
		}
	}
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestLimiterAdmitsLimitPerWindowThenRecovers(t *testing.T) {
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := NewLimiter(Policy{Limit: 3, Window: time.Minute}, c.now)
	for i := 2; i >= 0; i-- {
		if d := l.Take("a"); !d.Allowed || d.Remaining != i || d.Reset != time.Minute {
			t.Fatalf("request %d: %+v", 3-i, d)
		}
	}
	c.t = c.t.Add(40 * time.Second)
	if d := l.Take("a"); d.Allowed || d.Remaining != 0 || d.Reset != 20*time.Second {
		t.Fatalf("over the limit: %+v, want refused with 20s to reset", d)
	}
	if d := l.Take("b"); !d.Allowed || d.Remaining != 2 {
		t.Fatalf("another address shares the quota: %+v", d)
	}
	c.t = c.t.Add(20 * time.Second)
	if d := l.Take("a"); !d.Allowed || d.Remaining != 2 || d.Reset != time.Minute {
		t.Fatalf("after the window: %+v, want a fresh window", d)
	}
}

func TestLimiterForgetsEndedWindows(t *testing.T) {
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := NewLimiter(Policy{Limit: 1, Window: time.Second}, c.now)
	for _, k := range []string{"a", "b", "c"} {
		l.Take(k)
	}
	c.t = c.t.Add(2 * time.Second)
	l.Take("d")
	if len(l.windows) != 1 {
		t.Fatalf("%d windows kept, want only d's", len(l.windows))
	}
}

func TestMiddlewareAnswers429WithRateLimitHeaders(t *testing.T) {
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := NewLimiter(Policy{Limit: 2, Window: 60 * time.Second}, c.now)
	h := l.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	call := func(addr string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/v1/projects", nil)
		req.RemoteAddr = addr
		h.ServeHTTP(rec, req)
		return rec
	}
	rec := call("192.0.2.1:1000")
	if rec.Code != http.StatusNoContent || rec.Header().Get("RateLimit-Policy") != `"default";q=2;w=60` || rec.Header().Get("RateLimit") != `"default";r=1;t=60` {
		t.Fatalf("first request: %d %v", rec.Code, rec.Header())
	}
	call("192.0.2.1:1001") // another connection, the same address
	c.t = c.t.Add(12500 * time.Millisecond)
	rec = call("192.0.2.1:1002")
	if rec.Code != http.StatusTooManyRequests {
		t.Fatalf("third request: %d, want 429", rec.Code)
	}
	for name, want := range map[string]string{
		"Retry-After":      "48", // 47.5 s rounded up
		"RateLimit":        `"default";r=0;t=48`,
		"RateLimit-Policy": `"default";q=2;w=60`,
		"Content-Type":     "application/problem+json",
	} {
		if got := rec.Header().Get(name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	var p struct {
		Status int    `json:"status"`
		Code   string `json:"code"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Status != 429 || p.Code != ProblemCode {
		t.Errorf("body %s: %+v %v", rec.Body, p, err)
	}
	if rec := call("[2001:db8::1]:1000"); rec.Code != http.StatusNoContent {
		t.Errorf("another address: %d", rec.Code)
	}
}
