package webhook_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/parcelgate/parcelgate/internal/webhook"
)

func TestDeliveryOutcomes(t *testing.T) {
	tests := []struct {
		name         string
		status       int
		failingFor   time.Duration // the endpoint failed since this long (0: not failing)
		schedule     []time.Duration
		attempt      string
		enabled      bool
		reason       string
		queued       string
		delay        time.Duration
		retryAtLater time.Duration // the retry's NotBefore, after now
	}{
		{"a 2xx succeeds", http.StatusNoContent, 0, nil, webhook.Succeeded, true, "", "", 0, 0},
		{"a success after failures ends the failing", http.StatusOK, time.Hour, nil, webhook.Succeeded, true, "", "", 0, 0},
		{"a failure is retried after the schedule's wait", http.StatusInternalServerError, 0, nil, webhook.Pending, true, "", "delivery", time.Second, 0},
		{"a redirect is a failure", http.StatusFound, 0, nil, webhook.Pending, true, "", "delivery", time.Second, 0},
		{"a wait past the queue's longest delay is held by NotBefore", http.StatusBadGateway, 0, []time.Duration{time.Hour}, webhook.Pending, true, "", "delivery", 15 * time.Minute, time.Hour},
		{"a failure with the schedule spent is final", http.StatusInternalServerError, 0, []time.Duration{}, webhook.Failed, true, "", "", 0, 0},
		{"a 410 disables the endpoint and tells the project", http.StatusGone, 0, nil, webhook.Failed, false, webhook.DisabledGone, "event", 0, 0},
		{"failing for FailingLimit disables the endpoint", http.StatusServiceUnavailable, webhook.FailingLimit, nil, webhook.Failed, false, webhook.DisabledFailing, "event", 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newSenderEnv(t, tc.status)
			if tc.schedule != nil {
				e.sender.Schedule = tc.schedule
			}
			if tc.failingFor > 0 {
				e.change(t, func(ep *webhook.Endpoint) { ep.FailingSince = e.now.Add(-tc.failingFor) })
			}
			e.handle(t, e.delivery())
			as := e.attempts(t)
			if len(as) != 1 || as[0].Status != tc.attempt || as[0].ResponseStatus != tc.status || as[0].EventID != e.event.ID || as[0].Type != webhook.JobCompleted {
				t.Fatalf("attempts %+v, want one %s answered %d", as, tc.attempt, tc.status)
			}
			ep := e.stored(t)
			if ep.Enabled != tc.enabled || ep.DisabledReason != tc.reason || ep.DisabledEvent != "" {
				t.Errorf("endpoint enabled %v, reason %q, event to announce %q; want %v, %q, none", ep.Enabled, ep.DisabledReason, ep.DisabledEvent, tc.enabled, tc.reason)
			}
			if tc.attempt == webhook.Succeeded && !ep.FailingSince.IsZero() {
				t.Errorf("still failing since %s after a success", ep.FailingSince)
			}
			e.queue.mu.Lock()
			sends := e.queue.sends
			e.queue.mu.Unlock()
			tasks := e.queue.all()
			if got := kinds(tasks); got != tc.queued {
				t.Fatalf("queued %q, want %q", got, tc.queued)
			}
			switch tc.queued {
			case "delivery":
				retry := tasks[0]
				if sends[0].delay != tc.delay || retry.Attempt != 2 || retry.Pending == "" {
					t.Errorf("retry %+v after %s, want attempt 2 after %s following the pending attempt", retry, sends[0].delay, tc.delay)
				}
				if want := e.now.Add(tc.retryAtLater); (tc.retryAtLater == 0) != retry.NotBefore.IsZero() || (tc.retryAtLater > 0 && !retry.NotBefore.Equal(want)) {
					t.Errorf("retry not before %s, want %s", retry.NotBefore, want)
				}
			case "event":
				// The webhook.disabled event, in the feed, for the project's endpoints.
				ev, err := e.store.FeedEvents(context.Background(), "p1", webhook.Ref{}, e.now.Add(-time.Second), 10)
				if err != nil || len(ev) != 2 || tasks[0].EventID != ev[1].ID || ev[1].Type != webhook.WebhookDisabled || !strings.Contains(string(ev[1].Data), `"reason":"`+tc.reason+`"`) {
					t.Errorf("feed %+v, %v; queued %+v; want the webhook.disabled event queued", ev, err, tasks[0])
				}
			}
		})
	}
}

func TestADeliveryIsSignedWithEverySecretInForce(t *testing.T) {
	e := newSenderEnv(t, http.StatusOK)
	previous := webhook.NewSecret()
	e.change(t, func(ep *webhook.Endpoint) {
		ep.PreviousSecret, ep.PreviousSecretExpiresAt = previous, e.now.Add(time.Hour)
	})
	e.handle(t, e.delivery())
	e.now = e.now.Add(2 * time.Hour)
	e.handle(t, e.delivery())
	if e.receiver.count() != 2 {
		t.Fatalf("%d deliveries, want 2", e.receiver.count())
	}
	for i, wantSigs := range []int{2, 1} {
		req, body := e.receiver.requests[i], e.receiver.bodies[i]
		if got := len(strings.Fields(req.Header.Get("webhook-signature"))); got != wantSigs {
			t.Errorf("delivery %d: %d signatures, want %d", i+1, got, wantSigs)
		}
		if req.Header.Get("webhook-id") != e.event.ID || req.Header.Get("Content-Type") != "application/json" || req.Header.Get("User-Agent") != "parcelgate-webhooks/1" {
			t.Errorf("delivery %d headers %v", i+1, req.Header)
		}
		if !strings.HasPrefix(string(body), `{"type":"job.completed","timestamp":`) {
			t.Errorf("delivery %d body %s", i+1, body)
		}
	}
	// Verify checks the timestamp against the wall clock, which only the
	// first delivery's is near.
	for _, secret := range []string{e.endpoint.Secret, previous} {
		wh, err := standardwebhooks.NewWebhook(secret)
		if err != nil {
			t.Fatal(err)
		}
		if err := wh.Verify(e.receiver.bodies[0], e.receiver.requests[0].Header); err != nil {
			t.Errorf("the delivery does not verify with a secret in force: %v", err)
		}
	}
}

