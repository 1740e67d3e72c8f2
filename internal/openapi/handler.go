package openapi

import (
	"net/http"
	"strconv"
)

// Handler serves the document as application/yaml, for GET /openapi.yaml. It is mounted with a method pattern, but
// answers other methods itself (405, as the document describes) so it stays
// correct wherever it is mounted.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusMethodNotAllowed)
			_, _ = w.Write([]byte(`{"type":"about:blank","title":"Method Not Allowed","status":405,` +
				`"detail":"use GET","code":"METHOD_NOT_ALLOWED"}`))
			return
		}
		h := w.Header()
		h.Set("Content-Type", "application/yaml")
		h.Set("Content-Length", strconv.Itoa(len(spec)))
		// The document changes with every deploy; a stale
		// copy in a browser or tool would silently mislead.
		h.Set("Cache-Control", "no-cache")
		if r.Method == http.MethodHead {
			return
		}
		_, _ = w.Write(spec)
	})
}
