package conformance_test

import (
	"slices"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/parcelgate/parcelgate/internal/httpapi"
	"github.com/parcelgate/parcelgate/internal/openapi/conformance"
)

// The document must describe exactly the routes served: each route in
// httpapi.Routes is documented with the same access, and each documented
// operation is served.
func TestDocumentMatchesRoutes(t *testing.T) {
	doc, err := conformance.Load()
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{} // pattern → public
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			sec := doc.Security
			if op.Security != nil {
				sec = *op.Security
			}
			// Public when no requirement applies or one of them is empty.
			documented[method+" "+path] = len(sec) == 0 ||
				slices.ContainsFunc(sec, func(r openapi3.SecurityRequirement) bool { return len(r) == 0 })
		}
	}
	for _, r := range httpapi.Routes {
		public, ok := documented[r.Pattern()]
		if !ok {
			t.Errorf("route %s is served but not in openapi.yaml", r.Pattern())
			continue
		}
		if public != r.Public {
			t.Errorf("route %s: public is %v in httpapi.Routes but %v in openapi.yaml", r.Pattern(), r.Public, public)
		}
		delete(documented, r.Pattern())
	}
	for p := range documented {
		t.Errorf("openapi.yaml documents %s, which httpapi.Routes does not serve", p)
	}
}
