// Package conformance checks that the API does what its OpenAPI document
// (package openapi) says: the document parsed and validated, and an
// http.RoundTripper that checks every exchange a test makes against it.
package conformance

import (
	"context"
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/parcelgate/parcelgate/internal/openapi"
)

// Load parses and validates the document. Every call returns a fresh
// *openapi3.T, because kin-openapi documents are mutable and callers (the
// transport, for one) adjust them.
func Load() (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(openapi.Spec())
	if err != nil {
		return nil, fmt.Errorf("openapi: parse: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("openapi: invalid document: %w", err)
	}
	return doc, nil
}
