//go:build integration

package devserver_test

import (
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/apitest"
	"github.com/parcelgate/parcelgate/internal/quota"
)

func TestMain(m *testing.M) {
	apitest.RequireStack()
	os.Exit(m.Run())
}

// The dev server's per-IP quota, with a window short enough to wait out:
// every answer states the quota, the request past it is 429 whatever the
// route (before authentication), and the next window admits requests again.
func TestQuotaAnswers429PastTheLimitAndRecoversAfterTheWindow(t *testing.T) {
	const limit, window = 3, 3 * time.Second
	e := apitest.StartWith(t, apitest.Options{Quota: quota.Policy{Limit: limit, Window: window}})
	for i := range limit {
		r := e.Call(t, http.MethodGet, "/.well-known/jwks.json", "", nil).Want(t, http.StatusOK)
		if got := r.Header.Get("RateLimit-Policy"); got != `"default";q=3;w=3` {
			t.Errorf("RateLimit-Policy %q", got)
		}
		if got, want := r.Header.Get("RateLimit"), `"default";r=`+strconv.Itoa(limit-1-i)+`;t=`; len(got) < len(want) || got[:len(want)] != want {
			t.Errorf("request %d: RateLimit %q, want %s<seconds>", i+1, got, want)
		}
	}
	r := e.Call(t, http.MethodPost, "/v1/projects", "not-a-token", map[string]string{"name": "x"}).Want(t, http.StatusTooManyRequests)
	if code := r.Problem(t); code != quota.ProblemCode {
		t.Errorf("code %s, want %s", code, quota.ProblemCode)
	}
	wait, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || wait < 1 || wait > 3 {
		t.Fatalf("Retry-After %q, want 1 to 3 seconds", r.Header.Get("Retry-After"))
	}
	if got, want := r.Header.Get("RateLimit"), `"default";r=0;t=`+strconv.Itoa(wait); got != want {
		t.Errorf("RateLimit %q, want %q", got, want)
	}
	time.Sleep(time.Duration(wait) * time.Second)
	r = e.Call(t, http.MethodGet, "/.well-known/jwks.json", "", nil).Want(t, http.StatusOK)
	if got, want := r.Header.Get("RateLimit"), `"default";r=2;t=3`; got != want {
		t.Errorf("after the window: RateLimit %q, want %q", got, want)
	}
}
