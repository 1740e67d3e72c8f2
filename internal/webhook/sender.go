package webhook

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// Sender runs delivery tasks. Retries are its own: a failed delivery is
// queued again with the schedule's next delay, so the queue's redelivery
// (and its dead-letter queue) only ever handles the sender failing itself.
type Sender struct {
	Store  Store
	Queue  Queue
	Client *http.Client
	// Schedule is the wait before each retry; nil means DefaultSchedule.
	Schedule []time.Duration
	// SlowAfter is how long a delivery may go unanswered before its
	// endpoint is marked slow; zero means the package's SlowAfter.
	SlowAfter time.Duration
	Now       func() time.Time
	Logger    *slog.Logger
	// Endpoints is the process's memory of the endpoints it delivers to
	// (see EndpointsFor); nil reads the endpoint for every task.
	Endpoints *EndpointCache
}

// Handle runs one task.
func (s Sender) Handle(ctx context.Context, t Task) error {
	switch t.Kind {
	case KindEvent:
		return s.fanOut(ctx, t)
	case KindDelivery:
		return s.deliver(ctx, t)
	case KindReplay:
		return s.replay(ctx, t)
	}
	s.Logger.Warn("unknown webhook task dropped", "kind", t.Kind)
	return nil
}

// fanOut queues an event's delivery to every enabled endpoint of the
// project that subscribes to its type.
func (s Sender) fanOut(ctx context.Context, t Task) error {
	ref, err := ParseEventID(t.EventID)
	if err != nil {
		s.Logger.Warn("webhook task with a bad event id dropped")
		return nil
	}
	endpoints, err := s.Store.Endpoints(ctx, t.ProjectID)
	if err != nil {
		return err
	}
	var tasks []Task
	for _, e := range endpoints {
		if e.Enabled && e.Subscribes(ref.Type) {
			tasks = append(tasks, Task{Kind: KindDelivery, ProjectID: t.ProjectID, WebhookID: e.ID, EventID: t.EventID, Attempt: 1})
		}
	}
	return s.Queue.Send(ctx, tasks, 0)
}

// replay queues the deliveries of one page of events to an endpoint, and
// the replay of the rest.
func (s Sender) replay(ctx context.Context, t Task) error {
	e, err := s.Endpoints.endpoint(ctx, s.Store, t.ProjectID, t.WebhookID, s.Now())
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	var after Ref
	if t.After != "" {
		if after, err = ParseEventID(t.After); err != nil {
			return nil
		}
	}
	events, err := s.Store.FeedEvents(ctx, t.ProjectID, after, t.Since, replayPage)
	if err != nil {
		return err
	}
	var tasks []Task
	for _, ev := range events {
		if e.Subscribes(ev.Type) {
			tasks = append(tasks, Task{Kind: KindDelivery, ProjectID: t.ProjectID, WebhookID: e.ID, EventID: ev.ID, Attempt: 1})
		}
	}
	if len(events) == replayPage {
		next := t
		next.After = events[len(events)-1].ID
		tasks = append(tasks, next)
	}
	return s.Queue.Send(ctx, tasks, 0)
}

