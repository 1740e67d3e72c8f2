package apitest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parcelgate/parcelgate/internal/app"
)

// handledMessages records the queue messages whose batch a handler has
// finished, so a test can wait for a message that must change nothing
// instead of sleeping and hoping it has run.
type handledMessages struct {
	mu      sync.Mutex
	ids     map[string]bool
	changed chan struct{} // closed and replaced when ids grows
}

func (h *handledMessages) observe(next app.QueueHandler) app.QueueHandler {
	return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		resp, err := next(ctx, ev)
		h.mu.Lock()
		if h.ids == nil {
			h.ids = map[string]bool{}
		}
		for _, r := range ev.Records {
			h.ids[r.MessageId] = true
		}
		if h.changed != nil {
			close(h.changed)
			h.changed = nil
		}
		h.mu.Unlock()
		return resp, err
	}
}

// wait returns a channel closed once id is handled.
func (h *handledMessages) wait(id string) <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ids[id] {
		done := make(chan struct{})
		close(done)
		return done
	}
	if h.changed == nil {
		h.changed = make(chan struct{})
	}
	return h.changed
}

// Send puts body on the queue at queueURL and returns the message's id,
// for AwaitHandled.
func (e *Env) Send(t testing.TB, queueURL, body string) string {
	t.Helper()
	id, err := e.send(context.Background(), queueURL, body)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// AwaitHandled waits until a queue handler has finished the batch that
// held the message with id messageID. The bound only ends a test whose
// message is never handled.
func (e *Env) AwaitHandled(t testing.TB, messageID string) {
	t.Helper()
	bound := time.After(2 * time.Minute)
	for {
		ch := e.handled.wait(messageID)
		select {
		case <-ch:
		case <-bound:
			t.Fatalf("message %s was not handled", messageID)
		}
		e.handled.mu.Lock()
		done := e.handled.ids[messageID]
		e.handled.mu.Unlock()
		if done {
			return
		}
	}
}

// AwaitIdle waits until every queue of the environment is empty: no
// message waiting, delayed or being handled. A handler sends what it
// causes before its own message is deleted, so once all are empty
// everything the test set off has run, and what has not happened will
// not. The bound only ends a test whose work never settles.
func (e *Env) AwaitIdle(t testing.TB) {
	t.Helper()
	bound := time.Now().Add(2 * time.Minute)
	for {
		busy, err := e.busyQueue()
		if err != nil {
			t.Fatal(err)
		}
		if busy == "" {
			return
		}
		if time.Now().After(bound) {
			t.Fatalf("queue %s does not settle", busy)
		}
		e.pause()
	}
}
