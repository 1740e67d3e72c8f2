package httpapi

import (
	"net/http"
	"regexp"

	"github.com/parcelgate/parcelgate/internal/input"
)

// idParams are the path parameters that name stored things by id. The
// public tracking routes' parameters are not ids: they answer bad values
// in seed 001's shapes.
var idParams = map[string]bool{"projectId": true, "jobId": true, "principalId": true, "clientId": true}

var pathParam = regexp.MustCompile(`\{([A-Za-z_]+)\}`)

// checkPathIDs refuses a request whose path ids break input.CheckID before
// the handler (and so any store) sees them.
func checkPathIDs(next http.HandlerFunc, path string) http.HandlerFunc {
	var names []string
	for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
		if idParams[m[1]] {
			names = append(names, m[1])
		}
	}
	if len(names) == 0 {
		return next
	}
	return func(w http.ResponseWriter, r *http.Request) {
		for _, name := range names {
			if err := input.CheckID(name, r.PathValue(name)); err != nil {
				writeError(w, r, err)
				return
			}
		}
		next(w, r)
	}
}

// queryID reads an id from the query string, checked like a path id.
func queryID(r *http.Request, name string) (string, error) {
	v := r.URL.Query().Get(name)
	return v, input.CheckID(name, v)
}
