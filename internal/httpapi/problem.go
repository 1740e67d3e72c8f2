package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/outage"
)

// Problem is an RFC 9457 problem detail with a stable machine code.
type Problem struct {
	Type   string       `json:"type"`
	Title  string       `json:"title"`
	Status int          `json:"status"`
	Detail string       `json:"detail"`
	Code   string       `json:"code"`
	Errors []FieldError `json:"errors,omitempty"`
	// JobStatus extends JOB_NOT_COMPLETED with the job's current status.
	JobStatus string `json:"jobStatus,omitempty"`
	// retryAfter, in seconds, is sent as Retry-After; 0 sends none.
	retryAfter int
}

// FieldError names one bad field of a request.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (p *Problem) Error() string { return p.Code + ": " + p.Detail }

func newProblem(status int, code, detail string, fields ...FieldError) *Problem {
	return &Problem{
		Type:   "urn:parcelgate:problem:" + code,
		Title:  http.StatusText(status),
		Status: status,
		Detail: detail,
		Code:   code,
		Errors: fields,
	}
}

func badRequest(detail string, fields ...FieldError) *Problem {
	return newProblem(http.StatusBadRequest, "BAD_REQUEST", detail, fields...)
}

func errUnavailable() *Problem {
	p := newProblem(http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE",
		fmt.Sprintf("the service is briefly unavailable and nothing was changed by this request unless its answer says so; retry in %d seconds", outage.RetryAfterSeconds))
	p.retryAfter = outage.RetryAfterSeconds
	return p
}

// loggedProblem maps err, logging what the client will not see. Whatever
// failed once the request's deadline passed failed for lack of time: a
// store too slow to answer, so 503.
func loggedProblem(r *http.Request, err error) *Problem {
	p := problemFor(err)
	if p.Status == http.StatusInternalServerError && errors.Is(r.Context().Err(), context.DeadlineExceeded) {
		p = errUnavailable()
	}
	if p.Status >= 500 {
		slog.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "error", err.Error())
	}
	return p
}

// writeError answers with the problem for err, logging what the client
// does not see.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	p := loggedProblem(r, err)
	if p.Status == http.StatusUnauthorized {
		challenge := `Bearer realm="parcelgate"`
		// RFC 6750 §3.1: a token was sent and refused, so say so.
		if errors.Is(err, auth.ErrInvalidToken) {
			challenge += `, error="invalid_token"`
		}
		w.Header().Set("WWW-Authenticate", challenge)
	}
	setRetryAfter(w, p)
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// writeErrorBody answers err with the status and Retry-After the table
// gives it, and body: the contract's error answers that carry what was
// stored (a job or a request that could not be queued).
func writeErrorBody(w http.ResponseWriter, err error, body any) {
	p := problemFor(err)
	setRetryAfter(w, p)
	writeJSON(w, p.Status, body)
}

// setRetryAfter tells a client answered 503 when to try again.
func setRetryAfter(w http.ResponseWriter, p *Problem) {
	if p.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(p.retryAfter))
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
