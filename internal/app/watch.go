package app

import (
	"context"
	"time"

	"github.com/parcelgate/parcelgate/internal/edd"
	"github.com/parcelgate/parcelgate/internal/httpapi"
	"github.com/parcelgate/parcelgate/internal/project"
	"github.com/parcelgate/parcelgate/internal/webhook"
)

// newWatcher keeps followed parcels' stall and late watches, and counts
// their delivery outcomes, in the backend, announcing through the webhook
// service; nil when the backend keeps no watches.
func newWatcher(b Backend, webhooks webhook.Service, now func() time.Time) *edd.Watcher {
	if b.Watches == nil {
		return nil
	}
	return &edd.Watcher{
		Store:       b.Watches,
		Outcomes:    b.Outcomes,
		Service:     newEdd(b),
		Subscribers: b.Tracking,
		Announcer:   announcer{webhooks},
		Now:         now,
	}
}

// newAnalytics answers projects' delivery analytics from the backend's
// outcomes; nil (the route answers 503) when it keeps none.
func newAnalytics(b Backend, projects project.Service) httpapi.DeliveryAnalytics {
	if b.Outcomes == nil {
		return nil
	}
	return edd.Analytics{Outcomes: b.Outcomes, Projects: projects}
}

// Analytics answers projects' delivery analytics.
func (f *Function) Analytics(b Backend, projects project.Service) httpapi.DeliveryAnalytics {
	return newAnalytics(b, projects)
}

// Watcher is the stall and late watcher, announcing through webhooks;
// nil when the backend keeps no watches.
func (f *Function) Watcher(b Backend, webhooks webhook.Service) *edd.Watcher {
	return newWatcher(b, webhooks, f.Now)
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
