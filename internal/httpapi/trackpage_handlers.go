package httpapi

import (
	"errors"
	"net/http"

	"github.com/parcelgate/parcelgate/internal/carrier"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

// The public tracking page: the tracking resource as HTML for the
// parcel's recipient, cached like the JSON resource.

// Pages renders the tracking page in its reader's language
// (trackpage.Pages), a language being named by its BCP 47 code. The
// function serving the page is given it rather than this package
// importing the page's: a binary that executes templates keeps every
// exported method of every type it links (6 MB more in each API
// function's bootstrap, and the template and text packages' inits at
// every cold start).
type Pages interface {
	// Language picks the page's language for an Accept-Language header.
	Language(acceptLanguage string) string
	// Page renders r's page, with a link to the carrier's own page at
	// carrierURL unless it is "".
	Page(lang string, r tracking.Resource, carrierName, carrierURL string) ([]byte, error)
	// NotFound renders the page of a well-formed number with no data.
	NotFound(lang, number, carrierName string) ([]byte, error)
	// Unknown renders the page of a number of no known shipment type.
	Unknown(lang, raw string) ([]byte, error)
	// Unavailable renders the page of a failure on the server's side.
	Unavailable(lang string) ([]byte, error)
}

// trackPageCSP allows the page's inline style and nothing else: the page
// runs no script and loads nothing.
const trackPageCSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// pageHeaders sets the headers of every tracking page answer and
// returns the language the page is in.
func (a *API) pageHeaders(w http.ResponseWriter, r *http.Request) string {
	lang := a.Pages.Language(r.Header.Get("Accept-Language"))
	h := w.Header()
	h.Set("Content-Language", lang)
	h.Set("Vary", "Accept-Language")
	h.Set("Content-Security-Policy", trackPageCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	return lang
}

func (a *API) trackPage(w http.ResponseWriter, r *http.Request) error {
	lang := a.pageHeaders(w, r)
	raw := r.PathValue("tracking_number")
	res, err := a.Tracking.Get(r.Context(), raw, tracking.MaxDetails)
	if err != nil {
		return err
	}
	a.withEstimate(r, &res)
	name, url := carrierLink(res.Carrier, res.TrackingNumber)
	page, err := a.Pages.Page(lang, res, name, url)
	if err != nil {
		return err
	}
	writeCachedBytes(w, r, page, "text/html; charset=utf-8", res.UpdatedAt)
	return nil
}

// carrierLink is the link the page gives to the carrier's own tracking
// page of the number, from the registry; none for a carrier without one
// (the generic UPU postal operator). The number is normalized (A-Z, 0-9),
// so it needs no escaping in the URL.
func carrierLink(c carrier.Carrier, number string) (name, url string) {
	info, ok := carrier.Lookup(c)
	if !ok || info.TrackingURL(number) == "" {
		return "", ""
	}
	return info.Name, info.TrackingURL(number)
}

// writeTrackPageError answers the ShipX-compatible tracking resource's 400
// and 404 cases, and failures, with friendly pages and the JSON resource's
// status codes.
func (a *API) writeTrackPageError(w http.ResponseWriter, r *http.Request, lang, raw string, err error) {
	var page []byte
	var renderErr error
	var status int
	switch {
	case errors.Is(err, tracking.ErrUnknownNumber):
		status = problemFor(err).Status
		page, renderErr = a.Pages.Unknown(lang, raw)
	case errors.Is(err, tracking.ErrNotFound):
		number, c, _ := tracking.Identify(raw)
		status = problemFor(err).Status
		w.Header().Set("Cache-Control", trackingCacheControl)
		page, renderErr = a.Pages.NotFound(lang, number, tracking.CarrierName(c))
	default:
		p := loggedProblem(r, err)
		status = p.Status
		setRetryAfter(w, p)
		page, renderErr = a.Pages.Unavailable(lang)
	}
	if renderErr != nil {
		writeError(w, r, renderErr)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(page)
}
