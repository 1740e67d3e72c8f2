package conformance

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// NewValidatingTransport wraps base (http.DefaultTransport if nil) so that
// every exchange is checked against the document, and each mismatch is
// passed to report (tests pass a func calling t.Error). The exchange itself
// is never altered or refused: the caller gets the server's response as is.
//
// What is reported:
//   - a request whose path is not in the document;
//   - a method the path does not have, unless answered with the
//     MethodNotAllowed response (405, problem body, Allow header);
//   - a request that does not match its operation, but only when the server
//     answered 2xx: tests send bad requests on purpose to see them refused,
//     and a refused bad request is the server doing its job;
//   - any response that does not match, including a status code the
//     operation does not document.
//
// Credentials are only checked for presence (a Bearer or Basic header where
// the operation asks for one): whether a token is valid is the server's
// call, and tests send bad tokens on purpose.
func NewValidatingTransport(base http.RoundTripper, report func(error)) (http.RoundTripper, error) {
	if report == nil {
		return nil, errors.New("openapi: NewValidatingTransport: report is nil")
	}
	if base == nil {
		base = http.DefaultTransport
	}
	doc, err := Load()
	if err != nil {
		return nil, err
	}
	// The public tracking page is text/html; its schema is a string, read
	// as plain text (kin-openapi knows no HTML decoder).
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
	// Match on the path alone: tests talk to httptest servers on random
	// ports, whatever servers the document may list one day.
	doc.Servers = nil
	// The legacy router, unlike gorillamux, tells "no such path" from "no
	// such method", which the 405 rule above needs.
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("openapi: router: %w", err)
	}
	var notAllowed, tooMany *openapi3.ResponseRef
	if doc.Components != nil {
		notAllowed = doc.Components.Responses["MethodNotAllowed"]
		tooMany = doc.Components.Responses["TooManyRequests"]
	}
	if notAllowed == nil || tooMany == nil {
		return nil, errors.New("openapi: the document needs components/responses/MethodNotAllowed and TooManyRequests")
	}
	return &validatingTransport{
		base:    base,
		report:  report,
		checker: checker{doc: doc, router: router, methodNotAllowed: notAllowed, tooManyRequests: tooMany},
	}, nil
}

type validatingTransport struct {
	base    http.RoundTripper
	report  func(error)
	checker checker
}

func (t *validatingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	// Both the server and the validator read the body, so keep a copy. The
	// original request is left as the RoundTripper contract asks: only its
	// body is consumed and closed.
	reqBody, err := drain(req.Body)
	if err != nil {
		return nil, fmt.Errorf("openapi: read request body: %w", err)
	}
	resp, err := t.base.RoundTrip(withBody(req, reqBody))
	if err != nil {
		return resp, err
	}
	respBody, err := drain(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("openapi: read response body: %w", err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(respBody))
	if err := t.checker.check(withBody(req, reqBody), resp.StatusCode, resp.Header, respBody); err != nil {
		t.report(err)
	}
	return resp, nil
}

// drain reads and closes body; nil means there was none.
func drain(body io.ReadCloser) ([]byte, error) {
	if body == nil || body == http.NoBody {
		return nil, nil
	}
	defer body.Close()
	return io.ReadAll(body)
}

// withBody returns a copy of req that reads data as its body, so each
// reader gets its own. nil data means req had no body (nil or NoBody), which
// the clone keeps.
func withBody(req *http.Request, data []byte) *http.Request {
	c := req.Clone(req.Context())
	if data == nil {
		return c
	}
	c.Body = io.NopCloser(bytes.NewReader(data))
	c.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	return c
}
