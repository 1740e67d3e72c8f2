// Package apiclient connects the command line to the parcelgate API
// through the client generated from the API document (package gen): it
// adds what the document cannot say — the session's token, renewed after a
// 401, and refusals turned into errors a person can read. 429 and 503
// answers are retried after the server's Retry-After (RetryTransport).
package apiclient

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/parcelgate/parcelgate/internal/apiclient/gen"
)

// New returns the generated client of the API at baseURL, whose requests
// go through d.
func New(baseURL string, d *Doer) (*gen.ClientWithResponses, error) {
	return gen.NewClientWithResponses(strings.TrimRight(baseURL, "/"), gen.WithHTTPClient(d))
}

// Doer sends the generated client's requests.
type Doer struct {
	HTTP *http.Client
	// Token returns a valid access token; nil for public calls only.
	Token func(ctx context.Context) (string, error)
	// Forget, when set, drops the token the API refused (401), so the
	// call is made once more with a new one: tokens die before their
	// expiry when the signing key is rotated.
	Forget func()
}

// Do sends req with the token and answers any status outside 2xx with an
// *Error, so that a caller reads only the answers it expects.
func (d *Doer) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.send(req)
	if err == nil && resp.StatusCode == http.StatusUnauthorized && d.Forget != nil && (req.Body == nil || req.GetBody != nil) {
		drain(resp)
		d.Forget()
		again := req.Clone(req.Context())
		if req.GetBody != nil {
			if again.Body, err = req.GetBody(); err != nil {
				return nil, err
			}
		}
		resp, err = d.send(again)
	}
	if err != nil {
		return nil, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		defer drain(resp)
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return nil, apiError(resp.StatusCode, body)
	}
	return resp, nil
}

func (d *Doer) send(req *http.Request) (*http.Response, error) {
	if d.Token != nil {
		token, err := d.Token(req.Context())
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := d.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot reach %s: %w", req.URL.Host, unwrapURLError(err))
	}
	return resp, nil
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
}

func unwrapURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

// Expect returns the body the generated client decoded from a 2xx answer,
// or an error when the answer was not of the documented media type.
func Expect[T any](body *T, r interface{ StatusCode() int }) (*T, error) {
	if body == nil {
		return nil, fmt.Errorf("the API answered %d without the documented body", r.StatusCode())
	}
	return body, nil
}

// Error is an answer the API refused, with its message for a person.
type Error struct {
	Status int
	Code   string
	Detail string
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("the API answered %d", e.Status)
	if e.Code != "" {
		msg += " " + e.Code
	}
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// apiError reads whichever error body the route speaks: problem details,
// ShipX's bodies, the message gateway's envelope or RFC 6749's.
func apiError(status int, body []byte) *Error {
	var b struct {
		Code        string          `json:"code"`
		Detail      string          `json:"detail"`
		Message     string          `json:"message"`
		Description string          `json:"description"`
		Error       json.RawMessage `json:"error"`
	}
	e := &Error{Status: status}
	if json.Unmarshal(body, &b) != nil {
		e.Detail = strings.TrimSpace(string(body))
		if len(e.Detail) > 200 {
			e.Detail = e.Detail[:200] + "..."
		}
		return e
	}
	e.Code, e.Detail = b.Code, b.Detail
	var envelope struct{ Code, Message string }
	var code string
	switch {
	case json.Unmarshal(b.Error, &envelope) == nil && envelope.Code != "":
		e.Code, e.Detail = envelope.Code, envelope.Message
	case json.Unmarshal(b.Error, &code) == nil:
		e.Code = code
	}
	if e.Detail == "" {
		e.Detail = b.Message + b.Description
	}
	return e
}
