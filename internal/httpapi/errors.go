package httpapi

import (
	"errors"
	"net/http"

	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/data"
	"github.com/parcelgate/parcelgate/internal/input"
	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/message"
	"github.com/parcelgate/parcelgate/internal/outage"
	"github.com/parcelgate/parcelgate/internal/outbox"
	"github.com/parcelgate/parcelgate/internal/page"
	"github.com/parcelgate/parcelgate/internal/project"
	"github.com/parcelgate/parcelgate/internal/task"
	"github.com/parcelgate/parcelgate/internal/tracker"
	"github.com/parcelgate/parcelgate/internal/tracking"
	"github.com/parcelgate/parcelgate/internal/webhook"
)

// The error table: the one place that maps domain errors to HTTP. Each
// known error has a status, a stable code and the detail a client reads;
// handlers pass errors on and never choose a status. The writers render
// the same problem in the route's error shape: problem+json (writeError),
// the message gateway's envelope (writeEnvelopeError) or ShipX's tracking bodies
// (writeShipXError). Anything not in the table is a 500 whose detail
// stays in the log.

// sentinel is one row of the table for a sentinel error.
type sentinel struct {
	err    error
	status int
	code   string
	// detail is what the client reads; "" repeats the error's own text,
	// written for clients.
	detail string
}

