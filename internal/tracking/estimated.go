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
