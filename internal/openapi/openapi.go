// Package openapi holds parcelgate's OpenAPI document and the tools that
// keep the served API honest to it: a handler that publishes the document
// and an http.RoundTripper that checks every exchange a test makes against
// it.
package openapi

import (
	"context"
	_ "embed"
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"
)

//go:embed openapi.yaml
var spec []byte

// Spec returns the OpenAPI document as YAML. The slice is a copy, so callers
// cannot alter what Handler serves.
func Spec() []byte {
	return append([]byte(nil), spec...)
}

// Load parses and validates the document. Every call returns a fresh
// *openapi3.T, because kin-openapi documents are mutable and callers (the
// transport, for one) adjust them.
func Load() (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(spec)
	if err != nil {
		return nil, fmt.Errorf("openapi: parse: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("openapi: invalid document: %w", err)
	}
	return doc, nil
}