var sentinels = []sentinel{
	{outage.ErrUnavailable, http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE", ""}, // errUnavailable's detail
	{auth.ErrInvalidCredentials, http.StatusUnauthorized, "INVALID_CLIENT", "unknown client id or wrong secret"},
	{errNoToken, http.StatusUnauthorized, "UNAUTHORIZED", "send an access token: Authorization: Bearer <token> (get one from POST /v1/auth/token)"},
	{auth.ErrInvalidToken, http.StatusUnauthorized, "UNAUTHORIZED", "the access token is invalid or expired; get a new one from POST /v1/auth/token"},
	{auth.ErrPrincipalExists, http.StatusConflict, "PRINCIPAL_EXISTS", "a principal with this id exists in your client; choose another id"},
	{auth.ErrPrincipalNotFound, http.StatusNotFound, "NOT_FOUND", "no such credential in your client"},
	{auth.ErrNotOwner, http.StatusForbidden, "FORBIDDEN", "only an owner of your client manages its credentials"},
	{auth.ErrLastOwner, http.StatusConflict, "LAST_OWNER", "this is your client's last enabled owner; make or enable another owner first"},
	{auth.ErrPrincipalChanged, http.StatusConflict, "CONCURRENT_CHANGE", "the credential changed meanwhile; send the change again"},
	{page.ErrBadCursor, http.StatusBadRequest, "BAD_REQUEST", "cursor is not valid for this list; start again without it"},

	{project.ErrNotFound, http.StatusNotFound, "NOT_FOUND", "no such project"},
	{project.ErrPrincipalNotFound, http.StatusNotFound, "NOT_FOUND", "no such principal in your client"},
	{project.ErrForbidden, http.StatusForbidden, "FORBIDDEN", "your role in this project does not allow this"},
	{project.ErrExists, http.StatusConflict, "PROJECT_EXISTS", "a project with this id exists; send the request again for a new one"},
	{project.ErrMemberNotFound, http.StatusNotFound, "NOT_FOUND", "no such member of this project"},
	{project.ErrLastAdmin, http.StatusConflict, "LAST_ADMIN", "this is the project's last admin; make another member admin first"},

	{job.ErrNotFound, http.StatusNotFound, "NOT_FOUND", "no such job in this project (jobs and their reports are kept 90 days)"},
	{job.ErrIdempotencyMismatch, http.StatusUnprocessableEntity, "IDEMPOTENCY_KEY_REUSED", "this Idempotency-Key was used with a different body; use a new key for a new job"},
	{job.ErrNotCompleted, http.StatusConflict, "JOB_NOT_COMPLETED", "the report is ready once the job is COMPLETED"},

	{webhook.ErrNotFound, http.StatusNotFound, "NOT_FOUND", "no such webhook in this project"},
	{webhook.ErrEventNotFound, http.StatusNotFound, "NOT_FOUND", "no such event in this project (events are kept 40 days)"},

	{data.ErrEntityNotFound, http.StatusNotFound, "NOT_FOUND", "no such entity; GET /v1/data/{projectId}/entities lists them"},
	{data.ErrNotFound, http.StatusNotFound, "NOT_FOUND", "no such record"},
	{data.ErrExists, http.StatusConflict, "RECORD_EXISTS", "a record with this code exists; change it with PUT"},
	{data.ErrChanged, http.StatusPreconditionFailed, "PRECONDITION_FAILED", "the record changed since the srvDateUTC given in If-Match; read it again"},
	{data.ErrContended, http.StatusConflict, "CONCURRENT_CHANGE", "other writers kept changing this record; send the change again"},
	{data.ErrLocked, http.StatusConflict, "IMPORT_IN_PROGRESS", "an import is writing this record or needs it unchanged until it commits; send the change again in a few seconds"},
	{data.ErrReferenced, http.StatusConflict, "RECORD_REFERENCED", "other records refer to this record; change or delete them first, or delete it logically"},

	{outbox.ErrNotFound, http.StatusNotFound, "NOT_FOUND", "no such outbox item in this project"},
	{outbox.ErrNoDocument, http.StatusNotFound, "NOT_FOUND", "this outbox item has no document yet; GET the item: its status says whether the report is GENERATED or why it FAILED"},

	{task.ErrNotFound, http.StatusNotFound, "NOT_FOUND", "no such task in this project (finished tasks are kept 90 days)"},

	{tracker.ErrTooBroad, http.StatusBadRequest, "BAD_REQUEST", ""},

	// ShipX's codes, rendered in its bodies by writeShipXError.
	{tracking.ErrUnknownNumber, http.StatusBadRequest, "uknown_tracking_number", "Cannot identify type of shipment by given tracking number"},
	{tracking.ErrNotFound, http.StatusNotFound, "resource_not_found", "Tracking information has not been found."},
}

// problemFor maps err through the table.
func problemFor(err error) *Problem {
	if p := typedProblem(err); p != nil {
		return p
	}
	for _, s := range sentinels {
		if !errors.Is(err, s.err) {
			continue
		}
		if s.err == outage.ErrUnavailable {
			return errUnavailable()
		}
		detail := s.detail
		if detail == "" {
			detail = s.err.Error()
		}
		p := newProblem(s.status, s.code, detail)
		if s.err == page.ErrBadCursor {
			p.Errors = []FieldError{{Field: "cursor", Message: "invalid"}}
		}
		return p
	}
	return newProblem(http.StatusInternalServerError, "INTERNAL", "something went wrong on our side; retry later")
}

// notQueuedRetryAfter is how long a caller whose work was stored but not
// queued waits before sending it again.
const notQueuedRetryAfter = 30

// typedProblem maps the errors that carry their own details: validation
// errors name the field at fault, work stored but not queued is a 503.
func typedProblem(err error) *Problem {
	var (
		p                *Problem
		bad              *input.Error
		changedRow       *data.RowError
		jobNotQueued     *job.NotQueuedError
		requestNotQueued *message.NotQueuedError
	)
	switch {
	case errors.As(err, &p):
		return p
	case errors.As(err, &jobNotQueued):
		p := newProblem(http.StatusServiceUnavailable, "NOT_ACCEPTED", "the job was stored but could not be queued; send it again")
		p.retryAfter = notQueuedRetryAfter
		return p
	case errors.As(err, &requestNotQueued):
		p := newProblem(http.StatusServiceUnavailable, "QUEUE_UNAVAILABLE", "the request was stored but could not be queued; its messages are Cancelled: send the batch again")
		p.retryAfter = notQueuedRetryAfter
		return p
	case errors.As(err, &bad):
		return invalidProblem(bad)
	case errors.As(err, &changedRow):
		return newProblem(http.StatusConflict, "ROW_CHANGED", changedRow.Message, FieldError{Field: changedRow.Row, Message: changedRow.Message})
	}
	return nil
}

// invalidProblem maps the one validation error: its kind gives the status
// and generic code, a route's own code replaces the generic one, and the
// field at fault is always named.
func invalidProblem(bad *input.Error) *Problem {
	status, code := http.StatusBadRequest, "BAD_REQUEST"
	switch bad.Kind {
	case input.Rejected:
		status, code = http.StatusUnprocessableEntity, "VALIDATION_FAILED"
	case input.Missing:
		status, code = http.StatusNotFound, "NOT_FOUND"
	}
	detail := bad.Error()
	if bad.Code != "" {
		code, detail = bad.Code, bad.Message
	}
	return newProblem(status, code, detail, FieldError{Field: bad.Field, Message: bad.Message})
}
