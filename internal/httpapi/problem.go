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
	"github.com/parcelgate/parcelgate/internal/input"
	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/outage"
	"github.com/parcelgate/parcelgate/internal/page"
	"github.com/parcelgate/parcelgate/internal/project"
	"github.com/parcelgate/parcelgate/internal/webhook"
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

// problemFor is the one place that maps errors to HTTP. Anything it does
// not know is a 500 whose detail stays in the log.
func problemFor(err error) *Problem {
	var p *Problem
	var invalid *project.InvalidError
	var invalidJob *job.InvalidError
	var bad *input.Error
	if p := dataProblem(err); p != nil {
		return p
	}
	if p := taskProblem(err); p != nil {
		return p
	}
	var invalidWebhook *webhook.InvalidError
	switch {
	case errors.As(err, &p):
		return p
	case errors.As(err, &bad):
		return badRequest(bad.Field+" "+bad.Message, FieldError{Field: bad.Field, Message: bad.Message})
	case errors.Is(err, outage.ErrUnavailable):
		return errUnavailable()
	case errors.As(err, &invalidJob):
		return newProblem(http.StatusBadRequest, invalidJob.Code, invalidJob.Message, FieldError{Field: invalidJob.Field, Message: invalidJob.Message})
	case errors.Is(err, job.ErrNotFound):
		return newProblem(http.StatusNotFound, "NOT_FOUND", "no such job in this project (jobs and their reports are kept 90 days)")
	case errors.Is(err, job.ErrIdempotencyMismatch):
		return newProblem(http.StatusUnprocessableEntity, "IDEMPOTENCY_KEY_REUSED", "this Idempotency-Key was used with a different body; use a new key for a new job")
	case errors.As(err, &invalidWebhook):
		return badRequest(invalidWebhook.Error(), FieldError{Field: invalidWebhook.Field, Message: invalidWebhook.Message})
	case errors.Is(err, webhook.ErrNotFound):
		return newProblem(http.StatusNotFound, "NOT_FOUND", "no such webhook in this project")
	case errors.Is(err, webhook.ErrEventNotFound):
		return newProblem(http.StatusNotFound, "NOT_FOUND", "no such event in this project (events are kept 40 days)")
	case errors.As(err, &invalid):
		return newProblem(http.StatusUnprocessableEntity, "VALIDATION_FAILED", invalid.Error(), FieldError{Field: invalid.Field, Message: invalid.Message})
	case errors.Is(err, project.ErrNotFound):
		return newProblem(http.StatusNotFound, "NOT_FOUND", "no such project")
	case errors.Is(err, project.ErrPrincipalNotFound):
		return newProblem(http.StatusNotFound, "NOT_FOUND", "no such principal in your client")
	case errors.Is(err, project.ErrForbidden):
		return newProblem(http.StatusForbidden, "FORBIDDEN", "your role in this project does not allow this")
	case errors.Is(err, page.ErrBadCursor):
		return badRequest("cursor is not valid for this list; start again without it", FieldError{Field: "cursor", Message: "invalid"})
	case errors.Is(err, auth.ErrInvalidCredentials):
		return newProblem(http.StatusUnauthorized, "INVALID_CLIENT", "unknown client id or wrong secret")
	case errors.Is(err, auth.ErrInvalidToken):
		return newProblem(http.StatusUnauthorized, "UNAUTHORIZED", "the access token is invalid or expired; get a new one from POST /v1/auth/token")
	}
	return newProblem(http.StatusInternalServerError, "INTERNAL", "something went wrong on our side; retry later")
}

func errUnavailable() *Problem {
	return newProblem(http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE",
		fmt.Sprintf("the service is briefly unavailable and nothing was changed by this request unless its answer says so; retry in %d seconds", outage.RetryAfterSeconds))
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
		w.Header().Set("WWW-Authenticate", `Bearer realm="parcelgate"`)
	}
	setRetryAfter(w, p)
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// setRetryAfter tells a client answered 503 when to try again.
func setRetryAfter(w http.ResponseWriter, p *Problem) {
	if p.Status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", strconv.Itoa(outage.RetryAfterSeconds))
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
