package dynamo

import (
	"encoding/json"

	"github.com/parcelgate/parcelgate/internal/tracking"
)

// A notification record keeps the estimated delivery its change was told
// with (estimatedDelivery, JSON), so the tracking.updated event built from
// it again (the feed, a retry, a replay) is the same event.

func encodeEstimate(e *tracking.EstimatedDelivery) string {
	b, _ := json.Marshal(e)
	return string(b)
}

// decodeEstimate reads what encodeEstimate wrote; nil for a record
// without one.
func decodeEstimate(s string) *tracking.EstimatedDelivery {
	if s == "" {
		return nil
	}
	var e tracking.EstimatedDelivery
	if json.Unmarshal([]byte(s), &e) != nil {
		return nil
	}
	return &e
}
