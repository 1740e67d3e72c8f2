package apiclient

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"time"
)

// RetryTransport retries requests the server answered 429 or 503, after
// the Retry-After the server asked for (capped at MaxWait; 1 s when it
// named none). Requests with bodies are retried only when the body can be
// read again (http.NewRequest with a bytes or strings reader).
type RetryTransport struct {
	Base     http.RoundTripper
	Attempts int           // in all, first try included
	MaxWait  time.Duration // the longest single wait
	// Waited, when set, hears each wait (the CLI tells the user).
	Waited func(status int, d time.Duration)
}

// RoundTrip implements http.RoundTripper.
func (t *RetryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	for attempt := 1; ; attempt++ {
		resp, err := base.RoundTrip(req)
		if err != nil || attempt >= t.Attempts || (resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable) {
			return resp, err
		}
		if req.Body != nil && req.GetBody == nil {
			return resp, nil
		}
		wait := min(retryAfter(resp.Header.Get("Retry-After"), time.Now()), t.MaxWait)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if t.Waited != nil {
			t.Waited(resp.StatusCode, wait)
		}
		if err := sleep(req.Context(), wait); err != nil {
			return nil, err
		}
		if req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			req = req.Clone(req.Context())
			req.Body = body
		}
	}
}

// retryAfter reads Retry-After: seconds or an HTTP date (RFC 9110 §10.2.3).
func retryAfter(v string, now time.Time) time.Duration {
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0)
	}
	return time.Second
}

func sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
