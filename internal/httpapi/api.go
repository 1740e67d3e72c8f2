// Package httpapi is the HTTP face of parcelgate: routes, request decoding,
// authentication and the mapping of domain errors to responses. Handlers
// only translate; the rules live in the domain packages.
package httpapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/parcelgate/parcelgate/internal/account"
	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/data"
	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/logging"
	"github.com/parcelgate/parcelgate/internal/message"
	"github.com/parcelgate/parcelgate/internal/outbox"
	"github.com/parcelgate/parcelgate/internal/project"
	"github.com/parcelgate/parcelgate/internal/task"
	"github.com/parcelgate/parcelgate/internal/tracker"
	"github.com/parcelgate/parcelgate/internal/tracking"
	"github.com/parcelgate/parcelgate/internal/webhook"
)

// API holds what the handlers need. A Lambda builds it with only the
// parts its routes use; the others stay nil.
type API struct {
	Credentials auth.Credentials
	// Issuer signs tokens; only the auth function holds the private key.
	Issuer   *auth.Issuer
	JWKS     auth.JWKS
	Verifier *auth.Verifier
	// Revocations refuses the tokens of credentials disabled, deleted or
	// revoked since issue; every function with protected routes has one.
	Revocations *auth.Revocations
	Projects    project.Service
	Jobs        job.Service
	Messages    message.Service
	Tracking    tracking.Service
	Tracker     tracker.Service
	Webhooks    webhook.Service
	Logger      *slog.Logger
	// Deadline bounds every request from its arrival; zero means
	// DefaultDeadline (deadline.go).
	Deadline time.Duration
	// Observe, when set, is told of every answer of a route (tests).
	Observe func(Answered)

	// Data serves the data exchange of weavy.
	Data data.Service
	// Outbox takes report outbox requests (weavy-compatible).
	Outbox outbox.Service

	// Accounts and Tasks serve weavy's accounts, licences and
	// processing tasks.
	Accounts account.Service
	Tasks    task.Service

	// Estimates, when set, adds estimated deliveries to tracking resources.
	Estimates Estimator
	// Pages renders the public tracking page (trackpage.Pages); the
	// function serving it is given it.
	Pages Pages

	// Analytics, when set, answers delivery analytics.
	Analytics DeliveryAnalytics
}

type identityKey struct{}

func identity(ctx context.Context) auth.Identity {
	id, _ := ctx.Value(identityKey{}).(auth.Identity)
	return id
}

func caller(r *http.Request) project.Caller {
	id := identity(r.Context())
	return project.Caller{ClientID: id.ClientID, PrincipalID: id.PrincipalID}
}

// Handler serves the routes of the named functions, or every route when
// none is named (the local dev server).
func (a *API) Handler(functions ...string) (http.Handler, error) {
	want := map[string]bool{}
	for _, f := range functions {
		want[f] = true
	}
	d, err := a.deadline()
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	served := 0
	for _, rt := range Routes {
		if len(want) > 0 && !want[rt.Function] {
			continue
		}
		if rt.Handle == nil {
			return nil, fmt.Errorf("route %s has no handler", rt.Pattern())
		}
		h := checkText(func(w http.ResponseWriter, r *http.Request) error { return rt.Handle(a, w, r) }, rt)
		if rt.Errors == pageErrors && a.Pages == nil {
			return nil, fmt.Errorf("route %s needs the tracking pages", rt.Pattern())
		}
		if !rt.Public {
			if a.Verifier == nil || a.Revocations == nil {
				return nil, fmt.Errorf("route %s needs a token verifier and revocations", rt.Pattern())
			}
			h = a.authenticate(h)
		}
		mux.Handle(rt.muxPattern(), a.withDeadline(rt, d, a.serve(rt, h)))
		served++
	}
	if served == 0 {
		return nil, fmt.Errorf("no routes for functions %v", functions)
	}
	return a.logRequests(limitBody(fallback(mux))), nil
}

// authenticate admits requests bearing a valid access token. A refused
// token is a problem body on every route (refusedToken); the revocation
// check failing (the store unavailable) is answered in the route's own
// shape, as any other failure of the route.
func (a *API) authenticate(next handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
			return errNoToken
		}
		id, err := a.Verifier.Verify(strings.TrimSpace(token))
		if err != nil {
			return err
		}
		if err := a.Revocations.Check(r.Context(), id); err != nil {
			return err
		}
		logging.SetClientID(r.Context(), id.ClientID)
		return next(w, r.WithContext(context.WithValue(r.Context(), identityKey{}, id)))
	}
}

// limitBody caps what a handler can read; the handler reports an
// oversized body in its route's own error shape.
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		next.ServeHTTP(w, r)
	})
}

// fallback answers unknown paths and wrong methods with problem bodies
// instead of ServeMux's plain text.
func fallback(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		// API Gateway routes /x/ to the resource /x, as weavy writes
		// the outbox URL (.../outbox/report/?eventActionCode=); so do we.
		if trimmed := strings.TrimSuffix(r.URL.Path, "/"); trimmed != r.URL.Path && trimmed != "" {
			probe := r.Clone(r.Context())
			probe.URL.Path, probe.URL.RawPath = trimmed, ""
			if _, pattern := mux.Handler(probe); pattern != "" {
				mux.ServeHTTP(w, probe)
				return
			}
		}
		var allowed []string
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pattern := mux.Handler(probe); pattern != "" {
				allowed = append(allowed, m)
			}
		}
		if len(allowed) == 0 {
			writeError(w, r, newProblem(http.StatusNotFound, "NOT_FOUND", "no such route: "+r.URL.Path))
			return
		}
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeError(w, r, newProblem(http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", r.Method+" is not served here; use "+strings.Join(allowed, " or ")))
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// logRequests logs one line per request: never headers or bodies, which
// carry secrets and tokens.
func (a *API) logRequests(next http.Handler) http.Handler {
	logger := a.Logger
	if logger == nil {
		logger = slog.Default()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(logging.WithScope(r.Context()))
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			if v := recover(); v != nil {
				logger.ErrorContext(r.Context(), "panic", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v))
				writeError(rec, r, fmt.Errorf("panic: %v", v))
			}
			logger.InfoContext(r.Context(), "request", "method", r.Method, "path", r.URL.Path, "status", rec.status,
				"durationMs", time.Since(start).Milliseconds())
		}()
		next.ServeHTTP(rec, r)
	})
}
