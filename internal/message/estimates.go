package message

import (
	"context"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/parcelgate/parcelgate/internal/tracking"
)

// Estimator estimates parcels' deliveries (package edd's Estimator).
type Estimator interface {
	// EstimatedFor is a number's estimated delivery now, from the
	// aggregates of the projects; nil when it has none.
	EstimatedFor(ctx context.Context, number string, projectIDs []string) (*tracking.EstimatedDelivery, error)
}

// estimate sets, on every change to be told, its number's estimated
// delivery as of now: the parcel is re-estimated on every event, and its
// subscribers' tracking.updated events carry the estimate.
func (s Service) estimate(ctx context.Context, subscribers map[string][]string, changes []tracking.Change) error {
	if s.Estimates == nil {
		return nil
	}
	var mu sync.Mutex
	estimates := map[string]*tracking.EstimatedDelivery{}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(applyConcurrency)
	for _, c := range changes {
		n := c.TrackingNumber
		if _, seen := estimates[n]; seen {
			continue
		}
		estimates[n] = nil
		g.Go(func() error {
			est, err := s.Estimates.EstimatedFor(gctx, n, subscribers[n])
			mu.Lock()
			estimates[n] = est
			mu.Unlock()
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for i := range changes {
		changes[i].Estimated = estimates[changes[i].TrackingNumber]
	}
	return nil
}
