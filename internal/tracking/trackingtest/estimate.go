package trackingtest

import (
	"context"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/message"
	"github.com/parcelgate/parcelgate/internal/storetest"
	"github.com/parcelgate/parcelgate/internal/tag"
	"github.com/parcelgate/parcelgate/internal/tracking"
	"github.com/parcelgate/parcelgate/internal/webhook"
)

// A change told with an estimated delivery comes back from the feed as
// the same tracking.updated event, estimate and all; one told without
// has estimatedDelivery null.
func anEstimateIsKeptWithTheChangeTold(t *testing.T, f Fixture) {
	ctx := context.Background()
	project := storetest.ID("p")
	at := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	est := &tracking.EstimatedDelivery{Earliest: at.Add(20 * time.Hour), Likely: at.Add(30 * time.Hour), Latest: at.Add(50 * time.Hour), Confidence: "high", Basis: "lane"}
	changes := []tracking.Change{
		{TrackingNumber: "3000000010", Carrier: "dhl", Sequence: 1, At: at, Estimated: est,
			Event: tracking.Event{Status: "picked_up", Datetime: at.Format(time.RFC3339), At: at, Tag: tag.InTransit, Subtag: "InTransit_PickedUp"}},
		{TrackingNumber: "3000000021", Carrier: "dhl", Sequence: 1, At: at.Add(time.Second),
			Event: tracking.Event{Status: "delivered", Datetime: at.Add(time.Second).Format(time.RFC3339), At: at.Add(time.Second), Tag: tag.Delivered, Subtag: "Delivered_Other"}},
	}
	subs := map[string][]string{"3000000010": {project}, "3000000021": {project}}
	if err := f.Store.Notify(ctx, subs, changes, message.NotificationTTL); err != nil {
		t.Fatal(err)
	}
	events, err := f.Feed.FeedEvents(ctx, project, webhook.Ref{}, at.Add(-time.Minute), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 2 {
		t.Fatalf("%d events, want 2", len(events))
	}
	for i, ev := range events {
		if want := webhook.TrackingEvent(project, changes[i]); string(ev.Data) != string(want.Data) {
			t.Fatalf("event %d\n%s\nwant\n%s", i, ev.Data, want.Data)
		}
	}
}
