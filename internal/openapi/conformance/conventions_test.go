package conformance

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// The conventions of the file header, checked so that operations added
// later keep them.
func TestDocumentConventions(t *testing.T) {
	doc, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			checkOperation(t, doc, method+" "+path, op)
		}
	}
}

func checkOperation(t *testing.T, doc *openapi3.T, name string, op *openapi3.Operation) {
	t.Helper()
	if isProtected(doc, op) {
		expectRef(t, name, op, http.StatusUnauthorized, "Unauthorized")
	}
	if op.RequestBody != nil {
		// Where a seed documents its own error body, the operation answers
		// with it instead of problem details (design.md, HTTP conventions)
		// and says so with x-error-body; the message gateway's data/error/success
		// envelope has its own shared responses, named Envelope…; the token
		// endpoint's OAuth2 form posts get RFC 6749 §5.2 bodies (OAuth…),
		// and a body that is neither JSON nor a form a problem.
		prefix, mediaPrefix := "", ""
		switch body := op.Extensions["x-error-body"]; body {
		case nil:
		case "envelope":
			prefix, mediaPrefix = "Envelope", "Envelope"
		case "oauth":
			prefix = "OAuth"
		default:
			t.Errorf("%s: x-error-body %v is not known; the known ones are envelope and oauth", name, body)
		}
		expectRef(t, name, op, http.StatusBadRequest, prefix+"BadRequest")
		expectRef(t, name, op, http.StatusRequestEntityTooLarge, prefix+"PayloadTooLarge")
		expectRef(t, name, op, http.StatusUnsupportedMediaType, mediaPrefix+"UnsupportedMediaType")
	}
	// Whatever can fail inside (a 500) can also find the store or the
	// queue down, and answers 503 with Retry-After then.
	if op.Responses.Status(http.StatusInternalServerError) != nil && name != "GET /.well-known/jwks.json" {
		if unavailable := op.Responses.Status(http.StatusServiceUnavailable); unavailable == nil || unavailable.Value.Headers["Retry-After"] == nil {
			t.Errorf("%s: documents 500 but no 503 with Retry-After", name)
		}
	}
	for code, ref := range op.Responses.Map() {
		if code >= "4" && !strings.HasPrefix(ref.Ref, "#/components/responses/") {
			t.Errorf("%s: response %s should be one of components/responses, to keep the problem shape shared", name, code)
		}
		for mime, mt := range ref.Value.Content {
			if mt.Schema != nil && strings.Contains(mime, "json") {
				checkResponseSchema(t, fmt.Sprintf("%s %s %s", name, code, mime), mt.Schema, map[*openapi3.Schema]bool{})
			}
		}
	}
}

// isProtected: some security requirement applies and none is empty.
func isProtected(doc *openapi3.T, op *openapi3.Operation) bool {
	sec := doc.Security
	if op.Security != nil {
		sec = *op.Security
	}
	return len(sec) > 0 && !slices.ContainsFunc(sec, func(r openapi3.SecurityRequirement) bool { return len(r) == 0 })
}

func expectRef(t *testing.T, name string, op *openapi3.Operation, status int, component string) {
	t.Helper()
	ref := op.Responses.Status(status)
	if ref == nil || ref.Ref != "#/components/responses/"+component {
		t.Errorf("%s: response %d should be $ref #/components/responses/%s", name, status, component)
	}
}

// checkResponseSchema wants every object schema closed and every timestamp
// pinned to UTC. An object open by design, whose members are the caller's
// (ShipX's custom_attributes), says so with `x-free-form: true`.
func checkResponseSchema(t *testing.T, where string, ref *openapi3.SchemaRef, seen map[*openapi3.Schema]bool) {
	t.Helper()
	s := ref.Value
	if s == nil || seen[s] {
		return
	}
	seen[s] = true
	if ref.Ref != "" {
		where += " " + ref.Ref
	}
	if s.Extensions["x-free-form"] == true {
		if s.AdditionalProperties.Has == nil || !*s.AdditionalProperties.Has || len(s.Properties) > 0 {
			t.Errorf("%s: x-free-form wants additionalProperties: true and no properties", where)
		}
	} else if s.Type.Is("object") && !wrapsAllOf(s) && (s.AdditionalProperties.Has == nil || *s.AdditionalProperties.Has) {
		t.Errorf("%s: object schema without additionalProperties: false", where)
	}
	if s.Format == "date-time" && !strings.HasSuffix(s.Pattern, "Z$") {
		t.Errorf("%s: date-time without the UTC pattern; use components/schemas/UtcTimestamp", where)
	}
	for name, p := range s.Properties {
		checkResponseSchema(t, where+"."+name, p, seen)
	}
	if s.Items != nil {
		checkResponseSchema(t, where+"[]", s.Items, seen)
	}
	for _, sub := range slices.Concat(s.AllOf, s.OneOf, s.AnyOf) {
		checkResponseSchema(t, where, sub, seen)
	}
}

// wrapsAllOf: an object schema with no members of its own that only makes
// its allOf parts nullable (OpenAPI 3.0 wants the type beside `nullable`);
// closing it would refuse their members, and the parts are checked.
func wrapsAllOf(s *openapi3.Schema) bool {
	return len(s.AllOf) > 0 && len(s.Properties) == 0
}
