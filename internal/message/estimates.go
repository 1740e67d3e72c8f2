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
	// The estimates are written by the goroutines, under mu; the numbers
	// already started are the loop's own, so it never touches the map
	// they write.
	var mu sync.Mutex
	estimates := map[string]*tracking.EstimatedDelivery{}
	started := map[string]bool{}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(applyConcurrency)
	for _, c := range changes {
		n := c.TrackingNumber
		if started[n] {
			continue
		}
		started[n] = true
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
