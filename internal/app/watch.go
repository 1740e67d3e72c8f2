package app

import (
	"context"
	"time"

	"github.com/parcelgate/parcelgate/internal/dynamo"
	"github.com/parcelgate/parcelgate/internal/edd"
	"github.com/parcelgate/parcelgate/internal/project"
	"github.com/parcelgate/parcelgate/internal/webhook"
)

// newWatcher keeps followed parcels' stall and late watches in the table
// and announces them through the webhook service.
func newWatcher(store *dynamo.Store, webhooks webhook.Service, now func() time.Time) *edd.Watcher {
	return &edd.Watcher{
		Store:       &dynamo.WatchStore{Client: store.Client, Table: store.Table},
		Outcomes:    newOutcomes(store),
		Service:     newEdd(store),
		Subscribers: store,
		Announcer:   announcer{webhooks},
		Now:         now,
	}
}

// newOutcomes keeps the projects' delivery analytics in the table.
func newOutcomes(store *dynamo.Store) *dynamo.OutcomeStore {
	return &dynamo.OutcomeStore{Client: store.Client, Table: store.Table}
}

// Analytics answers projects' delivery analytics.
func (f *Function) Analytics(store *dynamo.Store, projects project.Service) edd.Analytics {
	return edd.Analytics{Outcomes: newOutcomes(store), Projects: projects}
}

// Watcher is the stall and late watcher, announcing through webhooks.
func (f *Function) Watcher(store *dynamo.Store, webhooks webhook.Service) *edd.Watcher {
	return newWatcher(store, webhooks, f.Now)
}

// announcer tells of stalled and late parcels with webhook events.
type announcer struct{ webhooks webhook.Service }

func watched(w edd.Watch) webhook.Watched {
	return webhook.Watched{TrackingNumber: w.TrackingNumber, Carrier: w.Carrier, Tag: string(w.Tag),
		LastEventAt: w.LastEventAt, StalledAt: w.StallAt, LateAt: w.LateAt}
}

func (a announcer) Stalled(ctx context.Context, projectIDs []string, w edd.Watch) error {
	return a.webhooks.Stalled(ctx, projectIDs, watched(w))
}

func (a announcer) Late(ctx context.Context, projectIDs []string, w edd.Watch) error {
	return a.webhooks.Late(ctx, projectIDs, watched(w))
}
