package httpapi

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/parcelgate/parcelgate/internal/auth"
)

// A route's handler answers success itself and returns what went wrong;
// serve writes that in the route's error shape (writeRouteError), so a
// handler cannot answer twice or forget to stop after an error. A handler
// may set headers before it fails (a cache policy that holds for every
// answer); they are sent with the error.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// serve runs h and answers its error. A handler that answered and then
// failed is a bug: its answer stands and the error is logged, since a
// second answer would corrupt the first.
func (a *API) serve(rt Route, h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		aw := &answerWriter{ResponseWriter: w}
		err := h(aw, r)
		switch {
		case err == nil:
		case aw.answered:
			slog.ErrorContext(r.Context(), "handler failed after answering", "route", rt.Pattern(), "error", err.Error())
		default:
			a.writeRouteError(w, r, rt.Errors, err)
		}
	}
}

// answerWriter notes whether the handler began its answer.
type answerWriter struct {
	http.ResponseWriter
	answered bool
}

func (w *answerWriter) WriteHeader(code int) {
	w.answered = true
	w.ResponseWriter.WriteHeader(code)
}

func (w *answerWriter) Write(p []byte) (int, error) {
	w.answered = true
	return w.ResponseWriter.Write(p)
}

// A few failures are answered in a shape of their own whatever the
// route's: these errors carry it to writeRouteError.

// withBody is answered with body, and the status and Retry-After the
// error table gives err: the contract's error answers that carry what
// was stored (a job or a request that could not be queued).
type withBody struct {
	err  error
	body any
}

func (e *withBody) Error() string { return e.err.Error() }
func (e *withBody) Unwrap() error { return e.err }

// inShipX is answered in ShipX's bodies (writeShipXError); text says what
// was not found or known.
type inShipX struct {
	err  error
	text string
}

func (e *inShipX) Error() string { return e.err.Error() }
func (e *inShipX) Unwrap() error { return e.err }

// inOAuth is answered in RFC 6749's shape (writeOAuthError): a form post
// to the token endpoint.
type inOAuth struct{ err error }

func (e *inOAuth) Error() string { return e.err.Error() }
func (e *inOAuth) Unwrap() error { return e.err }

// errNoToken: a protected route called without a bearer token.
var errNoToken = errors.New("no access token")

// refusedToken says err refuses the caller's token. Clients of every
// surface read a 401 the same way, so it is problem+json on every route.
func refusedToken(err error) bool {
	return errors.Is(err, errNoToken) || errors.Is(err, auth.ErrInvalidToken)
}
