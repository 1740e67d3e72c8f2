package webhook_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/parcelgate/parcelgate/internal/tag"
	"github.com/parcelgate/parcelgate/internal/tracking"
	"github.com/parcelgate/parcelgate/internal/webhook"
)

// queued lists the queued deliveries as "<project> <webhook> <event type>".
func (e *serviceEnv) queued(t *testing.T) string {
	t.Helper()
	var got []string
	for _, task := range e.queue.all() {
		ref, err := webhook.ParseEventID(task.EventID)
		if err != nil || task.Kind != webhook.KindDelivery || task.Attempt != 1 {
			t.Fatalf("queued %+v, %v", task, err)
		}
		got = append(got, task.ProjectID+" "+task.WebhookID+" "+ref.Type)
	}
	return strings.Join(got, "|")
}

func TestTrackingUpdatedQueuesOnlyForEnabledEndpointsOfTheType(t *testing.T) {
	ctx := context.Background()
	e := newServiceEnv(t)
	for _, ep := range []webhook.Endpoint{
		{ID: "wh_a", ProjectID: "p-updates", Events: []string{webhook.TrackingUpdated, webhook.JobCompleted}, Enabled: true},
		{ID: "wh_b", ProjectID: "p-exceptions", Events: []string{webhook.TrackingException}, Enabled: true},
		{ID: "wh_c", ProjectID: "p-disabled", Events: []string{webhook.TrackingUpdated, webhook.TrackingException}},
		{ID: "wh_d", ProjectID: "p-jobs", Events: []string{webhook.JobCompleted}, Enabled: true},
	} {
		if err := e.store.PutEndpoint(ctx, ep); err != nil {
			t.Fatal(err)
		}
	}
	stuck := tracking.Change{TrackingNumber: "1Z999AA10123456784", Carrier: "ups", Sequence: 3, At: e.now,
		Event: tracking.Event{Status: "held", Tag: tag.Exception}, PreviousTag: tag.InTransit}
	if err := e.svc.TrackingUpdated(ctx, []string{"p-updates", "p-exceptions", "p-disabled", "p-jobs", "p-none"}, []tracking.Change{stuck}); err != nil {
		t.Fatal(err)
	}
	if got, want := e.queued(t), "p-updates wh_a tracking.updated|p-exceptions wh_b tracking.exception"; got != want {
		t.Errorf("queued %s\nwant %s", got, want)
	}
}

// An endpoint registered in another process reaches this one's
// announcements within ListenersFor; one registered through this process
// at once.
func TestAJustRegisteredEndpointIsSeenWithinListenersFor(t *testing.T) {
	ctx := context.Background()
	e := newServiceEnv(t)
	e.svc.Listeners = &webhook.Listeners{}
	other := e.svc
	other.Listeners = &webhook.Listeners{}
	seq := 0
	announce := func() string {
		seq++
		c := tracking.Change{TrackingNumber: "1Z999AA10123456784", Carrier: "ups", Sequence: seq, At: e.now, Event: tracking.Event{Status: fmt.Sprint(seq), Tag: tag.InTransit}}
		if err := e.svc.TrackingUpdated(ctx, []string{"p1"}, []tracking.Change{c}); err != nil {
			t.Fatal(err)
		}
		return e.queued(t)
	}
	if got := announce(); got != "" {
		t.Fatalf("a project without endpoints queued %s", got)
	}
	ep, err := other.Create(ctx, admin, "p1", webhook.Input{URL: ptr(hookURL), Events: &[]string{webhook.TrackingUpdated}})
	if err != nil {
		t.Fatal(err)
	}
	if got := announce(); got != "" {
		t.Fatalf("remembered for less than ListenersFor, yet queued %s", got)
	}
	e.now = e.now.Add(webhook.ListenersFor)
	if got := announce(); got != "p1 wh_1 tracking.updated" {
		t.Fatalf("after ListenersFor queued %q", got)
	}
	if _, err := e.svc.Update(ctx, admin, "p1", ep.ID, webhook.Input{Events: &[]string{webhook.TrackingException}}); err != nil {
		t.Fatal(err)
	}
	if got := announce(); got != "" {
		t.Errorf("this process's own change is not seen at once: queued %s", got)
	}
	if _, err := e.svc.Update(ctx, admin, "p1", ep.ID, webhook.Input{Events: &[]string{webhook.TrackingUpdated}}); err != nil {
		t.Fatal(err)
	}
	if got := announce(); got != "p1 wh_1 tracking.updated" {
		t.Errorf("this process's own change is not seen at once: queued %q", got)
	}
}
