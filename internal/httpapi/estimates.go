package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/parcelgate/parcelgate/internal/tracking"
)

// Estimator adds a parcel's estimated delivery to its tracking resource
// (edd.Estimator).
type Estimator interface {
	Estimated(ctx context.Context, r tracking.Resource) (*tracking.EstimatedDelivery, error)
}

// estimatedDeliveryBody is the resource's estimated_delivery, in its
// snake_case like the rest of the ShipX-compatible resource.
type estimatedDeliveryBody struct {
	Earliest   string `json:"earliest"`
	Likely     string `json:"likely"`
	Latest     string `json:"latest"`
	Confidence string `json:"confidence"`
	Basis      string `json:"basis"`
}

func estimatedBody(e *tracking.EstimatedDelivery) *estimatedDeliveryBody {
	if e == nil {
		return nil
	}
	return &estimatedDeliveryBody{Earliest: e.Earliest.UTC().Format(time.RFC3339), Likely: e.Likely.UTC().Format(time.RFC3339),
		Latest: e.Latest.UTC().Format(time.RFC3339), Confidence: e.Confidence, Basis: e.Basis}
}

// withEstimate sets the resource's estimated delivery. An estimate is an
// extra: one that cannot be made now is logged and left out, and the
// resource is served without it.
func (a *API) withEstimate(r *http.Request, res *tracking.Resource) {
	if a.Estimates == nil {
		return
	}
	est, err := a.Estimates.Estimated(r.Context(), *res)
	if err != nil {
		slog.WarnContext(r.Context(), "estimated delivery left out", "trackingNumber", res.TrackingNumber, "error", err.Error())
		return
	}
	res.Estimated = est
}
