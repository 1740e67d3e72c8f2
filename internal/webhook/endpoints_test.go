package webhook_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/webhook"
)

// countingStore counts the reads of endpoints.
type countingStore struct {
	webhook.Store
	reads atomic.Int64
}

func (s *countingStore) Endpoint(ctx context.Context, projectID, id string) (webhook.Endpoint, error) {
	s.reads.Add(1)
	return s.Store.Endpoint(ctx, projectID, id)
}

func cachingEnv(t *testing.T, status int) (*senderEnv, *countingStore) {
	e := newSenderEnv(t, status)
	counted := &countingStore{Store: e.store}
	e.sender.Store, e.sender.Endpoints = counted, &webhook.EndpointCache{}
	return e, counted
}

func TestSenderReadsAnEndpointOncePerEndpointsFor(t *testing.T) {
	e, store := cachingEnv(t, http.StatusOK)
	for range 50 {
		e.handle(t, e.delivery())
	}
	if n := store.reads.Load(); n != 1 || e.receiver.count() != 50 {
		t.Fatalf("50 deliveries: %d reads, %d delivered; want 1 read, 50 delivered", n, e.receiver.count())
	}
	start := e.now
	e.now = start.Add(webhook.EndpointsFor)
	e.handle(t, e.delivery())
	if n := store.reads.Load(); n != 2 {
		t.Fatalf("a delivery EndpointsFor later: %d reads in all, want 2", n)
	}
}

// A change made elsewhere reaches the deliveries within EndpointsFor: a
// disabled, rotated or deleted endpoint gets at most that much more.
func TestAnEndpointChangedElsewhereIsSeenWithinEndpointsFor(t *testing.T) {
	e, _ := cachingEnv(t, http.StatusOK)
	e.handle(t, e.delivery())
	read := e.now

	e.change(t, func(ep *webhook.Endpoint) { ep.Enabled = false })
	e.now = read.Add(webhook.EndpointsFor - time.Nanosecond)
	e.handle(t, e.delivery())
	if got := e.receiver.count(); got != 2 {
		t.Fatalf("disabled within the bound: %d delivered, want 2 (the bound's delivery)", got)
	}
	e.now = read.Add(webhook.EndpointsFor)
	e.handle(t, e.delivery())
	if got := e.receiver.count(); got != 2 {
		t.Fatalf("disabled past the bound: %d delivered, want no more", got)
	}

	e.change(t, func(ep *webhook.Endpoint) { ep.Enabled = true })
	e.now = e.now.Add(webhook.EndpointsFor)
	e.handle(t, e.delivery())
	if err := e.store.DeleteEndpoint(context.Background(), "p1", "wh_1"); err != nil {
		t.Fatal(err)
	}
	e.now = e.now.Add(webhook.EndpointsFor)
	e.handle(t, e.delivery())
	e.handle(t, e.delivery())
	if got := e.receiver.count(); got != 3 {
		t.Fatalf("deleted: %d delivered in all, want 3 (none after the bound)", got)
	}
	if tasks := e.queue.all(); len(tasks) != 0 {
		t.Errorf("queued %s, want nothing for a deleted endpoint", kinds(tasks))
	}
}

// What the sender changes itself it sees at once: a failure marks the
// endpoint failing and the next success clears the mark, a 410 disables
// it for the very next delivery.
func TestTheSenderSeesItsOwnChangesToAnEndpointAtOnce(t *testing.T) {
	e, _ := cachingEnv(t, http.StatusInternalServerError)
	e.handle(t, e.delivery())
	e.handle(t, e.delivery()) // read and remembered as failing
	if got := e.stored(t); got.FailingSince.IsZero() {
		t.Fatal("a failed delivery did not mark the endpoint failing")
	}
	e.receiver.mu.Lock()
	e.receiver.status = http.StatusOK
	e.receiver.mu.Unlock()
	e.handle(t, e.delivery())
	if got := e.stored(t); !got.FailingSince.IsZero() {
		t.Fatalf("a success after failures left failingSince %v", got.FailingSince)
	}

	e.receiver.mu.Lock()
	e.receiver.status = http.StatusGone
	e.receiver.mu.Unlock()
	e.handle(t, e.delivery())
	before := e.receiver.count()
	e.handle(t, e.delivery())
	if got := e.receiver.count(); got != before {
		t.Fatalf("after 410 Gone: %d more delivered, want none", got-before)
	}
	if got := e.stored(t); got.Enabled || got.DisabledReason != webhook.DisabledGone {
		t.Fatalf("after 410 Gone: %+v, want disabled as gone", got)
	}
}
