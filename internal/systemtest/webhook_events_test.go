package systemtest

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parcelgate/parcelgate/internal/apitest"
)

type feedOut struct {
	Items []struct {
		ID, Type string
		Data     map[string]any
	} `json:"items"`
}

// sweepNow runs the scheduled sweeper once, as its schedule would: it
// also checks for expiring associations.
func sweepNow(t *testing.T, e *apitest.Env) {
	t.Helper()
	ev := events.EventBridgeEvent{DetailType: "Scheduled Event", Source: "aws.events", Time: e.Clock()}
	if err := e.App.ScheduledHandlers()["sweeper"](context.Background(), ev); err != nil {
		t.Fatal(err)
	}
}

func TestWebhookExpiringOncePerExpiryAndAgainAfterRenewal(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	id, secret := e.Principal(t, "acme")
	token := e.TokenFor(t, id, secret)
	p := createProject(t, e, token, "expiry")
	rc := newReceiver(t, nil)
	rc.clockMoved = true
	registerWebhook(t, e, token, p.ProjectID, rc, "tracking_number.expiring")
	n, other := dhl(910), dhl(911)
	added := e.Clock()
	completeJob(t, e, token, p.ProjectID, n)
	e.Advance(time.Hour)
	completeJob(t, e, token, p.ProjectID, other) // expires an hour later: not due with n

	sweepNow(t, e)
	e.Advance(36 * 24 * time.Hour) // four days left
	sweepNow(t, e)
	e.Advance(23*time.Hour + time.Minute) // n: 3 days less a minute left
	sweepNow(t, e)
	sweepNow(t, e) // found once, whatever the runs
	got := rc.await(1)
	if len(got) != 1 {
		t.Fatalf("deliveries %+v, want one expiring event", got)
	}
	first := got[0]
	expiresAt, err := time.Parse(time.RFC3339, fmt.Sprint(first.Data["expiresAt"]))
	if err != nil || first.Type != "tracking_number.expiring" || first.Data["trackingNumber"] != n ||
		first.Data["projectId"] != p.ProjectID || first.Data["carrier"] == "" {
		t.Fatalf("expiring delivery %+v (%v)", first, err)
	}
	if d := expiresAt.Sub(added.Add(40 * 24 * time.Hour)); d < -time.Second || d > time.Minute || expiresAt.Nanosecond() != 0 {
		t.Errorf("expiresAt %s, want 40 days after %s", expiresAt, added)
	}
	token = e.TokenFor(t, id, secret)
	var feed feedOut
	e.Call(t, "GET", "/v1/projects/"+p.ProjectID+"/events", token, nil).Want(t, 200).JSON(t, &feed)
	if len(feed.Items) != 3 || feed.Items[2].ID != first.ID || feed.Items[2].Type != "tracking_number.expiring" {
		t.Fatalf("feed %+v, want the two jobs and the delivered event %s", feed, first.ID)
	}

	// Renewed (a job ADD), n's expiry moves 40 days on: no event now, and
	// one for the new expiry three days before it, with its own id.
	completeJob(t, e, token, p.ProjectID, n)
	e.Advance(2 * time.Hour) // other: due now
	sweepNow(t, e)
	got = rc.await(2)
	if len(got) != 2 || got[1].Data["trackingNumber"] != other {
		t.Fatalf("deliveries %+v, want the other number's event next", got)
	}
	e.Advance(37 * 24 * time.Hour)
	sweepNow(t, e)
	sweepNow(t, e)
	got = rc.await(3)
	if len(got) != 3 {
		t.Fatalf("deliveries %+v, want one more after the renewal", got)
	}
	renewed := got[2]
	again, _ := time.Parse(time.RFC3339, fmt.Sprint(renewed.Data["expiresAt"]))
	if renewed.Data["trackingNumber"] != n || renewed.ID == first.ID || again.Sub(expiresAt) < 36*24*time.Hour {
		t.Fatalf("after renewal %+v, first %+v", renewed, first)
	}
}

