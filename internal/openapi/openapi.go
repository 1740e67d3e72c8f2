// Package openapi holds parcelgate's OpenAPI document and the handler
// that publishes it. Checking exchanges against it is the job of
// openapi/conformance, kept apart so that the Lambdas serving the document
// do not link the OpenAPI toolkit.
package openapi

import (
	_ "embed"
)

//go:embed openapi.yaml
var spec []byte

// Spec returns the OpenAPI document as YAML. The slice is a copy, so callers
// cannot alter what Handler serves.
func Spec() []byte {
	return append([]byte(nil), spec...)
}