// deliver POSTs an event to an endpoint, records the attempt and queues
// the retry when it failed. A retry settles the pending attempt it
// follows, whether it runs or is dropped.
//
// Pacing: a delivery still unanswered after SlowAfter marks its endpoint
// slow for SlowFor. Deliveries to a slow endpoint go one at a time: each
// takes the endpoint's lease (a conditional write on its item, expiring by
// itself should the sender die), and one that finds it taken goes back to
// the queue for paceDelay, not counted as an attempt. A slow receiver so
// holds at most one sender slot (plus those of the deliveries that began
// before it was found slow, or within EndpointsFor of it in the sender's
// other processes), never the sender as a whole; deliveries to a fast
// endpoint take no lease and cost no write for it.
//
// The endpoint is read through s.Endpoints: at most once per EndpointsFor
// per process, so a busy endpoint's partition is not read per delivery.
// What the sender writes to the endpoint it forgets at once.
func (s Sender) deliver(ctx context.Context, t Task) error {
	now := s.Now().UTC()
	if wait := t.NotBefore.Sub(now); wait > 0 {
		return s.Queue.Send(ctx, []Task{t}, min(wait, maxQueueDelay))
	}
	e, err := s.Endpoints.endpoint(ctx, s.Store, t.ProjectID, t.WebhookID, now)
	if errors.Is(err, ErrNotFound) {
		return nil // deleted meanwhile
	}
	if err != nil {
		return err
	}
	if e.DisabledEvent != "" {
		// Disabled by a delivery that stopped before queueing its event.
		if err := s.announceDisabled(ctx, e.ProjectID, e.ID, e.DisabledEvent); err != nil {
			return err
		}
	}
	ref, err := ParseEventID(t.EventID)
	if err != nil || !e.Enabled || !e.Subscribes(ref.Type) {
		return s.settle(ctx, t)
	}
	if now.Before(e.SlowUntil) {
		until := now.Add(leaseFor)
		leased, err := s.Store.Lease(ctx, e.ProjectID, e.ID, now, until)
		if err != nil {
			return err
		}
		if !leased {
			return s.Queue.Send(ctx, []Task{t}, paceDelay())
		}
		defer func() {
			if err := s.Store.Release(context.WithoutCancel(ctx), e.ProjectID, e.ID, until); err != nil {
				s.Logger.Warn("webhook lease not released; it expires by itself", "webhookId", e.ID, "error", err.Error())
			}
		}()
	}
	ev, err := s.Store.FeedEvent(ctx, t.ProjectID, ref)
	if errors.Is(err, ErrEventNotFound) {
		return s.settle(ctx, t) // expired
	}
	if err != nil {
		return err
	}
	status, took := s.postWatched(ctx, e, ev, now)
	a := Attempt{WebhookID: e.ID, EventID: ev.ID, Type: ev.Type, Attempt: t.Attempt, ResponseStatus: status, Duration: took, At: now}
	schedule := s.Schedule
	if schedule == nil {
		schedule = DefaultSchedule
	}
	var retry []Task
	var delay time.Duration
	switch {
	case status >= 200 && status < 300:
		a.Status = Succeeded
		if !e.FailingSince.IsZero() {
			if err := s.Store.ClearFailing(ctx, e.ProjectID, e.ID); err != nil {
				return err
			}
			s.Endpoints.forget(e.ProjectID, e.ID)
		}
	case status == http.StatusGone:
		// The receiver says the endpoint is gone for good.
		a.Status = Failed
		if err := s.disable(ctx, e, DisabledGone, now); err != nil {
			return err
		}
	default:
		since, err := s.Store.MarkFailing(ctx, e.ProjectID, e.ID, now)
		if err != nil {
			return err
		}
		if e.FailingSince.IsZero() {
			// Known failing from now on, so that a success clears it.
			s.Endpoints.forget(e.ProjectID, e.ID)
		}
		if now.Sub(since) >= FailingLimit {
			// Failing for days: the endpoint is disabled, its queued
			// retries dropped; replay recovers once it is enabled again.
			a.Status = Failed
			if err := s.disable(ctx, e, DisabledFailing, now); err != nil {
				return err
			}
			break
		}
		next, wait, ok := retryOf(t, schedule, now)
		if !ok {
			a.Status = Failed
			break
		}
		a.Status, delay = Pending, wait
		retry = append(retry, next)
	}
	key, err := s.Store.PutAttempt(ctx, a, AttemptTTL)
	if err != nil {
		return err
	}
	if err := s.settle(ctx, t); err != nil {
		return err
	}
	for i := range retry {
		retry[i].Pending = key
	}
	return s.Queue.Send(ctx, retry, delay)
}

// settle makes the attempt a retry follows Failed: the retry ran (its
// own attempt recorded first, so the delivery's state always shows) or
// was dropped.
func (s Sender) settle(ctx context.Context, t Task) error {
	if t.Pending == "" {
		return nil
	}
	return s.Store.SettleAttempt(ctx, t.WebhookID, t.Pending)
}