func TestWebhookDisabledEventGoesToTheFeedAndOtherEndpoints(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, token := e.Token(t, "acme")
	p := createProject(t, e, token, "disabled")
	gone := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusGone) })
	watcher := newReceiver(t, nil)
	g := registerWebhook(t, e, token, p.ProjectID, gone, "job.completed", "webhook.disabled")
	// No description: it is optional.
	var w webhookOut
	e.Call(t, "POST", "/v1/projects/"+p.ProjectID+"/webhooks", token, map[string]any{"url": watcher.srv.URL + "/hooks", "events": []string{"webhook.disabled"}}).Want(t, 201).JSON(t, &w)
	watcher.trust(w.Secret)
	watcher.env = e
	completeJob(t, e, token, p.ProjectID, dhl(920))
	gone.await(1)
	got := watcher.await(1)
	if len(got) != 1 || got[0].Type != "webhook.disabled" || got[0].Data["webhookId"] != g.WebhookID ||
		got[0].Data["reason"] != "gone" || got[0].Data["projectId"] != p.ProjectID {
		t.Fatalf("watcher got %+v", got)
	}
	var feed feedOut
	e.Call(t, "GET", "/v1/projects/"+p.ProjectID+"/events", token, nil).Want(t, 200).JSON(t, &feed)
	if len(feed.Items) != 2 || feed.Items[0].Type != "job.completed" || feed.Items[1].ID != got[0].ID {
		t.Fatalf("feed %+v, want the job and the delivered webhook.disabled", feed)
	}
	// An admin's own PATCH enabled:false is no event and gives no reason;
	// then, disabled, a later job tells nobody again. (Enabled while the
	// job's delivery runs, the endpoint would answer 410 once more.)
	var paused webhookOut
	e.Call(t, "PATCH", "/v1/projects/"+p.ProjectID+"/webhooks/"+g.WebhookID, token, map[string]any{"enabled": true}).Want(t, 200)
	e.Call(t, "PATCH", "/v1/projects/"+p.ProjectID+"/webhooks/"+g.WebhookID, token, map[string]any{"enabled": false}).Want(t, 200).JSON(t, &paused)
	if paused.Enabled || paused.DisabledReason != "" || paused.DisabledAt != nil {
		t.Errorf("disabled by an admin: %+v, want no reason or time", paused)
	}
	completeJob(t, e, token, p.ProjectID, dhl(921))
	e.AwaitIdle(t)
	if n := len(watcher.deliveries()); n != 1 {
		t.Fatalf("watcher got %d deliveries, want 1", n)
	}
}

// A receiver that does not answer does not hold up a fast one:
// once it is found slow its deliveries take turns on its lease, and the
// rest go back to the queue instead of filling the sender's batches. The
// sender runs five batches at once here (the template's ScalingConfig):
// without pacing, the slow receiver's deliveries would fill all five and
// the fast receiver would wait for them.
func TestWebhookSlowReceiverDoesNotHoldUpAFastOne(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, token := e.Token(t, "acme")
	p := createProject(t, e, token, "pacing")
	// The slow receiver answers only when the test lets it; a request of
	// its that ends sooner was given up by the sender.
	var answered atomic.Int32
	release := make(chan struct{})
	slow := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
		answered.Add(1)
	})
	t.Cleanup(func() { close(release) })
	fast := newReceiver(t, nil)
	slowHook := registerWebhook(t, e, token, p.ProjectID, slow, "tracking.updated")
	registerWebhook(t, e, token, p.ProjectID, fast, "tracking.updated")
	n := dhl(930)
	completeJob(t, e, token, p.ProjectID, n)
	statuses := []string{"label_created", "picked_up", "in_transit", "at_hub", "out_for_delivery", "delivery_attempted", "at_pickup_point", "delivered"}
	change := func(i int) {
		inject(t, e, token, fmt.Sprintf("p%d", i), event(n, statuses[i], "", "Hub", fmt.Sprintf("2026-03-01T%02d:00:00Z", 8+i)))
	}
	change(0)
	arrived(t, slow, 1)
	// The first slow delivery is under way: past webhook.SlowAfter it
	// marks the endpoint slow.
	awaitMarkedSlow(t, e, p.ProjectID, slowHook.WebhookID)
	for i := 1; i < len(statuses); i++ {
		change(i)
	}
	arrived(t, fast, len(statuses))
	if answered.Load() != 0 {
		t.Fatalf("the fast receiver got its %d deliveries only after the sender gave up on %d slow ones", len(statuses), answered.Load())
	}
	if got := fast.deliveries(); len(got) != len(statuses) {
		t.Fatalf("fast receiver got %d deliveries, want %d", len(got), len(statuses))
	}
}

// awaitMarkedSlow waits until the sender has marked the endpoint slow.
func awaitMarkedSlow(t *testing.T, e *apitest.Env, projectID, webhookID string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ep, err := e.App.Sender.Store.Endpoint(context.Background(), projectID, webhookID)
		if err != nil {
			t.Fatal(err)
		}
		if ep.SlowUntil.After(e.Clock()) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("endpoint %s not marked slow: %+v", webhookID, ep)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// arrived waits until rc got n deliveries, and returns at once.
func arrived(t *testing.T, rc *receiver, n int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for len(rc.deliveries()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("receiver got %d deliveries, want %d", len(rc.deliveries()), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
