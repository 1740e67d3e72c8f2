package webhook_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/memory"
	"github.com/parcelgate/parcelgate/internal/webhook"
)

// slowWatch is the store, telling when an endpoint is marked slow.
type slowWatch struct {
	*memory.Webhooks
	marked chan struct{}
	marks  int
}

func (s *slowWatch) MarkSlow(ctx context.Context, projectID, id string, until time.Time) error {
	err := s.Webhooks.MarkSlow(ctx, projectID, id, until)
	s.marks++
	close(s.marked)
	return err
}

func TestAnAnswerTooSlowMarksTheEndpointSlowWhileItWaits(t *testing.T) {
	e := newSenderEnv(t, http.StatusOK)
	watch := &slowWatch{Webhooks: e.store, marked: make(chan struct{})}
	e.sender.Store, e.sender.SlowAfter = watch, time.Nanosecond
	// The receiver answers only once the endpoint is marked: the mark
	// comes while the delivery waits.
	e.receiver.wait = watch.marked
	e.handle(t, e.delivery())
	if got := e.stored(t); !got.SlowUntil.Equal(e.now.Add(webhook.SlowFor)) {
		t.Errorf("slow until %s, want %s", got.SlowUntil, e.now.Add(webhook.SlowFor))
	}
	if as := e.attempts(t); len(as) != 1 || as[0].Status != webhook.Succeeded {
		t.Errorf("attempts %+v, want the slow one succeeded", as)
	}
	// Marked for a while yet: the next delivery marks nothing again.
	e.now = e.now.Add(time.Minute)
	e.receiver.wait = nil
	e.handle(t, e.delivery())
	if watch.marks != 1 {
		t.Errorf("marked %d times, want once", watch.marks)
	}
}

func TestDeliveriesToASlowEndpointTakeTurns(t *testing.T) {
	ctx := context.Background()
	e := newSenderEnv(t, http.StatusOK)
	e.change(t, func(ep *webhook.Endpoint) { ep.SlowUntil = e.now.Add(webhook.SlowFor) })
	// Another delivery holds the lease.
	other := e.now.Add(time.Minute)
	if ok, err := e.store.Lease(ctx, "p1", "wh_1", e.now, other); err != nil || !ok {
		t.Fatalf("Lease: %v, %v", ok, err)
	}
	task := e.delivery()
	e.handle(t, task)
	e.queue.mu.Lock()
	sends := e.queue.sends
	e.queue.mu.Unlock()
	if len(sends) != 1 || sends[0].tasks[0] != task || sends[0].delay < 5*time.Second || sends[0].delay >= 10*time.Second {
		t.Fatalf("queued %+v, want the same task back after 5 to 10 s", sends)
	}
	if e.receiver.count() != 0 || len(e.attempts(t)) != 0 {
		t.Fatal("a delivery that found the lease taken was posted or counted")
	}
	e.queue.all()
	if err := e.store.Release(ctx, "p1", "wh_1", other); err != nil {
		t.Fatal(err)
	}
	e.handle(t, task)
	if e.receiver.count() != 1 {
		t.Fatalf("%d posted once the lease was free, want 1", e.receiver.count())
	}
	// The delivery gave its lease back.
	if ok, err := e.store.Lease(ctx, "p1", "wh_1", e.now, e.now.Add(time.Minute)); err != nil || !ok {
		t.Errorf("the lease after the delivery: %v, %v; want it free", ok, err)
	}
}

func TestAnEventFansOutToTheEnabledSubscribers(t *testing.T) {
	ctx := context.Background()
	e := newSenderEnv(t, http.StatusOK)
	for _, ep := range []webhook.Endpoint{
		{ID: "wh_2", ProjectID: "p1", URL: "https://a.example.com", Events: []string{webhook.JobCompleted, webhook.TrackingUpdated}, Enabled: true},
		{ID: "wh_3", ProjectID: "p1", URL: "https://b.example.com", Events: []string{webhook.JobCompleted}},
		{ID: "wh_4", ProjectID: "p1", URL: "https://c.example.com", Events: []string{webhook.TrackingUpdated}, Enabled: true},
		{ID: "wh_5", ProjectID: "p2", URL: "https://d.example.com", Events: []string{webhook.JobCompleted}, Enabled: true},
	} {
		if err := e.store.PutEndpoint(ctx, ep); err != nil {
			t.Fatal(err)
		}
	}
	e.handle(t, webhook.Task{Kind: webhook.KindEvent, ProjectID: "p1", EventID: e.event.ID})
	var got []string
	for _, task := range e.queue.all() {
		if task.Kind != webhook.KindDelivery || task.EventID != e.event.ID || task.Attempt != 1 {
			t.Errorf("queued %+v", task)
		}
		got = append(got, task.WebhookID)
	}
	if strings.Join(got, " ") != "wh_1 wh_2" {
		t.Errorf("deliveries to %v, want wh_1 and wh_2", got)
	}
	e.handle(t, webhook.Task{Kind: webhook.KindEvent, ProjectID: "p1", EventID: "evt_forged"})
	e.handle(t, webhook.Task{Kind: "teleport", ProjectID: "p1"})
	if q := e.queue.all(); len(q) != 0 {
		t.Errorf("a forged event or an unknown task queued %+v", q)
	}
}

func TestReplayQueuesAPageOfDeliveriesAndTheRest(t *testing.T) {
	e := newSenderEnv(t, http.StatusOK)
	since := e.now.Add(-time.Hour)
	for i := range 120 {
		e.putJobEvent(t, fmt.Sprintf("job-%03d", i), since.Add(time.Duration(i+1)*time.Second))
	}
	// A disabled event in the window, which wh_1 does not subscribe to.
	ev, ref := webhook.DisabledEvent("p1", "wh_9", webhook.DisabledGone, since.Add(30*time.Minute))
	if err := e.store.PutEvent(context.Background(), ev, ref, webhook.EventTTL); err != nil {
		t.Fatal(err)
	}
	task := webhook.Task{Kind: webhook.KindReplay, ProjectID: "p1", WebhookID: "wh_1", Since: since}
	total := 0
	for pages := 1; ; pages++ {
		e.handle(t, task)
		tasks := e.queue.all()
		next := webhook.Task{}
		for _, tk := range tasks {
			switch tk.Kind {
			case webhook.KindDelivery:
				total++
			case webhook.KindReplay:
				next = tk
			}
		}
		if next.Kind == "" {
			if pages != 2 {
				t.Errorf("%d pages, want 2", pages)
			}
			break
		}
		if next.After == "" || next.WebhookID != "wh_1" {
			t.Fatalf("the rest of the replay %+v", next)
		}
		task = next
	}
	// 120 job events and the setup's one, not the webhook.disabled event.
	if total != 121 {
		t.Errorf("%d deliveries, want 121", total)
	}
	for name, task := range map[string]webhook.Task{
		"of a deleted endpoint": {Kind: webhook.KindReplay, ProjectID: "p1", WebhookID: "wh_404", Since: since},
		"after a forged id":     {Kind: webhook.KindReplay, ProjectID: "p1", WebhookID: "wh_1", After: "evt_forged"},
	} {
		e.handle(t, task)
		if q := e.queue.all(); len(q) != 0 {
			t.Errorf("a replay %s queued %+v", name, q)
		}
	}
}
