// Package outage names the one failure every adapter reports alike: a
// backing service (the table, the queue) that cannot be reached or does not
// answer in time. Callers answer it with "try again later" (HTTP 503 and
// Retry-After), never with an internal error.
package outage

import "errors"

// ErrUnavailable is wrapped by every error of a store or queue that is
// down, throttling or too slow for the request's deadline.
var ErrUnavailable = errors.New("service unavailable")

// RetryAfterSeconds is what callers are told to wait before trying again.
const RetryAfterSeconds = 5

type unavailable struct{ cause error }

func (e unavailable) Error() string   { return "service unavailable: " + e.cause.Error() }
func (e unavailable) Unwrap() []error { return []error{ErrUnavailable, e.cause} }

// Wrap marks cause as an outage, keeping it for the logs.
func Wrap(cause error) error {
	if cause == nil || errors.Is(cause, ErrUnavailable) {
		return cause
	}
	return unavailable{cause: cause}
}