// postWatched is post, marking the endpoint slow when the answer takes
// longer than s.SlowAfter; the mark is written while the request waits, so
// the deliveries that follow are paced before this one ends.
func (s Sender) postWatched(ctx context.Context, e Endpoint, ev Event, now time.Time) (int, time.Duration) {
	if !e.SlowUntil.Before(now.Add(SlowFor / 2)) {
		return s.post(ctx, e, ev, now) // marked for a while yet
	}
	slowAfter := s.SlowAfter
	if slowAfter == 0 {
		slowAfter = SlowAfter
	}
	marked := make(chan struct{})
	timer := time.AfterFunc(slowAfter, func() {
		defer close(marked)
		if err := s.Store.MarkSlow(context.WithoutCancel(ctx), e.ProjectID, e.ID, now.Add(SlowFor)); err != nil {
			s.Logger.Warn("webhook endpoint not marked slow", "webhookId", e.ID, "error", err.Error())
		}
		s.Endpoints.forget(e.ProjectID, e.ID)
	})
	status, took := s.post(ctx, e, ev, now)
	if !timer.Stop() {
		<-marked
	}
	return status, took
}

// disable disables the endpoint, records its webhook.disabled event and
// queues it for the project's other endpoints. The event is written with
// the change and its id kept on the endpoint until queued, so a sender
// stopping in between queues it on the endpoint's next task.
func (s Sender) disable(ctx context.Context, e Endpoint, reason string, now time.Time) error {
	ev, ref := DisabledEvent(e.ProjectID, e.ID, reason, now)
	disabled, err := s.Store.DisableEndpoint(ctx, e.ProjectID, e.ID, reason, ev, ref, EventTTL)
	s.Endpoints.forget(e.ProjectID, e.ID)
	if err != nil || !disabled {
		return err // !disabled: disabled already, by an admin or another delivery
	}
	return s.announceDisabled(ctx, e.ProjectID, e.ID, ev.ID)
}

func (s Sender) announceDisabled(ctx context.Context, projectID, webhookID, eventID string) error {
	if err := s.Queue.Send(ctx, []Task{{Kind: KindEvent, ProjectID: projectID, EventID: eventID}}, 0); err != nil {
		return err
	}
	defer s.Endpoints.forget(projectID, webhookID)
	return s.Store.DisabledAnnounced(ctx, projectID, webhookID, eventID)
}

// paceDelay is how long a delivery to a slow endpoint whose lease is taken
// waits in the queue: spread, so waiting deliveries do not come back at once.
func paceDelay() time.Duration {
	return paceWait + rand.N(paceWait)
}

// retryOf returns the retry of a failed delivery and how long the queue
// holds it, or false when the schedule is spent. SQS delays a message 15
// minutes at most: a longer wait is queued for 15 minutes with NotBefore
// set, and requeued by the sender until due (10 hours is 40 hops).
func retryOf(t Task, schedule []time.Duration, now time.Time) (Task, time.Duration, bool) {
	if t.Attempt < 1 || t.Attempt > len(schedule) {
		return Task{}, 0, false
	}
	wait := schedule[t.Attempt-1]
	next := t
	next.Attempt++
	next.NotBefore = time.Time{}
	if wait > maxQueueDelay {
		next.NotBefore = now.Add(wait)
	}
	return next, min(wait, maxQueueDelay), true
}

// post sends one signed delivery and returns the response status (0 when
// none came in time) and how long it took.
func (s Sender) post(ctx context.Context, e Endpoint, ev Event, now time.Time) (int, time.Duration) {
	body := ev.body()
	var sigs []string
	for _, secret := range e.secrets(now) {
		wh, err := standardwebhooks.NewWebhook(secret)
		if err != nil {
			s.Logger.Error("webhook secret unusable", "webhookId", e.ID)
			return 0, 0
		}
		sig, err := wh.Sign(ev.ID, now, body)
		if err != nil {
			s.Logger.Error("signing failed", "webhookId", e.ID)
			return 0, 0
		}
		sigs = append(sigs, sig)
	}
	ctx, cancel := context.WithTimeout(ctx, DeliveryTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL, bytes.NewReader(body))
	if err != nil {
		return 0, 0
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "parcelgate-webhooks/1")
	req.Header.Set("webhook-id", ev.ID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	req.Header.Set("webhook-signature", strings.Join(sigs, " "))
	start := time.Now()
	resp, err := s.Client.Do(req)
	took := time.Since(start)
	if err != nil {
		// Logged without the URL, whose query may hold the receiver's token.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		s.Logger.Info("webhook delivery failed", "webhookId", e.ID, "eventId", ev.ID, "error", err.Error())
		return 0, took
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp.StatusCode, took
}
