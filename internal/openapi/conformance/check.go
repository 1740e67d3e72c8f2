package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// checker matches one exchange against the document.
type checker struct {
	doc              *openapi3.T
	router           routers.Router
	methodNotAllowed *openapi3.ResponseRef
	tooManyRequests  *openapi3.ResponseRef
}

// check returns nil if the exchange matches the document, otherwise an
// error naming the request and listing every mismatch.
func (c checker) check(req *http.Request, status int, header http.Header, body []byte) error {
	// The per-IP quota answers before any route is chosen.
	if status == http.StatusTooManyRequests {
		return c.checkShared(req, status, header, body, c.tooManyRequests, "the quota's answer must be the TooManyRequests response")
	}
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		var re *routers.RouteError
		if errors.As(err, &re) && re.Reason == routers.ErrMethodNotAllowed.Error() {
			return c.checkShared(req, status, header, body, c.methodNotAllowed, "method is not in the spec for this path; the answer must be the MethodNotAllowed response")
		}
		return exchangeError(req, status, fmt.Errorf("path is not in the spec: %w", err))
	}
	opts := &openapi3filter.Options{
		AuthenticationFunc: credentialsPresent,
		// Defaults would be written into the request; it is not ours.
		SkipSettingDefaults: true,
		MultiError:          true,
	}
	opts.WithCustomSchemaErrorFunc(schemaMessage)
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	var errs []error
	if err := openapi3filter.ValidateRequest(req.Context(), in); err != nil && status >= 200 && status < 300 {
		errs = append(errs, fmt.Errorf("request accepted but does not match the spec: %w", err))
	}
	if err := validateResponse(in, status, header, body); err != nil {
		errs = append(errs, fmt.Errorf("response does not match the spec: %w", err))
	}
	if len(errs) > 0 {
		return exchangeError(req, status, errors.Join(errs...))
	}
	return nil
}

// checkShared accepts only the shared response ref for an answer that
// any path may give (405 for a method the path lacks, 429 over the
// quota), by validating against a stand-in operation whose one response
// is ref.
func (c checker) checkShared(req *http.Request, status int, header http.Header, body []byte, ref *openapi3.ResponseRef, why string) error {
	op := openapi3.NewOperation()
	op.Responses = openapi3.NewResponses(openapi3.WithStatus(status, ref))
	in := &openapi3filter.RequestValidationInput{
		Request: req,
		Route:   &routers.Route{Spec: c.doc, Path: req.URL.Path, Method: req.Method, Operation: op},
	}
	if err := validateResponse(in, status, header, body); err != nil {
		return exchangeError(req, status, fmt.Errorf("%s: %w", why, err))
	}
	return nil
}

func validateResponse(in *openapi3filter.RequestValidationInput, status int, header http.Header, body []byte) error {
	opts := &openapi3filter.Options{
		// An undocumented status is drift like any other.
		IncludeResponseStatus: true,
		MultiError:            true,
	}
	opts.WithCustomSchemaErrorFunc(schemaMessage)
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: status, Header: header, Options: opts}
	out.SetBodyBytes(body)
	return openapi3filter.ValidateResponse(in.Request.Context(), out)
}

// credentialsPresent passes when the Authorization header carries
// credentials of the scheme's kind. It checks shape only: the server judges
// validity, and tests send bad credentials on purpose.
func credentialsPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	s := in.SecurityScheme
	if s.Type != "http" {
		return fmt.Errorf("security scheme %q: type %q is not supported by the validator", in.SecuritySchemeName, s.Type)
	}
	scheme, cred, _ := strings.Cut(in.RequestValidationInput.Request.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, s.Scheme) || strings.TrimSpace(cred) == "" {
		return fmt.Errorf("security scheme %q: no %s credentials in the Authorization header", in.SecuritySchemeName, s.Scheme)
	}
	return nil
}

// schemaMessage keeps a mismatch to one line: where, why and the value,
// instead of kin-openapi's default dump of the whole schema, which buries
// the point in test output.
func schemaMessage(err *openapi3.SchemaError) string {
	at := "/" + strings.Join(err.JSONPointer(), "/")
	if err.Origin != nil {
		// A nested mismatch (allOf, oneOf…) already names its own value.
		return fmt.Sprintf("at %q: %v", at, err.Origin)
	}
	reason := err.Reason
	if reason == "" {
		reason = "does not match " + err.SchemaField
	}
	value, _ := json.Marshal(err.Value)
	if len(value) > 200 {
		value = append(value[:200], "..."...)
	}
	return fmt.Sprintf("at %q: %s (value %s)", at, reason, value)
}

func exchangeError(req *http.Request, status int, err error) error {
	return fmt.Errorf("openapi: %s %s -> %d: %w", req.Method, req.URL.RequestURI(), status, err)
}
