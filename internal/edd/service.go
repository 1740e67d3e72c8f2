package edd

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/parcelgate/parcelgate/internal/tag"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

// Custom attributes of a Shipment message that place a parcel on its
// lane (strings; any other type is ignored): ISO 3166 alpha-2 countries
// and the destination's postal code.
const (
	AttrOriginCountry      = "origin_country"
	AttrDestinationCountry = "destination_country"
	AttrDestinationPostal  = "destination_postal_code"
)

// Resources reads a parcel's tracking resource (tracking.Service).
type Resources interface {
	Get(ctx context.Context, raw string, limit int) (tracking.Resource, error)
}

// Service learns from deliveries and estimates the others.
type Service struct {
	Store     Store
	Resources Resources
}

// ParcelOf is the parcel a shipment describes.
func ParcelOf(sh tracking.Shipment) Parcel {
	attr := func(k string) string {
		s, _ := sh.CustomAttributes[k].(string)
		return strings.TrimSpace(s)
	}
	service := sh.Service
	if service == "" {
		service = sh.Type
	}
	return Parcel{Carrier: sh.Carrier, Service: service, Origin: attr(AttrOriginCountry),
		Destination: attr(AttrDestinationCountry), PostalCode: attr(AttrDestinationPostal)}
}

// SituationOf is where the resource's parcel stands at now: its current
// tag and its first event with that tag among the resource's details.
func SituationOf(r tracking.Resource, now time.Time) Situation {
	s := Situation{Parcel: ParcelOf(r.Shipment), Tag: r.Tag, Now: now}
	for _, e := range r.Details {
		if e.Tag == r.Tag && !e.At.IsZero() && (s.Since.IsZero() || e.At.Before(s.Since)) {
			s.Since = e.At
		}
	}
	return s
}

// Delivered records the delivery of a number in each project's
// aggregates; a number not delivered, or recorded before, changes
// nothing. The history read is the resource's (its newest
// tracking.MaxDetails events).
func (s Service) Delivered(ctx context.Context, number string, projectIDs []string) error {
	if len(projectIDs) == 0 {
		return nil
	}
	r, err := s.Resources.Get(ctx, number, tracking.MaxDetails)
	if errors.Is(err, tracking.ErrNotFound) || errors.Is(err, tracking.ErrUnknownNumber) {
		return nil
	}
	if err != nil {
		return err
	}
	d, ok := Observe(r.TrackingNumber, ParcelOf(r.Shipment), r.Details)
	if !ok {
		return nil
	}
	for _, p := range projectIDs {
		if _, err := s.Store.RecordDelivery(ctx, p, d); err != nil {
			return err
		}
	}
	return nil
}

// Estimate estimates the delivery of the resource's parcel at now from
// the aggregates of the projects, merged; false for a parcel delivered,
// expired or without a tag.
func (s Service) Estimate(ctx context.Context, r tracking.Resource, projectIDs []string, now time.Time) (Estimate, bool, error) {
	sit := SituationOf(r, now)
	if !estimable(sit.Tag) || r.Tag == tag.Delivered {
		return Estimate{}, false, nil
	}
	aggs, err := s.aggregatesOf(ctx, sit.Parcel, projectIDs)
	if err != nil {
		return Estimate{}, false, err
	}
	e, ok := Estimated(sit, aggs)
	return e, ok, nil
}

// aggregatesOf reads the parcel's groups from the projects' aggregates,
// merged; none for no project.
func (s Service) aggregatesOf(ctx context.Context, p Parcel, projectIDs []string) (map[string]Aggregate, error) {
	if len(projectIDs) == 0 {
		return nil, nil
	}
	var keys []string
	for _, g := range p.Groups() {
		keys = append(keys, g.Key)
	}
	return aggregates(ctx, s.Store, projectIDs, keys)
}

// Subscribers lists the projects following numbers now (the tracking
// store's).
type Subscribers interface {
	Subscribers(ctx context.Context, numbers []string, now time.Time) (map[string][]string, error)
}

// Estimator estimates parcels for readers of their tracking resource and
// for the processor.
type Estimator struct {
	Service Service
	Now     func() time.Time
}

// Estimated is the estimated delivery of the resource's parcel now; nil
// when it has none (delivered, expired, untagged). A parcel's followers'
// estimate is made when a status change is told to them (EstimatedFor,
// from their merged aggregates) and kept with the change's mark
// (Shipment.Told, read with the resource): shown as of now, it needs no
// read. A parcel nobody was told an estimate of (nobody follows it, or
// its last change was told before estimates were kept) gets the
// standard table's, with the carrier's date read beside it.
func (e Estimator) Estimated(ctx context.Context, r tracking.Resource) (*tracking.EstimatedDelivery, error) {
	now := e.Now()
	sit := SituationOf(r, now)
	if !estimable(sit.Tag) {
		return nil, nil
	}
	if r.Told != nil {
		shown := r.Told.AsOf(now)
		return &shown, nil
	}
	est, _ := Estimated(sit, nil)
	return e.withCarrierDate(ctx, r.TrackingNumber, est.Tracking())
}

// withCarrierDate adds the carrier's own date to an estimate.
func (e Estimator) withCarrierDate(ctx context.Context, number string, est *tracking.EstimatedDelivery) (*tracking.EstimatedDelivery, error) {
	date, err := e.Service.Store.CarrierDate(ctx, number)
	if err != nil {
		return nil, err
	}
	est.CarrierDate = date
	return est, nil
}

// Tracking is the estimate as the tracking resource carries it.
func (e Estimate) Tracking() *tracking.EstimatedDelivery {
	return &tracking.EstimatedDelivery{Earliest: e.Earliest.UTC(), Likely: e.Likely.UTC(), Latest: e.Latest.UTC(),
		Confidence: string(e.Confidence), Basis: string(e.Basis)}
}

// EstimatedFor is the estimated delivery of a number now from the
// aggregates of projectIDs; nil for a number delivered or without data.
func (e Estimator) EstimatedFor(ctx context.Context, number string, projectIDs []string) (*tracking.EstimatedDelivery, error) {
	r, err := e.Service.Resources.Get(ctx, number, tracking.MaxDetails)
	if errors.Is(err, tracking.ErrNotFound) || errors.Is(err, tracking.ErrUnknownNumber) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	est, ok, err := e.Service.Estimate(ctx, r, projectIDs, e.Now())
	if err != nil || !ok {
		return nil, err
	}
	return e.withCarrierDate(ctx, number, est.Tracking())
}
