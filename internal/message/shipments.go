package message

import (
	"context"

	"github.com/parcelgate/parcelgate/internal/tracking"
)

// ShipmentRecords is the data exchange (weavy-compatible) seen from the processor:
// the shipment records of a number follow its tracking status.
type ShipmentRecords interface {
	// FollowNumber moves the status of the records following number to
	// ev, when ev is newer than their status; repeating it changes nothing.
	FollowNumber(ctx context.Context, number string, ev tracking.Event) error
}

// followShipments hands a number's newest event of the batch to the
// shipment records. It runs whether or not the event moved the number's
// own status, so a redelivered batch still reaches records a failed
// attempt left behind.
func (s Service) followShipments(ctx context.Context, number string, events []tracking.Event) error {
	if s.Shipments == nil || len(events) == 0 {
		return nil
	}
	return s.Shipments.FollowNumber(ctx, number, newest(events))
}

// newest is the event that would be the number's status of events: the
// greatest by tracking.EventKey, the order statuses move in.
func newest(events []tracking.Event) tracking.Event {
	best, bestKey := events[0], tracking.EventKey(events[0])
	for _, ev := range events[1:] {
		if k := tracking.EventKey(ev); k > bestKey {
			best, bestKey = ev, k
		}
	}
	return best
}