func TestADeliveryThatGetsNoAnswerIsAFailedAttempt(t *testing.T) {
	tests := []struct {
		name   string
		change func(*senderEnv)
	}{
		{"the receiver is gone", func(e *senderEnv) { e.receiver.Close() }},
		{"the receiver's address is not allowed", func(e *senderEnv) { e.sender.Client = webhook.Targets{}.Client() }},
		{"the secret is unusable", func(e *senderEnv) {
			e.endpoint.Secret = "whsec_!!!"
			_ = e.store.UpdateEndpoint(context.Background(), e.endpoint)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newSenderEnv(t, http.StatusOK)
			tc.change(e)
			e.handle(t, e.delivery())
			if as := e.attempts(t); len(as) != 1 || as[0].Status != webhook.Pending || as[0].ResponseStatus != 0 {
				t.Errorf("attempts %+v, want one pending without a response", as)
			}
			if got := kinds(e.queue.all()); got != "delivery" {
				t.Errorf("queued %q, want the retry", got)
			}
		})
	}
}

func TestADeliveryNotYetDueGoesBackToTheQueue(t *testing.T) {
	for _, tc := range []struct {
		in, delay time.Duration
	}{{time.Minute, time.Minute}, {time.Hour, 15 * time.Minute}} {
		e := newSenderEnv(t, http.StatusOK)
		task := e.delivery()
		task.NotBefore = e.now.Add(tc.in)
		e.handle(t, task)
		e.queue.mu.Lock()
		sends := e.queue.sends
		e.queue.mu.Unlock()
		if len(sends) != 1 || sends[0].tasks[0] != task || sends[0].delay != tc.delay || e.receiver.count() != 0 {
			t.Errorf("due in %s: queued %+v, %d posted; want the task again after %s and nothing posted", tc.in, sends, e.receiver.count(), tc.delay)
		}
	}
}

func TestADroppedDeliverySettlesTheAttemptItFollows(t *testing.T) {
	tests := []struct {
		name   string
		change func(*testing.T, *senderEnv, *webhook.Task)
	}{
		{"the endpoint was disabled", func(t *testing.T, e *senderEnv, _ *webhook.Task) {
			e.change(t, func(ep *webhook.Endpoint) { ep.Enabled = false })
		}},
		{"the endpoint no longer subscribes", func(t *testing.T, e *senderEnv, _ *webhook.Task) {
			e.change(t, func(ep *webhook.Endpoint) { ep.Events = []string{webhook.TrackingUpdated} })
		}},
		{"the event id is not one of ours", func(_ *testing.T, _ *senderEnv, task *webhook.Task) { task.EventID = "evt_forged" }},
		{"the event expired", func(t *testing.T, e *senderEnv, task *webhook.Task) {
			task.EventID = e.putJobEvent(t, "job-old", e.now.Add(-webhook.EventTTL-time.Hour)).ID
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newSenderEnv(t, http.StatusInternalServerError)
			e.handle(t, e.delivery())
			retry := e.queue.all()[0]
			tc.change(t, e, &retry)
			e.handle(t, retry)
			if as := e.attempts(t); len(as) != 1 || as[0].Status != webhook.Failed {
				t.Errorf("attempts %+v, want the first one settled failed", as)
			}
			if q := e.queue.all(); len(q) != 0 || e.receiver.count() != 1 {
				t.Errorf("queued %+v, %d posted; want nothing more", q, e.receiver.count())
			}
		})
	}
}

func TestADeliveryForADeletedEndpointIsDropped(t *testing.T) {
	e := newSenderEnv(t, http.StatusOK)
	if err := e.store.DeleteEndpoint(context.Background(), "p1", "wh_1"); err != nil {
		t.Fatal(err)
	}
	e.handle(t, e.delivery())
	if e.receiver.count() != 0 || len(e.queue.all()) != 0 {
		t.Error("a delivery to a deleted endpoint was posted or queued")
	}
}

// A sender that stopped between disabling an endpoint and queueing its
// webhook.disabled event queues it on the endpoint's next task.
func TestAnUnannouncedDisablingIsAnnouncedByTheNextTask(t *testing.T) {
	ctx := context.Background()
	e := newSenderEnv(t, http.StatusOK)
	ev, ref := webhook.DisabledEvent("p1", "wh_1", webhook.DisabledGone, e.now)
	if disabled, err := e.store.DisableEndpoint(ctx, "p1", "wh_1", webhook.DisabledGone, ev, ref, webhook.EventTTL); err != nil || !disabled {
		t.Fatalf("DisableEndpoint: %v, %v", disabled, err)
	}
	e.handle(t, e.delivery())
	tasks := e.queue.all()
	if len(tasks) != 1 || tasks[0] != (webhook.Task{Kind: webhook.KindEvent, ProjectID: "p1", EventID: ev.ID}) {
		t.Errorf("queued %+v, want the webhook.disabled event", tasks)
	}
	if got := e.stored(t); got.DisabledEvent != "" || e.receiver.count() != 0 {
		t.Errorf("endpoint still to announce %q, %d posted", got.DisabledEvent, e.receiver.count())
	}
}
