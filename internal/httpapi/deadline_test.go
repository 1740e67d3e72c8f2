package httpapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/outage"
	"github.com/parcelgate/parcelgate/internal/trackpage"
)

// stuckRoute serves a handler that ignores its context: it answers only
// when release is closed, and reports what its late write returned.
func stuckRoute(release <-chan struct{}, wrote chan<- error) Route {
	return Route{Method: "GET", Path: "/stuck", Handle: func(_ *API, w http.ResponseWriter, _ *http.Request) error {
		<-release
		w.Header().Set("X-Late", "yes")
		w.WriteHeader(http.StatusOK)
		_, err := w.Write([]byte(`{"late":true}`))
		wrote <- err
		return nil
	}}
}

func serveOnce(t *testing.T, a *API, rt Route, req *http.Request) (*httptest.ResponseRecorder, Answered) {
	t.Helper()
	var got Answered
	a.Observe = func(an Answered) { got = an }
	rec := httptest.NewRecorder()
	a.withDeadline(rt, a.Deadline, a.serve(rt, checkText(func(w http.ResponseWriter, r *http.Request) error { return rt.Handle(a, w, r) }, rt))).ServeHTTP(rec, req)
	return rec, got
}

// A handler still busy when the answer is due: the wrapper answers 503
// with Retry-After in time, once; the handler's later writes go nowhere.
func TestDeadlineAnswersForAHandlerStillBusy(t *testing.T) {
	release, wrote := make(chan struct{}), make(chan error, 1)
	a := &API{Deadline: 300 * time.Millisecond}
	rec, got := serveOnce(t, a, stuckRoute(release, wrote), httptest.NewRequest("GET", "/stuck", nil))
	close(release)
	if err := <-wrote; !errors.Is(err, http.ErrHandlerTimeout) {
		t.Errorf("late write returned %v, want ErrHandlerTimeout", err)
	}
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" || rec.Header().Get("X-Late") != "" {
		t.Fatalf("got %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
	if !strings.Contains(rec.Body.String(), `"code":"SERVICE_UNAVAILABLE"`) || strings.Contains(rec.Body.String(), "late") {
		t.Fatalf("body %s", rec.Body)
	}
	if !got.Late || got.Status != http.StatusServiceUnavailable || got.Elapsed >= a.Deadline || got.StoreBudget != 240*time.Millisecond {
		t.Fatalf("observed %+v", got)
	}
}

// The deadline counts from the request's arrival, not from when the
// handler began: a request that waited (a cold start) has less left.
func TestDeadlineCountsFromArrival(t *testing.T) {
	a := &API{Deadline: 5 * time.Second}
	var left time.Duration
	rt := Route{Method: "GET", Path: "/left", Handle: func(_ *API, w http.ResponseWriter, r *http.Request) error {
		d, _ := r.Context().Deadline()
		left = time.Until(d)
		w.WriteHeader(http.StatusNoContent)
		return nil
	}}
	req := httptest.NewRequest("GET", "/left", nil)
	req = req.WithContext(WithArrival(req.Context(), time.Now().Add(-3*time.Second)))
	rec, got := serveOnce(t, a, rt, req)
	if rec.Code != http.StatusNoContent || got.Late || got.Elapsed < 3*time.Second {
		t.Fatalf("got %d, observed %+v", rec.Code, got)
	}
	if left > time.Second {
		t.Fatalf("the handler had %s of its 4 s store budget left 3 s after arrival", left)
	}
}

// Routes answering errors in their own shape keep it when the wrapper
// answers for them.
func TestDeadlineAnswersInTheRoutesShape(t *testing.T) {
	for _, c := range []struct {
		pattern, path, contentType, want string
	}{
		{"POST /v1/messages", "/v1/messages", "application/json", `"success":false`},
		{"POST /v1/tracker", "/v1/tracker", "application/json", `"success":false`},
		{"GET /track/{tracking_number}", "/track/1Z999AA10123456784", "text/html; charset=utf-8", "<html"},
	} {
		t.Run(c.pattern, func(t *testing.T) {
			var rt Route
			for _, r := range Routes {
				if r.Pattern() == c.pattern {
					rt = r
				}
			}
			release, wrote := make(chan struct{}), make(chan error, 1)
			stuck := stuckRoute(release, wrote)
			rt.Handle = stuck.Handle
			a := &API{Deadline: 200 * time.Millisecond, Pages: trackpage.Pages{}}
			req := httptest.NewRequest(rt.Method, c.path, nil)
			req.SetPathValue("tracking_number", "1Z999AA10123456784")
			rec, _ := serveOnce(t, a, rt, req)
			close(release)
			<-wrote
			if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" ||
				rec.Header().Get("Content-Type") != c.contentType || !strings.Contains(rec.Body.String(), c.want) {
				t.Fatalf("got %d %v %s", rec.Code, rec.Header(), rec.Body)
			}
		})
	}
}

// A handler that panics after the wrapper answered for it does not take
// the process down; one that panics in time is answered by logRequests.
func TestDeadlineSurvivesALatePanic(t *testing.T) {
	release, done := make(chan struct{}), make(chan struct{})
	rt := Route{Method: "GET", Path: "/panic", Handle: func(_ *API, _ http.ResponseWriter, _ *http.Request) error {
		defer close(done)
		<-release
		panic("late")
	}}
	a := &API{Deadline: 200 * time.Millisecond}
	rec, _ := serveOnce(t, a, rt, httptest.NewRequest("GET", "/panic", nil))
	close(release)
	<-done
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("got %d", rec.Code)
	}
}

func TestDeadlineMustBeUnderTheGatewaysLimit(t *testing.T) {
	_, _, v := testKeys(t)
	for _, d := range []time.Duration{GatewayLimit, time.Minute} {
		if _, err := (&API{Verifier: v, Deadline: d}).Handler(); err == nil {
			t.Errorf("a %s deadline was accepted", d)
		}
	}
	if d, err := (&API{}).deadline(); err != nil || d != DefaultDeadline {
		t.Fatalf("default %s, %v", d, err)
	}
}

// The wrapper's context ends the store calls first; clean-ups get until
// the answer is due.
func TestDeadlineGivesCleanUpsUntilTheAnswer(t *testing.T) {
	a := &API{Deadline: time.Second}
	var store, answer time.Time
	rt := Route{Method: "GET", Path: "/parts", Handle: func(_ *API, w http.ResponseWriter, r *http.Request) error {
		store, _ = r.Context().Deadline()
		answer, _ = detachedDeadline(r.Context())
		w.WriteHeader(http.StatusNoContent)
		return nil
	}}
	arrived := time.Now()
	req := httptest.NewRequest("GET", "/parts", nil)
	serveOnce(t, a, rt, req.WithContext(WithArrival(req.Context(), arrived)))
	if store.Sub(arrived) != 800*time.Millisecond || answer.Sub(arrived) != 900*time.Millisecond {
		t.Fatalf("store calls end %s, clean-ups %s after arrival", store.Sub(arrived), answer.Sub(arrived))
	}
}

func detachedDeadline(ctx context.Context) (time.Time, bool) {
	ctx, cancel := outage.Detach(ctx)
	defer cancel()
	return ctx.Deadline()
}
