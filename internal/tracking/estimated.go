package tracking

import "time"

// EstimatedDelivery is when a parcel still moving will likely be
// delivered, as package edd estimates it from the history of the
// projects following it: Earliest, Likely and Latest are the p10, p50
// and p90; Confidence is high, medium or low; Basis the group of
// parcels it rests on (lane, carrier_service, carrier, or standard for
// the table of carriers' announced transit days).
type EstimatedDelivery struct {
	Earliest, Likely, Latest time.Time
	Confidence, Basis        string
	// CarrierDate is the carrier's own estimate, as its newest message
	// with one sent it; "" when none did.
	CarrierDate string `json:",omitempty"`
}

// AsOf is the estimate as shown at now, a pure function of the stored
// one: a bound already passed is now, so a parcel still moving never
// shows a delivery in the past, and the bounds stay ordered.
func (e EstimatedDelivery) AsOf(now time.Time) EstimatedDelivery {
	now = now.UTC()
	later := func(t time.Time) time.Time {
		if t.Before(now) {
			return now
		}
		return t
	}
	e.Earliest, e.Likely, e.Latest = later(e.Earliest), later(e.Likely), later(e.Latest)
	return e
}
