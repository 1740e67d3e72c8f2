package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

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

// decodeJSON reads a JSON body into v strictly: JSON media type, one
// value, no unknown fields, the right types.
func decodeJSON(r *http.Request, v any) error {
	if mt := mediaType(r); mt != "application/json" {
		return newProblem(http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", "send the body as application/json")
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonProblem(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return badRequest("the body must hold exactly one JSON value")
	}
	return nil
}

func jsonProblem(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return errBodyTooLarge()
	case errors.Is(err, io.EOF):
		return badRequest("the body is empty; send a JSON object")
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("the body is not valid JSON")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "(body)"
		}
		return badRequest(fmt.Sprintf("%s must be of type %s", field, typ.Type), FieldError{Field: field, Message: "must be " + typ.Type.String()})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return badRequest(fmt.Sprintf("unknown field %q", field), FieldError{Field: field, Message: "unknown field"})
	}
	return badRequest("the body could not be read: " + err.Error())
}

// pageRequest reads the cursor and limit query parameters.
func pageRequest(r *http.Request) (page.Request, error) {
	q := r.URL.Query()
	limit, err := page.ParseLimit(q.Get("limit"))
	if err != nil {
		return page.Request{}, badRequest(err.Error(), FieldError{Field: "limit", Message: err.Error()})
	}
	return page.Request{Cursor: q.Get("cursor"), Limit: limit}, nil
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
