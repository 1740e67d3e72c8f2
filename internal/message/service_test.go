package message_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/memory"
	"github.com/parcelgate/parcelgate/internal/message"
	"github.com/parcelgate/parcelgate/internal/request"
)

type queue struct{ err error }

func (q queue) EnqueueMessages(context.Context, string) error { return q.err }

type env struct {
	svc   message.Service
	store *memory.Requests
	now   time.Time
}

func newEnv(q queue) *env {
	e := &env{store: memory.NewRequests(), now: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}
	n := 0
	e.svc = message.Service{Store: e.store, Queue: q,
		Now:   func() time.Time { return e.now },
		NewID: func() string { n++; return fmt.Sprintf("id-%d", n) }}
	return e
}

// dhl is a valid DHL number.
func dhl(i int) string {
	base := 300000000 + i
	return fmt.Sprintf("%09d%d", base, base%7)
}

func event(number string) message.Incoming {
	return message.Incoming{MessageType: message.TypeTrackingEvent, ExternalReference: "ev",
		Payload: []byte(`{"trackingNumber": "` + number + `", "status": "picked_up", "datetime": "2026-03-01T08:00:00Z"}`)}
}

var teleport = message.Incoming{MessageType: "Teleport", ExternalReference: "tp", Payload: []byte(`{}`)}

func statuses(msgs []request.Message) []request.MessageStatus {
	var out []request.MessageStatus
	for _, m := range msgs {
		out = append(out, m.Status)
	}
	return out
}

