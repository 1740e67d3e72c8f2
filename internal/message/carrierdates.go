package message

import (
	"context"
	"encoding/json"
	"time"

	"github.com/parcelgate/parcelgate/internal/tracking"
)

// CarrierDates keeps, per number, the delivery date its carrier sent
// last (package edd's Store).
type CarrierDates interface {
	// SetCarrierDate keeps date for number unless a date of a newer
	// event (at) is kept already.
	SetCarrierDate(ctx context.Context, number, date string, at time.Time) error
}

// carrierDateLayout is the plain date a carrier may send instead of a
// date-time.
const carrierDateLayout = "2006-01-02"

// maxCarrierDateLength bounds what is kept as sent: a date-time with
// nanoseconds and an offset is 35 characters.
const maxCarrierDateLength = 40

func checkCarrierDate(p *problems, v string) {
	if len(v) > maxCarrierDateLength {
		p.addf("estimatedDelivery is at most %d characters: a date such as 2015-09-18 or an RFC 3339 date-time", maxCarrierDateLength)
		return
	}
	if _, err := time.Parse(carrierDateLayout, v); err == nil {
		return
	}
	if _, err := tracking.ParseDatetime(v); err != nil {
		p.addf("estimatedDelivery %q is neither a date such as 2015-09-18 nor an RFC 3339 date-time", clip(v, maxQuotedLength))
	}
}

// keepCarrierDates keeps, for each of the client's numbers, the carrier
// date of its newest event that has one.
func (s Service) keepCarrierDates(ctx context.Context, b *batch, numbers []string) error {
	if s.CarrierDates == nil {
		return nil
	}
	for _, n := range numbers {
		var date string
		var newest time.Time
		for _, i := range b.byNumber[n] {
			if b.msgs[i].Type != TypeTrackingEvent {
				continue
			}
			var p eventPayload
			if json.Unmarshal([]byte(b.msgs[i].Payload), &p) != nil || p.EstimatedDelivery == nil {
				continue
			}
			if at, err := tracking.ParseDatetime(p.Datetime); err == nil && (date == "" || !at.Before(newest)) {
				date, newest = *p.EstimatedDelivery, at
			}
		}
		if date == "" {
			continue
		}
		if err := s.CarrierDates.SetCarrierDate(ctx, n, date, newest); err != nil {
			return err
		}
	}
	return nil
}
