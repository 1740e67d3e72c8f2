package httpapi

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/parcelgate/parcelgate/internal/input"
	"github.com/parcelgate/parcelgate/internal/page"
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
	data, err := readJSONBody(r)
	if err != nil {
		return err
	}
	if err := checkBodyText(data); err != nil {
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

// readJSONBody reads a body that must be application/json.
func readJSONBody(r *http.Request) ([]byte, error) {
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
	return data, nil
}

// readDataBody reads a body its handler decodes in its own way (the data
// exchange keeps records in the catalog's field order, imports read rows
// raw) and holds it to checkBodyText first: encoding/json alone would
// store invalid UTF-8 and lone surrogates as U+FFFD.
func readDataBody(r *http.Request) ([]byte, error) {
	data, err := readJSONBody(r)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, badRequest("the body is empty; send a JSON object")
	}
	return data, checkBodyText(data)
}

// maxCursorBytes bounds a cursor: it encodes a key of at most four
// attributes, each built from ids of at most input.MaxIDBytes.
const maxCursorBytes = 2048

// pageRequest reads the cursor and limit query parameters.
func pageRequest(r *http.Request) (page.Request, error) {
	q := r.URL.Query()
	limit, err := page.ParseLimit(q.Get("limit"))
	if err != nil {
		return page.Request{}, badRequest(err.Error(), FieldError{Field: "limit", Message: err.Error()})
	}
	cursor := q.Get("cursor")
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
