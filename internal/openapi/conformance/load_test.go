package conformance

import "testing"

// Load gives a valid document with the API's paths, and every call a
// fresh one: a caller's change to its copy is not seen by the next.
func TestLoad(t *testing.T) {
	doc, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi = %q, want 3.0.3", doc.OpenAPI)
	}
	const path = "/v1/auth/token"
	if doc.Paths.Find(path) == nil || doc.Paths.Len() < 2 {
		t.Fatalf("document has %d paths, %s among them: %v", doc.Paths.Len(), path, doc.Paths.Find(path) != nil)
	}
	before := doc.Paths.Len()
	doc.Paths.Delete(path)
	again, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if again == doc || again.Paths.Find(path) == nil || again.Paths.Len() != before {
		t.Fatalf("the second Load shares the first's changes: %d paths, %s present: %v", again.Paths.Len(), path, again.Paths.Find(path) != nil)
	}
}
