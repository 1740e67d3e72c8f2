package webhooktest

import (
	"context"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/storetest"
	"github.com/parcelgate/parcelgate/internal/webhook"
)

// parcelEventsAreKeptApartAndFedInTimeOrder: a parcel's two stalls and
// its lateness are three events, each read back under its own ref and
// fed oldest first.
func parcelEventsAreKeptApartAndFedInTimeOrder(t *testing.T, s webhook.Store) {
	ctx := context.Background()
	projectID := storetest.ID("p-")
	at := base()
	w := webhook.Watched{TrackingNumber: storetest.ID("1Z"), Carrier: "ups", Tag: "InTransit", LastEventAt: at.Add(-72 * time.Hour),
		StalledAt: at, LateAt: at.Add(time.Minute)}
	stalled, stalledRef := webhook.StalledEvent(projectID, w)
	late, lateRef := webhook.LateEvent(projectID, w)
	w.LastEventAt, w.StalledAt = at.Add(time.Hour), at.Add(73*time.Hour)
	again, againRef := webhook.StalledEvent(projectID, w)
	for _, e := range []struct {
		ev  webhook.Event
		ref webhook.Ref
	}{{again, againRef}, {late, lateRef}, {stalled, stalledRef}, {stalled, stalledRef}} {
		putEvent(t, s, e.ev, e.ref, webhook.EventTTL)
	}
	for _, e := range []struct {
		ev  webhook.Event
		ref webhook.Ref
	}{{stalled, stalledRef}, {late, lateRef}, {again, againRef}} {
		got, err := s.FeedEvent(ctx, projectID, e.ref)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != e.ev.ID || got.Type != e.ev.Type || !got.CreatedAt.Equal(e.ev.CreatedAt) || string(got.Data) != string(e.ev.Data) {
			t.Errorf("event\n got %+v\nwant %+v", got, e.ev)
		}
	}
	feed, err := s.FeedEvents(ctx, projectID, webhook.Ref{}, at.Add(-time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, ev := range feed {
		ids = append(ids, ev.ID)
	}
	if len(ids) != 3 || ids[0] != stalled.ID || ids[1] != late.ID || ids[2] != again.ID {
		t.Errorf("feed %v, want %v", ids, []string{stalled.ID, late.ID, again.ID})
	}
}
