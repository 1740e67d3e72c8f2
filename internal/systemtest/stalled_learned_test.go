package systemtest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/apitest"
	"github.com/parcelgate/parcelgate/internal/calendar"
	"github.com/parcelgate/parcelgate/internal/carrier"
	"github.com/parcelgate/parcelgate/internal/edd"
	"github.com/parcelgate/parcelgate/internal/memory"
	"github.com/parcelgate/parcelgate/internal/tag"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

// A project whose 30 delivered DHL parcels were scanned every 10 hours
// in transit calls its next one stalled after the p95 of those gaps and a
// business day, well before the 3 business days it waited with no
// deliveries of its own: the gaps were recorded at delivery through the
// message path, and the watch read them with the aggregates.
func TestParcelStalledAtTheProjectsLearnedThreshold(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	cal := calendar.For("DE")
	now := e.Clock()
	monday := time.Date(now.Year(), now.Month(), now.Day(), 9, 0, 0, 0, time.UTC).AddDate(0, 0, 7)
	for monday.Weekday() != time.Monday || !holidayFree(cal, monday.AddDate(0, 0, -7), 14) {
		monday = monday.AddDate(0, 0, 1)
	}
	e.Advance(monday.Sub(now))
	id, secret := e.Principal(t, "acme")
	token := e.TokenFor(t, id, secret)
	p := createProject(t, e, token, "learned-stalls")
	rc := newReceiver(t, nil)
	rc.clockMoved = true
	registerWebhook(t, e, token, p.ProjectID, rc, "tracking.stalled")

	// Last week's deliveries, and what the project learns from them.
	picked := monday.AddDate(0, 0, -7)
	learned := &memory.Edd{}
	var numbers []string
	var msgs []msg
	for i := range edd.MinDeliveries {
		n := dhl(940 + i)
		numbers = append(numbers, n)
		msgs = append(msgs, event(n, "picked_up", "", "Hub", picked.Format(time.RFC3339)),
			event(n, "in_transit", "", "Hub", picked.Add(10*time.Hour).Format(time.RFC3339)),
			event(n, "delivered", "", "Hub", picked.Add(20*time.Hour).Format(time.RFC3339)))
		d, _ := edd.Observe(n, edd.Parcel{Carrier: carrier.DHLExpress}, []tracking.Event{{Tag: tag.InTransit, At: picked},
			{Tag: tag.InTransit, At: picked.Add(10 * time.Hour)}, {Tag: tag.Delivered, At: picked.Add(20 * time.Hour)}})
		if _, err := learned.RecordDelivery(context.Background(), p.ProjectID, d); err != nil {
			t.Fatal(err)
		}
	}
	watched := dhl(940 + edd.MinDeliveries)
	completeJob(t, e, token, p.ProjectID, append(numbers, watched)...)
	inject(t, e, token, "history", msgs...)

	parcel := edd.Parcel{Carrier: carrier.DHLExpress}
	var keys []string
	for _, g := range parcel.Groups() {
		keys = append(keys, g.Key)
	}
	aggs, err := learned.Aggregates(context.Background(), []string{p.ProjectID}, keys)
	if err != nil {
		t.Fatal(err)
	}
	after := edd.StallAfter(parcel, tag.InTransit, aggs)
	stallAt := cal.AddBusinessTime(monday, after)
	if after > 36*time.Hour || !stallAt.Before(monday.AddDate(0, 0, 3)) {
		t.Fatalf("learned threshold %s (stalled at %s), want about 10 hours and a day", after, stallAt)
	}

	inject(t, e, token, "watched", event(watched, "picked_up", "", "Hub", monday.Format(time.RFC3339)))
	sweepAt(t, e, stallAt.Add(-time.Minute))
	if s, _ := parcelNews(rc, 0); len(s) != 0 {
		t.Fatalf("stalled before the learned threshold: %+v", s)
	}
	sweepAt(t, e, stallAt)
	s, _ := parcelNews(rc, 1)
	if len(s) != 1 || s[0].Data["trackingNumber"] != watched || !dataTime(s[0].Data["stalledAt"]).Equal(stallAt) {
		t.Fatalf("stalled deliveries %+v, want %s at %s", s, watched, stallAt)
	}
	if got := fmt.Sprint(s[0].Data["tag"]); got != string(tag.InTransit) {
		t.Fatalf("stalled in %s", got)
	}
}
