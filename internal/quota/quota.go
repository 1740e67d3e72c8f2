// Package quota is the per-IP request quota of the contract ("Quota"):
// at most Limit requests from one source address per Window, answered
// 429 beyond it. In AWS a WAF rate-based rule enforces it (template.yaml,
// ApiWebACL); the dev server enforces it with Limiter.
//
// The window is fixed and starts with an address's first request, so the
// IETF RateLimit headers (draft-ietf-httpapi-ratelimit-headers) state it
// exactly: q requests per w seconds, r left, reset in t seconds. A token
// bucket (golang.org/x/time/rate) refills continuously and has no such
// reset instant to report.
package quota

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Default is the quota when none is configured: 600 requests per minute
// per address, the WAF rule's default too.
const Default = "600/60s"

// Off disables the quota (local load tests and benchmarks).
const Off = "off"

// Policy is Limit requests per Window from one address; the zero Policy
// is no quota.
type Policy struct {
	Limit  int
	Window time.Duration
}

// Enabled reports whether the policy limits anything.
func (p Policy) Enabled() bool { return p.Limit > 0 }

func (p Policy) String() string {
	if !p.Enabled() {
		return Off
	}
	return fmt.Sprintf("%d/%ds", p.Limit, int(p.Window/time.Second))
}

// Parse reads "N/D" (N requests per duration D, whole seconds: 600/60s,
// 100/1m) or "off"; "" is Default.
func Parse(s string) (Policy, error) {
	s = strings.TrimSpace(s)
	switch s {
	case "":
		s = Default
	case Off:
		return Policy{}, nil
	}
	n, d, ok := strings.Cut(s, "/")
	limit, err := strconv.Atoi(n)
	if !ok || err != nil || limit < 1 {
		return Policy{}, fmt.Errorf("quota %q: want requests/window like %s, or %s", s, Default, Off)
	}
	window, err := time.ParseDuration(d)
	if err != nil || window < time.Second || window%time.Second != 0 {
		return Policy{}, fmt.Errorf("quota %q: the window must be whole seconds, at least 1s (like 60s or 1m)", s)
	}
	return Policy{Limit: limit, Window: window}, nil
}

// Decision is the outcome of one request against the quota.
type Decision struct {
	Allowed bool
	// Remaining is how many more requests the window admits.
	Remaining int
	// Reset is how long until the window ends and the quota is whole again.
	Reset time.Duration
}

// Limiter counts requests per key in fixed windows. Its memory holds only
// the keys seen in the current window: ended windows are dropped once per
// window.
type Limiter struct {
	policy Policy
	now    func() time.Time

	mu        sync.Mutex
	windows   map[string]*window
	nextSweep time.Time
}

type window struct {
	end   time.Time
	count int
}

// NewLimiter returns a limiter for p; now nil means time.Now.
func NewLimiter(p Policy, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{policy: p, now: now, windows: map[string]*window{}}
}

// Take counts one request of key.
func (l *Limiter) Take(key string) Decision {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if !now.Before(l.nextSweep) {
		for k, w := range l.windows {
			if !now.Before(w.end) {
				delete(l.windows, k)
			}
		}
		l.nextSweep = now.Add(l.policy.Window)
	}
	w, ok := l.windows[key]
	if !ok || !now.Before(w.end) {
		w = &window{end: now.Add(l.policy.Window)}
		l.windows[key] = w
	}
	reset := w.end.Sub(now)
	if w.count >= l.policy.Limit {
		return Decision{Reset: reset}
	}
	w.count++
	return Decision{Allowed: true, Remaining: l.policy.Limit - w.count, Reset: reset}
}

// ProblemCode is the problem code of a 429.
const ProblemCode = "QUOTA_EXCEEDED"

// ProblemBody is the 429's body, application/problem+json. The WAF rule's
// custom response body in template.yaml is this same text (a test checks).
const ProblemBody = `{"type":"urn:parcelgate:problem:QUOTA_EXCEEDED","title":"Too Many Requests","status":429,` +
	`"detail":"too many requests from your IP address; retry after the number of seconds in Retry-After","code":"QUOTA_EXCEEDED"}`

// policyName names the quota in the RateLimit headers.
const policyName = `"default"`

// Middleware counts every request by its source address (the connection's,
// never a forwarded header a client can set) and answers 429 beyond the
// quota. Every answer carries RateLimit-Policy and RateLimit.
func (l *Limiter) Middleware(next http.Handler) http.Handler {
	policyHeader := fmt.Sprintf("%s;q=%d;w=%d", policyName, l.policy.Limit, int(l.policy.Window/time.Second))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := l.Take(sourceAddress(r))
		// Whole seconds, rounded up: a client waiting t seconds finds the
		// new window open.
		reset := strconv.Itoa(int(math.Ceil(d.Reset.Seconds())))
		h := w.Header()
		h.Set("RateLimit-Policy", policyHeader)
		h.Set("RateLimit", fmt.Sprintf("%s;r=%d;t=%s", policyName, d.Remaining, reset))
		if !d.Allowed {
			h.Set("Retry-After", reset)
			h.Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(ProblemBody + "\n"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func sourceAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
