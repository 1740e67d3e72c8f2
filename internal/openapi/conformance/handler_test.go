package conformance

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/parcelgate/parcelgate/internal/openapi"
)

// openapi.Handler's answer must itself match the document it serves.
func TestHandler(t *testing.T) {
	srv := httptest.NewServer(openapi.Handler())
	defer srv.Close()
	rec := &recorder{}
	tr, err := NewValidatingTransport(nil, rec.report)
	if err != nil {
		t.Fatal(err)
	}
	resp := send(t, tr, srv.URL, request{method: "GET", path: "/openapi.yaml"})
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/yaml" || !bytes.Equal(body, openapi.Spec()) {
		t.Errorf("GET: %d %q, %d bytes; want 200 application/yaml and the document", resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
	}
	resp = send(t, tr, srv.URL, request{method: "POST", path: "/openapi.yaml"})
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d, want 405", resp.StatusCode)
	}
	if errs := rec.reports(); len(errs) > 0 {
		t.Errorf("reported %v", errs)
	}
}
