package httpapi

import (
	"errors"
	"net/http"

	"github.com/parcelgate/parcelgate/internal/carrier"
	"github.com/parcelgate/parcelgate/internal/tracking"
	"github.com/parcelgate/parcelgate/internal/trackpage"
)

// The public tracking page: the tracking resource as HTML for the
// parcel's recipient, cached like the JSON resource.

// trackPageCSP allows the page's inline style and nothing else: the page
// runs no script and loads nothing.
const trackPageCSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// pageHeaders sets the headers of every tracking page answer and
// returns the language the page is in.
func pageHeaders(w http.ResponseWriter, r *http.Request) trackpage.Lang {
	lang := trackpage.Match(r.Header.Get("Accept-Language"))
	h := w.Header()
	h.Set("Content-Language", lang.Code())
	h.Set("Vary", "Accept-Language")
	h.Set("Content-Security-Policy", trackPageCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	return lang
}

func (a *API) trackPage(w http.ResponseWriter, r *http.Request) error {
	lang := pageHeaders(w, r)
	raw := r.PathValue("tracking_number")
	res, err := a.Tracking.Get(r.Context(), raw, tracking.MaxDetails)
	if err != nil {
		return err
	}
	a.withEstimate(r, &res)
	page, err := lang.Page(res, carrierLink(res.Carrier, res.TrackingNumber))
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
func carrierLink(c carrier.Carrier, number string) trackpage.CarrierLink {
	info, ok := carrier.Lookup(c)
	if !ok || info.TrackingURL(number) == "" {
		return trackpage.CarrierLink{}
	}
	return trackpage.CarrierLink{Name: info.Name, URL: info.TrackingURL(number)}
}

// writeTrackPageError answers the ShipX-compatible tracking resource's 400
// and 404 cases, and failures, with friendly pages and the JSON resource's
// status codes.
func (a *API) writeTrackPageError(w http.ResponseWriter, r *http.Request, lang trackpage.Lang, raw string, err error) {
	var page []byte
	var renderErr error
	var status int
	switch {
	case errors.Is(err, tracking.ErrUnknownNumber):
		status = problemFor(err).Status
		page, renderErr = lang.Unknown(raw)
	case errors.Is(err, tracking.ErrNotFound):
		number, c, _ := tracking.Identify(raw)
		status = problemFor(err).Status
		w.Header().Set("Cache-Control", trackingCacheControl)
		page, renderErr = lang.NotFound(number, tracking.CarrierName(c))
	default:
		p := loggedProblem(r, err)
		status = p.Status
		setRetryAfter(w, p)
		page, renderErr = lang.Unavailable()
	}
	if renderErr != nil {
		writeError(w, r, renderErr)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(page)
}
