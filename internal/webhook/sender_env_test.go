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

	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/memory"
	"github.com/parcelgate/parcelgate/internal/page"
	"github.com/parcelgate/parcelgate/internal/webhook"
)

// sent is one call of the queue: its tasks and their delay.
type sent struct {
	tasks []webhook.Task
	delay time.Duration
}

// deliveries is the delivery queue, keeping each send.
type deliveries struct {
	mu    sync.Mutex
	sends []sent
}

func (q *deliveries) Send(_ context.Context, tasks []webhook.Task, delay time.Duration) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(tasks) > 0 {
		q.sends = append(q.sends, sent{tasks, delay})
	}
	return nil
}

// all returns the tasks queued since the last call.
func (q *deliveries) all() []webhook.Task {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []webhook.Task
	for _, s := range q.sends {
		out = append(out, s.tasks...)
	}
	q.sends = nil
	return out
}

// receiver is an endpoint's server: it answers status and keeps what it
// was sent.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	status   int
	requests []*http.Request
	bodies   [][]byte
	// wait, when set, holds each answer until it is closed.
	wait chan struct{}
}

func newReceiver(t *testing.T, status int) *receiver {
	r := &receiver{status: status}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.requests, r.bodies = append(r.requests, req), append(r.bodies, body)
		status, wait := r.status, r.wait
		r.mu.Unlock()
		if wait != nil {
			select {
			case <-wait:
			case <-req.Context().Done():
			}
		}
		if status == http.StatusFound {
			w.Header().Set("Location", "/elsewhere")
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.requests)
}

// senderEnv is a sender over a memory store, with endpoint wh_1 of
// project p1 on a receiver, subscribed to job.completed, and one
// job.completed event.
type senderEnv struct {
	sender   webhook.Sender
	store    *memory.Webhooks
	queue    *deliveries
	receiver *receiver
	endpoint webhook.Endpoint
	event    webhook.Event
	now      time.Time
}

func newSenderEnv(t *testing.T, status int) *senderEnv {
	t.Helper()
	ctx := context.Background()
	// The memory store expires events by the wall clock: the tests' time
	// starts there.
	e := &senderEnv{store: &memory.Webhooks{}, queue: &deliveries{}, receiver: newReceiver(t, status), now: time.Now().UTC().Truncate(time.Second)}
	e.endpoint = webhook.Endpoint{ID: "wh_1", ProjectID: "p1", URL: e.receiver.URL + "/hook", Events: []string{webhook.JobCompleted},
		Enabled: true, CreatedAt: e.now, Secret: webhook.NewSecret()}
	if err := e.store.PutEndpoint(ctx, e.endpoint); err != nil {
		t.Fatal(err)
	}
	e.event = e.putJobEvent(t, "job-1", e.now)
	e.sender = webhook.Sender{Store: e.store, Queue: e.queue, Client: webhook.Targets{AllowLoopback: true}.Client(),
		Schedule: []time.Duration{time.Second, time.Minute}, Now: func() time.Time { return e.now },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	return e
}

func (e *senderEnv) putJobEvent(t *testing.T, id string, at time.Time) webhook.Event {
	t.Helper()
	ev, ref := webhook.JobEvent(job.Job{ID: id, ProjectID: "p1", Action: job.Add, Status: job.Completed, CompletedAt: at})
	if err := e.store.PutEvent(context.Background(), ev, ref, webhook.EventTTL); err != nil {
		t.Fatal(err)
	}
	return ev
}

func (e *senderEnv) delivery() webhook.Task {
	return webhook.Task{Kind: webhook.KindDelivery, ProjectID: "p1", WebhookID: "wh_1", EventID: e.event.ID, Attempt: 1}
}

func (e *senderEnv) handle(t *testing.T, task webhook.Task) {
	t.Helper()
	if err := e.sender.Handle(context.Background(), task); err != nil {
		t.Fatalf("Handle %+v: %v", task, err)
	}
}

func (e *senderEnv) stored(t *testing.T) webhook.Endpoint {
	t.Helper()
	got, err := e.store.Endpoint(context.Background(), "p1", "wh_1")
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func (e *senderEnv) change(t *testing.T, edit func(*webhook.Endpoint)) {
	t.Helper()
	edit(&e.endpoint)
	if err := e.store.UpdateEndpoint(context.Background(), e.endpoint); err != nil {
		t.Fatal(err)
	}
}

func (e *senderEnv) attempts(t *testing.T) []webhook.Attempt {
	t.Helper()
	p, err := e.store.Attempts(context.Background(), "wh_1", page.Request{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	return p.Items
}

func kinds(tasks []webhook.Task) string {
	var out []string
	for _, t := range tasks {
		out = append(out, t.Kind)
	}
	return strings.Join(out, " ")
}
