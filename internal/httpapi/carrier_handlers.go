package httpapi

import (
	"net/http"
	"strings"

	"github.com/parcelgate/parcelgate/internal/carrier"
)

// maxDetectInput bounds trackingNumber before normalisation, as a job
// bounds a submitted number: spaces and dashes as printed fit, blobs do
// not.
const maxDetectInput = 64

// listCarriers serves the carrier registry. It changes only with a
// release, so any cache may keep it for a day.
func (a *API) listCarriers(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "public, max-age=86400")
	writeJSON(w, http.StatusOK, carrier.RegistryJSON())
	return nil
}

// detectCarrier lists the carriers a number may belong to, best first. No
// candidate is an answer too (an empty list), not an error: the number is
// the caller's, not a resource of ours.
func (a *API) detectCarrier(w http.ResponseWriter, r *http.Request) error {
	n := r.URL.Query().Get("trackingNumber")
	switch {
	case strings.TrimSpace(n) == "":
		return badRequest("trackingNumber is required", FieldError{Field: "trackingNumber", Message: "required"})
	case len(n) > maxDetectInput:
		return badRequest("trackingNumber must be at most 64 characters", FieldError{Field: "trackingNumber", Message: "at most 64 characters"})
	}
	writeJSON(w, http.StatusOK, carrier.DetectJSON(n))
	return nil
}
