package message

import (
	"context"

	"golang.org/x/sync/errgroup"
)

// ParcelWatcher keeps followed parcels' stall and late watches (package
// edd's Watcher).
type ParcelWatcher interface {
	// Touch brings a number's watch up to date with its events; touching
	// it again without newer events changes nothing.
	Touch(ctx context.Context, number string, projectIDs []string) error
}

// watchParcels touches the watches of the numbers with new events that
// some project follows. It runs before the changes are marked notified,
// so a failed touch fails the message, and its retry touches again.
func (s Service) watchParcels(ctx context.Context, b *batch, numbers []string) error {
	if s.Watches == nil {
		return nil
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(applyConcurrency)
	for _, n := range numbers {
		if len(b.subscribers[n]) == 0 || len(b.events[n]) == 0 {
			continue
		}
		g.Go(func() error { return s.Watches.Touch(gctx, n, b.subscribers[n]) })
	}
	return g.Wait()
}
