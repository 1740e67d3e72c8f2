package webhook_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

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