func TestInjectThatCannotQueueCancelsTheValidMessagesAndFinishesTheRequest(t *testing.T) {
	errDown := errors.New("queue down")
	e := newEnv(queue{err: errDown})
	ctx := context.Background()
	r, err := e.svc.Inject(ctx, "acme", "b-1", []message.Incoming{event(dhl(1)), teleport})
	var notQueued *message.NotQueuedError
	if !errors.As(err, &notQueued) || !errors.Is(err, errDown) {
		t.Fatalf("Inject: %v, want NotQueuedError for %v", err, errDown)
	}
	stored, _ := e.store.Request(ctx, r.ID)
	for _, got := range []request.Request{r, notQueued.Request, stored} {
		if want := (request.Summary{Total: 2, Cancelled: 1, Invalid: 1}); got.Summary != want || !got.ProcessedAt.Equal(e.now) || got.FailureReason != "queue unavailable" {
			t.Errorf("request %+v, want finished with %+v, queue unavailable", got, want)
		}
	}
	outcomes, _ := e.store.Outcomes(ctx, r)
	if got := statuses(outcomes); !slices.Equal(got, []request.MessageStatus{request.Cancelled, request.Invalid}) {
		t.Errorf("outcomes %v", got)
	}
	if err := e.svc.Process(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	if after, _ := e.store.Request(ctx, r.ID); after.Summary != stored.Summary || !after.ProcessedAt.Equal(stored.ProcessedAt) {
		t.Errorf("processing a cancelled request changed it: %+v", after)
	}
}

func TestFailMarksTheOpenMessagesFailedAndKeepsTheInvalidOnes(t *testing.T) {
	e := newEnv(queue{})
	ctx := context.Background()
	r, err := e.svc.Inject(ctx, "acme", "b-1", []message.Incoming{event(dhl(1)), teleport, event(dhl(2))})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.StartRequest(ctx, r, e.now); err != nil {
		t.Fatal(err)
	}
	e.now = e.now.Add(time.Hour)
	if err := e.svc.Fail(ctx, r.ID, "retries ran out"); err != nil {
		t.Fatal(err)
	}
	failed, _ := e.store.Request(ctx, r.ID)
	if want := (request.Summary{Total: 3, Failed: 2, Invalid: 1}); failed.Summary != want || failed.Status() != request.Failed ||
		failed.FailureReason != "retries ran out" || !failed.ProcessedAt.Equal(e.now) {
		t.Fatalf("request %+v, want failed with %+v", failed, want)
	}
	outcomes, _ := e.store.Outcomes(ctx, r)
	if got := statuses(outcomes); !slices.Equal(got, []request.MessageStatus{request.Failed, request.Invalid, request.Failed}) {
		t.Errorf("outcomes %v", got)
	}
	if got := outcomes[0].Errors; len(got) != 1 || got[0] != "Unable to process: retries ran out; send the message again" {
		t.Errorf("failed message's errors %q", got)
	}
	// Failing again, or a late delivery, changes nothing.
	if err := e.svc.Fail(ctx, r.ID, "again"); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Process(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	if after, _ := e.store.Request(ctx, r.ID); after.FailureReason != "retries ran out" || after.Summary != failed.Summary {
		t.Errorf("request changed after it failed: %+v", after)
	}
	if err := e.svc.Fail(ctx, "no-such-request", "x"); err != nil {
		t.Errorf("Fail of no request: %v", err)
	}
}

func TestProcessFinishesARequestWithoutValidMessages(t *testing.T) {
	e := newEnv(queue{})
	ctx := context.Background()
	r, err := e.svc.Inject(ctx, "acme", "b-1", []message.Incoming{teleport, teleport})
	if err != nil {
		t.Fatal(err)
	}
	if r.Status() != request.Complete || r.Finished() {
		t.Fatalf("injected %+v: all Invalid, not yet closed", r)
	}
	e.now = e.now.Add(time.Second)
	if err := e.svc.Process(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	done, _ := e.store.Request(ctx, r.ID)
	if want := (request.Summary{Total: 2, Invalid: 2}); done.Summary != want || !done.ProcessedAt.Equal(e.now) {
		t.Errorf("request %+v, want closed with %+v", done, want)
	}
}

// A finished request delivered again, by the queue or as a dead letter,
// has its finish completed (a processor may have died half way through
// it) and nothing else: a store failing that leaves the delivery to be
// tried again.
func TestAFinishedRequestDeliveredAgainHasItsFinishCompleted(t *testing.T) {
	e := newTrackedEnv(t)
	ctx := context.Background()
	r, err := e.svc.Inject(ctx, "acme", "b-1", []message.Incoming{event(dhl(1)), teleport})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Process(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	done, _ := e.store.Request(ctx, r.ID)
	e.now = e.now.Add(time.Hour)
	deliveries := map[string]func() error{
		"Process": func() error { return e.svc.Process(ctx, r.ID) },
		"Fail":    func() error { return e.svc.Fail(ctx, r.ID, "x") },
	}
	for name, deliver := range deliveries {
		e.svc.Store = failingRequests{Store: e.store, failCompleteFinish: true}
		if err := deliver(); !errors.Is(err, errStore) {
			t.Errorf("%s with the finish not completed: %v, want the store's error", name, err)
		}
		// Anything else it tried would fail too.
		e.svc.Store = failingRequests{Store: e.store, failStart: true, failMessages: true, failOutcomes: true, failFinish: true}
		if err := deliver(); err != nil {
			t.Errorf("%s once completed: %v", name, err)
		}
	}
	if again, _ := e.store.Request(ctx, r.ID); !reflect.DeepEqual(again, done) {
		t.Errorf("request delivered again %+v, was %+v", again, done)
	}
}

func TestProcessAndFailLeaveAJobAlone(t *testing.T) {
	e := newEnv(queue{})
	e.store.Jobs = memory.NewJobs()
	ctx := context.Background()
	j := job.Job{ID: "job-1", ProjectID: "p", ClientID: "acme", Action: job.Add, Status: job.Queued,
		CreatedAt: e.now, ExpiresAt: e.now.Add(job.JobTTL), Counts: job.Counts{Total: 1}}
	if err := e.store.Jobs.CreateJob(ctx, j, []job.Item{{TrackingNumber: dhl(1)}}); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Process(ctx, j.ID); err != nil {
		t.Fatalf("Process of a job's id: %v", err)
	}
	if err := e.svc.Fail(ctx, j.ID, "x"); err != nil {
		t.Fatalf("Fail of a job's id: %v", err)
	}
	r := request.Request{ID: j.ID}
	if outcomes, _ := e.store.Outcomes(ctx, r); len(outcomes) != 0 {
		t.Errorf("outcomes written for a job: %+v", outcomes)
	}
	if got, _ := e.store.Jobs.Job(ctx, j.ID); got != j {
		t.Errorf("job changed: %+v", got)
	}
}
