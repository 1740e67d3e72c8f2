package message

import (
	"context"

	"golang.org/x/sync/errgroup"

	"github.com/parcelgate/parcelgate/internal/tag"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

// DeliveryRecorder learns transit times from delivered parcels (package
// edd's Service).
type DeliveryRecorder interface {
	// Delivered records a delivered number's transit in the aggregates of
	// each project; recording a number again changes nothing.
	Delivered(ctx context.Context, number string, projectIDs []string) error
}

// recordDeliveries records the numbers whose changes not yet notified
// take them to Delivered, for their subscribers. It runs before the
// changes are marked notified: a crash in between leaves them unnotified,
// and the retry records them again, which the store counts once.
func (s Service) recordDeliveries(ctx context.Context, b *batch, numbers []string, unnotified map[string][]tracking.Change) error {
	if s.Deliveries == nil {
		return nil
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(applyConcurrency)
	for _, n := range numbers {
		if len(b.subscribers[n]) == 0 || !deliveredIn(unnotified[n]) {
			continue
		}
		g.Go(func() error { return s.Deliveries.Delivered(gctx, n, b.subscribers[n]) })
	}
	return g.Wait()
}

func deliveredIn(changes []tracking.Change) bool {
	for _, c := range changes {
		if c.Event.Tag == tag.Delivered {
			return true
		}
	}
	return false
}
