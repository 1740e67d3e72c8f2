package webhook_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/memory"
	"github.com/parcelgate/parcelgate/internal/page"
	"github.com/parcelgate/parcelgate/internal/webhook"
)

// queued keeps the tasks a sender queues, for the test to run.
type queued struct {
	mu    sync.Mutex
	tasks []webhook.Task
}

func (q *queued) Send(_ context.Context, tasks []webhook.Task, _ time.Duration) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.tasks = append(q.tasks, tasks...)
	return nil
}

func (q *queued) take(t *testing.T) webhook.Task {
	t.Helper()
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.tasks) != 1 {
		t.Fatalf("queued %+v, want one task", q.tasks)
	}
	task := q.tasks[0]
	q.tasks = nil
	return task
}

// failingEndpoint registers, in a memory store, an endpoint on a receiver
// that answers 500, and one event for it; it returns the sender and the
// event's first delivery task.
func failingEndpoint(t *testing.T) (webhook.Sender, *memory.Webhooks, *queued, webhook.Endpoint, webhook.Task) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusInternalServerError) }))
	t.Cleanup(srv.Close)
	ctx := context.Background()
	store, q := &memory.Webhooks{}, &queued{}
	now := time.Now().UTC()
	e := webhook.Endpoint{ID: "wh_1", ProjectID: "p1", URL: srv.URL + "/hook", Events: []string{webhook.WebhookDisabled}, Enabled: true, CreatedAt: now, Secret: webhook.NewSecret()}
	if err := store.PutEndpoint(ctx, e); err != nil {
		t.Fatal(err)
	}
	ev, ref := webhook.DisabledEvent("p1", "wh_other", webhook.DisabledGone, now)
	if err := store.PutEvent(ctx, ev, ref, webhook.EventTTL); err != nil {
		t.Fatal(err)
	}
	s := webhook.Sender{
		Store: store, Queue: q, Client: webhook.Targets{AllowLoopback: true}.Client(), Schedule: []time.Duration{time.Second, time.Second},
		Now: func() time.Time { return now }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	return s, store, q, e, webhook.Task{Kind: webhook.KindDelivery, ProjectID: "p1", WebhookID: e.ID, EventID: ev.ID, Attempt: 1}
}

func statuses(t *testing.T, store *memory.Webhooks, webhookID string) string {
	t.Helper()
	p, err := store.Attempts(context.Background(), webhookID, page.Request{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range p.Items {
		out = append(out, strings.Repeat("#", a.Attempt)+a.Status)
	}
	return strings.Join(out, " ")
}

// Only a delivery's newest attempt is ever pending: a retry settles the
// attempt before it, and the last attempt, its schedule spent, is failed.
func TestRetriesSettleTheAttemptTheyFollow(t *testing.T) {
	s, store, q, _, task := failingEndpoint(t)
	ctx := context.Background()
	want := []string{"#pending", "##pending #failed", "###failed ##failed #failed"}
	for i, w := range want {
		if err := s.Handle(ctx, task); err != nil {
			t.Fatal(err)
		}
		if got := statuses(t, store, "wh_1"); got != w {
			t.Fatalf("after attempt %d: %s, want %s", i+1, got, w)
		}
		if i < len(want)-1 {
			task = q.take(t)
		}
	}
	if len(q.tasks) != 0 {
		t.Errorf("queued %+v after the last attempt", q.tasks)
	}
}

// A retry dropped because the endpoint was disabled meanwhile settles the
// attempt it follows too.
func TestADroppedRetrySettlesTheAttemptItFollows(t *testing.T) {
	s, store, q, e, task := failingEndpoint(t)
	ctx := context.Background()
	if err := s.Handle(ctx, task); err != nil {
		t.Fatal(err)
	}
	e.Enabled = false
	if err := store.UpdateEndpoint(ctx, e); err != nil {
		t.Fatal(err)
	}
	if err := s.Handle(ctx, q.take(t)); err != nil {
		t.Fatal(err)
	}
	if got := statuses(t, store, "wh_1"); got != "#failed" {
		t.Errorf("attempts %s, want the one attempt failed", got)
	}
}
