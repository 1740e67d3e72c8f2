package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/parcelgate/parcelgate/internal/tracking"
)

// The tracking routes are public and answer in ShipX's shapes.

type trackingDetail struct {
	Status       string  `json:"status"`
	OriginStatus *string `json:"origin_status"`
	Agency       *string `json:"agency"`
	Datetime     string  `json:"datetime"`
	Tag          string  `json:"tag"`
	Subtag       string  `json:"subtag"`
}

// trackingBody is the ShipX-compatible tracking resource, with the
// status in the one status language (tag, subtag) beside ShipX's fields.
type trackingBody struct {
	TrackingNumber   string           `json:"tracking_number"`
	Type             string           `json:"type"`
	Service          string           `json:"service"`
	Status           string           `json:"status"`
	Tag              string           `json:"tag"`
	Subtag           string           `json:"subtag"`
	CustomAttributes map[string]any   `json:"custom_attributes"`
	TrackingDetails  []trackingDetail `json:"tracking_details"`
	ExpectedFlow     []string         `json:"expected_flow"`
	CreatedAt        *string          `json:"created_at"`
	UpdatedAt        *string          `json:"updated_at"`
	// EstimatedDelivery is null for a parcel delivered or not estimated.
	EstimatedDelivery *estimatedDeliveryBody `json:"estimated_delivery"`
	// CarrierEstimatedDelivery is the carrier's own date, as it sent it.
	CarrierEstimatedDelivery *string `json:"carrier_estimated_delivery"`
}

type notFoundBody struct {
	Status      int     `json:"status"`
	Error       string  `json:"error"`
	Description string  `json:"description"`
	Details     *string `json:"details"`
}

type unknownNumberBody struct {
	Status  int     `json:"status"`
	Error   string  `json:"error"`
	Message string  `json:"message"`
	Details *string `json:"details"`
}

// trackingCacheControl lets shared caches absorb repeated reads of a
// public, slowly changing resource.
const trackingCacheControl = "public, max-age=60"

// trackingFailure is how a tracking route answers err: ShipX's bodies for
// a number it cannot identify or has no data of, naming the number as
// asked (raw). A 404 is cached like the resource it stands for.
func trackingFailure(w http.ResponseWriter, raw string, err error) error {
	switch {
	case errors.Is(err, tracking.ErrUnknownNumber):
		return &inShipX{err, fmt.Sprintf("Cannot identify type of shipment by given tracking number (%s)", raw)}
	case errors.Is(err, tracking.ErrNotFound):
		number, c, _ := tracking.Identify(raw)
		w.Header().Set("Cache-Control", trackingCacheControl)
		return &inShipX{err, fmt.Sprintf("Tracking information about %s %s shipment has not been found.", number, tracking.CarrierName(c))}
	}
	return err
}

// writeShipXError answers err in ShipX's bodies, with the status and
// code the error table gives it; text says what was not found or known.
func writeShipXError(w http.ResponseWriter, r *http.Request, err error, text string) {
	p := problemFor(err)
	switch p.Code {
	case "uknown_tracking_number":
		writeJSON(w, p.Status, unknownNumberBody{Status: p.Status, Error: p.Code, Message: text})
	case "resource_not_found":
		writeJSON(w, p.Status, notFoundBody{Status: p.Status, Error: p.Code, Description: text})
	default:
		writeError(w, r, err)
	}
}

// writeCached answers with body, or 304 when the client holds it already.
func writeCached(w http.ResponseWriter, r *http.Request, body any, lastModified string) error {
	data, err := json.Marshal(body)
	if err != nil {
		return err
	}
	writeCachedBytes(w, r, append(data, '\n'), "application/json", lastModified)
	return nil
}

// writeCachedBytes answers with data of contentType, or 304 when the
// client holds it already; the entity tag is a hash of data.
func writeCachedBytes(w http.ResponseWriter, r *http.Request, data []byte, contentType, lastModified string) {
	sum := sha256.Sum256(data)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", trackingCacheControl)
	if t, err := tracking.ParseDatetime(lastModified); err == nil {
		h.Set("Last-Modified", t.UTC().Format(http.TimeFormat))
	}
	if match := r.Header.Get("If-None-Match"); match != "" && (match == etag || match == "*") {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", contentType)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
}

func (a *API) getTracking(w http.ResponseWriter, r *http.Request) error {
	raw := r.PathValue("tracking_number")
	limit, err := queryLimit(r, detailLimits)
	if err != nil {
		return err
	}
	res, err := a.Tracking.Get(r.Context(), raw, limit)
	if err != nil {
		return trackingFailure(w, raw, err)
	}
	a.withEstimate(r, &res)
	body := trackingBody{
		TrackingNumber: res.TrackingNumber, Type: res.Type, Service: res.Service, Status: res.Status,
		Tag: string(res.Tag), Subtag: string(res.Subtag), CustomAttributes: res.CustomAttributes, ExpectedFlow: res.ExpectedFlow,
		CreatedAt: optional(res.CreatedAt), UpdatedAt: optional(res.UpdatedAt),
		TrackingDetails:   make([]trackingDetail, len(res.Details)),
		EstimatedDelivery: estimatedBody(res.Estimated),
	}
	if res.Estimated != nil {
		body.CarrierEstimatedDelivery = optional(res.Estimated.CarrierDate)
	}
	for i, ev := range res.Details {
		body.TrackingDetails[i] = trackingDetail{Status: ev.Status, OriginStatus: optional(ev.OriginStatus), Agency: optional(ev.Agency), Datetime: ev.Datetime,
			Tag: string(ev.Tag), Subtag: string(ev.Subtag)}
	}
	return writeCached(w, r, body, res.UpdatedAt)
}

type serviceHistoryBody struct {
	Href           string `json:"href"`
	ID             string `json:"id"`
	ServiceHistory struct {
		LastService *string `json:"last_service"`
		UpdatedAt   *string `json:"updated_at"`
	} `json:"service_history"`
}

func (a *API) getServiceHistory(w http.ResponseWriter, r *http.Request) error {
	// Registered as /v1/tracking/{tracking_number}/{resource}; see Route.MuxPath.
	if r.PathValue("resource") != "service_history" {
		return newProblem(http.StatusNotFound, "NOT_FOUND", "no such route: "+r.URL.Path)
	}
	raw := r.PathValue("tracking_number")
	sh, err := a.Tracking.ServiceHistory(r.Context(), raw)
	if err != nil {
		return trackingFailure(w, raw, err)
	}
	var body serviceHistoryBody
	body.Href = publicURL(r, "/v1/tracking/"+sh.TrackingNumber+"/service_history")
	body.ID = sh.TrackingNumber
	body.ServiceHistory.LastService = optional(sh.LastService)
	body.ServiceHistory.UpdatedAt = optional(sh.ServiceUpdatedAt)
	return writeCached(w, r, body, sh.ServiceUpdatedAt)
}

func (a *API) getFlow(w http.ResponseWriter, r *http.Request) error {
	t := r.PathValue("shipment_type")
	flow, ok := tracking.Flow(t)
	w.Header().Set("Cache-Control", "public, max-age=3600")
	if !ok {
		return &inShipX{tracking.ErrNotFound, fmt.Sprintf("Shipment type %s is not known.", t)}
	}
	writeJSON(w, http.StatusOK, struct {
		Type         string   `json:"type"`
		ExpectedFlow []string `json:"expected_flow"`
	}{t, flow})
	return nil
}
