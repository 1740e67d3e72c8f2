package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/parcelgate/parcelgate/internal/input"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

// The text rule of input.CheckText holds for every route, in every place a
// request carries text: bodies are held to it where they are read
// (readJSONBody's checkBodyText and the message gateway routes' own
// decoders), path
// segments and the query string here, before any handler (and so any
// store) sees them.

// errorShape is the shape a route answers its errors in; the zero value
// is problem+json, the API's own shape.
type errorShape int

const (
	// envelopeErrors: the message gateway's data/error/success envelope.
	envelopeErrors errorShape = iota + 1
	// trackingErrors: ShipX's bodies for a number that cannot be
	// identified, problem+json for anything else (as a bad limit is).
	trackingErrors
	// pageErrors: the public tracking page's HTML problem page.
	pageErrors
)

// pathParams lists the wildcards of a ServeMux pattern: its segments
// {name} and {name...} ({$} only anchors the end). Every API function
// lists its routes' wildcards at cold start, so they are read segment by
// segment, as ServeMux reads them, rather than by a regexp compiled at
// package init and run per route.
func pathParams(pattern string) []string {
	var names []string
	for _, seg := range strings.Split(pattern, "/") {
		inner, opened := strings.CutPrefix(seg, "{")
		name, closed := strings.CutSuffix(inner, "}")
		if !opened || !closed || name == "$" {
			continue
		}
		names = append(names, strings.TrimSuffix(name, "..."))
	}
	return names
}

// checkText refuses a request whose path segments or query string break
// the text rule, in the route's error shape. Every path segment names
// something (an id, an entity, a record code, a tracking number), so each
// is held to input.CheckID; a query value is text of at most
// maxCursorBytes, the longest one any route reads.
func checkText(next handlerFunc, rt Route) handlerFunc {
	names := pathParams(rt.muxPattern())
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := requestText(r, names); err != nil {
			return err
		}
		return next(w, r)
	}
}

func requestText(r *http.Request, names []string) error {
	for _, name := range names {
		if err := input.CheckID(name, r.PathValue(name)); err != nil {
			return err
		}
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		// url.Values drops what it cannot read; a handler would then read
		// a different query than the one sent.
		return &input.Error{Field: "(query)", Message: "is not a valid query string; percent-encode each name and value and separate them with &"}
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys) // the same query is refused for the same reason
	for _, k := range keys {
		if err := input.CheckText("(query)", k, false); err != nil {
			return err
		}
		for _, v := range q[k] {
			if len(v) > maxCursorBytes {
				return &input.Error{Field: k, Message: fmt.Sprintf("is %d bytes long; query values are at most %d bytes", len(v), maxCursorBytes)}
			}
			if err := input.CheckText(k, v, false); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeRouteError answers err in the route's shape, unless err carries a
// shape of its own (answer.go) or refuses the caller's token. A tracking
// number that breaks the text rule is one that cannot be identified; its
// text is not echoed, only what is wrong with it. The page answers a
// refusal of other text as JSON (there is no page to show for it) and a
// failure with its friendly unavailable page.
func (a *API) writeRouteError(w http.ResponseWriter, r *http.Request, shape errorShape, err error) {
	var (
		body  *withBody
		shipX *inShipX
		oauth *inOAuth
	)
	bad, _ := err.(*input.Error)
	number := bad != nil && bad.Field == "tracking_number"
	switch {
	case errors.As(err, &body):
		writeErrorBody(w, body.err, body.body)
	case errors.As(err, &oauth):
		writeOAuthError(w, r, oauth.err)
	case errors.As(err, &shipX):
		writeShipXError(w, r, shipX.err, shipX.text)
	case refusedToken(err):
		writeError(w, r, err)
	case shape == envelopeErrors:
		writeEnvelopeError(w, r, err)
	case shape == trackingErrors && number:
		writeShipXError(w, r, tracking.ErrUnknownNumber, "Cannot identify type of shipment by given tracking number: "+err.Error())
	case shape == pageErrors && number:
		a.writeTrackPageError(w, r, a.pageHeaders(w, r), echo(r.PathValue("tracking_number")), tracking.ErrUnknownNumber)
	case shape == pageErrors && bad != nil:
		a.pageHeaders(w, r)
		writeError(w, r, err)
	case shape == pageErrors:
		a.writeTrackPageError(w, r, a.pageHeaders(w, r), r.PathValue("tracking_number"), err)
	default:
		writeError(w, r, err)
	}
}

// echo shows refused text safely: quoted, non-ASCII escaped, cut short.
func echo(s string) string {
	const most = 64
	if len(s) > most {
		return strconv.QuoteToASCII(s[:most]) + "…"
	}
	return strconv.QuoteToASCII(s)
}

// queryID reads an id from the query string, checked like a path id.
func queryID(r *http.Request, name string) (string, error) {
	v := r.URL.Query().Get(name)
	return v, input.CheckID(name, v)
}
