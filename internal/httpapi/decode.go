package httpapi

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/parcelgate/parcelgate/internal/data"
	"github.com/parcelgate/parcelgate/internal/input"
	"github.com/parcelgate/parcelgate/internal/page"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

// maxBodyBytes caps every request body. The largest legitimate body, a
// 1,000-message injection, stays well under it.
const maxBodyBytes = 4 << 20

func errBodyTooLarge() *Problem {
	return newProblem(http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE", fmt.Sprintf("request bodies are limited to %d bytes", maxBodyBytes))
}

func mediaType(r *http.Request) string {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return ""
	}
	return mt
}

// decodeJSON reads a JSON body into v strictly: JSON media type, the text
// rule (checkBodyText), then one object (input.UnmarshalObject), no unknown
// fields, the right types.
func decodeJSON(r *http.Request, v any) error {
	data, err := readJSONBody(r, checkBodyText)
	if err != nil {
		return err
	}
	return input.UnmarshalObject(data, v)
}

// checkBodyText is the text rule of every body the API decodes itself:
// strict JSON (valid UTF-8, no lone surrogate escapes, each member name
// once, one value) and no control, line-separator or bidi character in any
// member name or string (tabs aside). It runs before any other check, so
// text the API refuses is refused for that reason, whatever else is wrong.
func checkBodyText(data []byte) error {
	if err := input.CheckJSON(data); err != nil {
		return err
	}
	return input.CheckJSONText(data, true)
}

// bodyCheck is what readJSONBody holds a body to once read.
type bodyCheck func([]byte) error

// dataBody is what the data exchange holds its bodies to: its handlers
// decode them in their own way (records keep the catalog's field order,
// imports read rows raw), and encoding/json alone would store invalid
// UTF-8 and lone surrogates as U+FFFD. Handlers read the body before they
// authorize, so text the API refuses is refused whatever the project.
var dataBody = []bodyCheck{notEmpty, checkBodyText}

// notEmpty refuses a body of only white space, which the data exchange
// names as such.
func notEmpty(data []byte) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return badRequest("the body is empty; send a JSON object")
	}
	return nil
}

// readJSONBody reads a body that must be application/json, then holds it
// to checks in order. The message gateway's routes give none: their
// decoders hold each message to the text rule themselves.
func readJSONBody(r *http.Request, checks ...bodyCheck) ([]byte, error) {
	if mt := mediaType(r); mt != "application/json" {
		return nil, newProblem(http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", "send the body as application/json")
	}
	data, err := io.ReadAll(r.Body)
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, errBodyTooLarge()
	case err != nil:
		return nil, badRequest("the body could not be read")
	}
	for _, check := range checks {
		if err := check(data); err != nil {
			return nil, err
		}
	}
	return data, nil
}

// maxCursorBytes bounds a cursor: it encodes a key of at most four
// attributes, each built from ids of at most input.MaxIDBytes.
const maxCursorBytes = 2048

// limits are the bounds of a route's limit query parameter, and how its
// refusal names the range in the field at fault (each route's wording,
// which clients may already match).
type limits struct {
	def, max int
	field    string
}

var (
	// pageLimits bound the API's own lists (pageRequest).
	pageLimits = limits{page.DefaultLimit, page.MaxLimit, "limit must be an integer from 1 to 1000"}
	// dataLimits bound the data exchange's lists, weavy's defaults.
	dataLimits = limits{data.DefaultLimit, data.MaxLimit, "from 1 to 1000"}
	// detailLimits bound the events of a ShipX tracking resource.
	detailLimits = limits{tracking.MaxDetails, tracking.MaxDetails, "1 to 100"}
)

// queryLimit reads the limit query parameter within l.
func queryLimit(r *http.Request, l limits) (int, error) {
	n, err := page.ParseLimit(r.URL.Query().Get("limit"), l.def, l.max)
	if err != nil {
		return 0, badRequest(err.Error(), FieldError{Field: "limit", Message: l.field})
	}
	return n, nil
}

// pageRequest reads the cursor and limit query parameters.
func pageRequest(r *http.Request) (page.Request, error) {
	limit, err := queryLimit(r, pageLimits)
	if err != nil {
		return page.Request{}, err
	}
	cursor := r.URL.Query().Get("cursor")
	if len(cursor) > maxCursorBytes {
		return page.Request{}, badRequest(fmt.Sprintf("cursor is longer than %d bytes; use the nextCursor of a response as it is", maxCursorBytes), FieldError{Field: "cursor", Message: "too long"})
	}
	return page.Request{Cursor: cursor, Limit: limit}, nil
}

// pageBody is the shape of every list response.
type pageBody[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"nextCursor"`
}

func newPageBody[T, S any](p page.Page[S], conv func(S) T) pageBody[T] {
	out := pageBody[T]{Items: make([]T, 0, len(p.Items))}
	for _, it := range p.Items {
		out.Items = append(out.Items, conv(it))
	}
	if p.NextCursor != "" {
		out.NextCursor = &p.NextCursor
	}
	return out
}
