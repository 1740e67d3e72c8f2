package job_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/memory"
	"github.com/parcelgate/parcelgate/internal/project"
	"github.com/parcelgate/parcelgate/internal/sweep"
)

var caller = project.Caller{ClientID: "acme", PrincipalID: "alice"}

type member struct{}

func (member) Authorize(context.Context, project.Caller, string, func(project.Role) bool) (project.Membership, error) {
	return project.Membership{}, nil
}

// queue records sends; fail, when set, decides each send's error.
type queue struct {
	sent []string
	fail func(id string) error
}

func (q *queue) EnqueueJob(_ context.Context, id string) error {
	q.sent = append(q.sent, id)
	if q.fail != nil {
		return q.fail(id)
	}
	return nil
}

type env struct {
	svc   job.Service
	store *memory.Jobs
	queue *queue
	now   time.Time
}

func newEnv() *env {
	e := &env{store: memory.NewJobs(), queue: &queue{}, now: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}
	n := 0
	e.svc = job.Service{Store: e.store, Queue: e.queue, Projects: member{},
		Now:   func() time.Time { return e.now },
		NewID: func() string { n++; return fmt.Sprintf("job-%d", n) }}
	return e
}

// stored reads a job back; a read that fails fails the test, so two
// failed reads cannot compare equal.
func (e *env) stored(t *testing.T, id string) job.Job {
	t.Helper()
	j, err := e.store.Job(context.Background(), id)
	if err != nil {
		t.Fatalf("job %s: %v", id, err)
	}
	return j
}

// submitted is a submission the test expects to be accepted.
func (e *env) submitted(t *testing.T, key string) job.Job {
	t.Helper()
	j, err := e.svc.Submit(context.Background(), caller, "p", submission(key))
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	return j
}

func submission(key string) job.Submission {
	return job.Submission{Action: job.Add, IdempotencyKey: key, Items: []job.Item{{TrackingNumber: "1Z999AA10123456784"}, {TrackingNumber: "bogus"}}}
}

var errDown = errors.New("queue down")

func TestSubmitThatCannotQueueLeavesTheJobNotAccepted(t *testing.T) {
	e := newEnv()
	e.queue.fail = func(string) error { return errDown }
	j, err := e.svc.Submit(context.Background(), caller, "p", submission(""))
	var notQueued *job.NotQueuedError
	if !errors.As(err, &notQueued) || !errors.Is(err, errDown) {
		t.Fatalf("Submit: %v, want NotQueuedError for %v", err, errDown)
	}
	stored := e.stored(t, j.ID)
	for _, got := range []job.Job{j, notQueued.Job, stored} {
		if got.Status != job.NotAccepted || got.FailureReason != "queue unavailable" || !got.CompletedAt.Equal(e.now) || !got.SweepAt.IsZero() {
			t.Errorf("job %+v, want NOT_ACCEPTED for queue unavailable at %s, unswept", got, e.now)
		}
	}
}

func TestSubmitWhoseSendFailedLateReturnsTheJobTheProcessorMovedOn(t *testing.T) {
	e := newEnv()
	// The send reached the queue after all and the job ran before the
	// error came back.
	e.queue.fail = func(id string) error {
		if err := e.svc.Process(context.Background(), id); err != nil {
			t.Fatal(err)
		}
		return errDown
	}
	j, err := e.svc.Submit(context.Background(), caller, "p", submission(""))
	if err != nil || j.Status != job.Completed {
		t.Fatalf("Submit: %+v, %v; want the COMPLETED job", j, err)
	}
}

func TestRetryOfANotAcceptedJobQueuesItAgain(t *testing.T) {
	e := newEnv()
	e.queue.fail = func(string) error { return errDown }
	first, err := e.svc.Submit(context.Background(), caller, "p", submission("k"))
	var notQueued *job.NotQueuedError
	if !errors.As(err, &notQueued) || first.ID == "" {
		t.Fatalf("Submit with the queue down: %+v, %v; want a NOT_ACCEPTED job", first, err)
	}
	e.queue.fail = nil
	e.now = e.now.Add(time.Minute)
	j, err := e.svc.Submit(context.Background(), caller, "p", submission("k"))
	if err != nil || j.ID != first.ID || j.Status != job.Queued || j.FailureReason != "" || !j.CompletedAt.IsZero() {
		t.Fatalf("retry: %+v, %v; want job %s QUEUED", j, err, first.ID)
	}
	stored := e.stored(t, j.ID)
	if stored.Status != job.Queued || !stored.SweepAt.Equal(sweep.Deadline(sweep.Waiting, e.now)) {
		t.Errorf("stored %+v", stored)
	}
}

func TestRetryOfAStuckJobSendsItsTaskAgain(t *testing.T) {
	e := newEnv()
	first, err := e.svc.Submit(context.Background(), caller, "p", submission("k"))
	if err != nil {
		t.Fatal(err)
	}
	e.now = e.now.Add(sweep.WaitLimit + time.Second)
	j, err := e.svc.Submit(context.Background(), caller, "p", submission("k"))
	if err != nil || j.ID != first.ID || j.Status != job.Queued || j.Requeues != 1 {
		t.Fatalf("retry: %+v, %v; want job %s QUEUED, sent again once", j, err, first.ID)
	}
	if len(e.queue.sent) != 2 {
		t.Errorf("sends %v, want the task sent twice", e.queue.sent)
	}
	stored := e.stored(t, j.ID)
	if !stored.SweepAt.Equal(sweep.Deadline(sweep.Waiting, e.now)) || stored.Requeues != 1 {
		t.Errorf("stored deadline %s, requeues %d", stored.SweepAt, stored.Requeues)
	}
	// Before the new deadline the job is not stuck: a retry just reads it.
	if j, err = e.svc.Submit(context.Background(), caller, "p", submission("k")); err != nil || len(e.queue.sent) != 2 {
		t.Errorf("an early retry: %+v, %v, sends %v", j, err, e.queue.sent)
	}
}

func TestRetryWithAnotherBodyIsRefused(t *testing.T) {
	e := newEnv()
	if _, err := e.svc.Submit(context.Background(), caller, "p", submission("k")); err != nil {
		t.Fatal(err)
	}
	other := submission("k")
	other.Action = job.Remove
	if _, err := e.svc.Submit(context.Background(), caller, "p", other); !errors.Is(err, job.ErrIdempotencyMismatch) {
		t.Fatalf("Submit: %v, want ErrIdempotencyMismatch", err)
	}
}

func TestProcessCompletesAJobOnceEvenWhenDeliveredAgain(t *testing.T) {
	e := newEnv()
	ctx := context.Background()
	j := e.submitted(t, "")
	e.now = e.now.Add(time.Second)
	if err := e.svc.Process(ctx, j.ID); err != nil {
		t.Fatal(err)
	}
	done := e.stored(t, j.ID)
	want := job.Counts{Total: 2, Added: 1, Invalid: 1}
	if done.Status != job.Completed || done.Counts != want || !done.StartedAt.Equal(e.now) || !done.SweepAt.IsZero() {
		t.Fatalf("job %+v, want COMPLETED with %+v", done, want)
	}
	e.now = e.now.Add(time.Minute)
	if err := e.svc.Process(ctx, j.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Fail(ctx, j.ID, "late"); err != nil {
		t.Fatal(err)
	}
	if again := e.stored(t, j.ID); again != done {
		t.Errorf("a redelivery changed the job:\n%+v\nwas\n%+v", again, done)
	}
	results, err := e.store.Results(ctx, done)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 2 || results[0].Outcome != job.Added || results[1].Outcome != job.Invalid {
		t.Errorf("results %+v", results)
	}
}

func TestProcessResumesFromSavedResults(t *testing.T) {
	e := newEnv()
	ctx := context.Background()
	j := e.submitted(t, "")
	running, from := j.Start(e.now)
	if _, err := e.store.Start(ctx, running, from...); err != nil {
		t.Fatal(err)
	}
	saved := []job.Result{{TrackingNumber: "1Z999AA10123456784", Outcome: job.Renewed}, {TrackingNumber: "bogus", Outcome: job.Invalid}}
	if err := e.store.SaveResults(ctx, j, saved); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Process(ctx, j.ID); err != nil {
		t.Fatal(err)
	}
	done := e.stored(t, j.ID)
	if want := (job.Counts{Total: 2, Renewed: 1, Invalid: 1}); done.Status != job.Completed || done.Counts != want {
		t.Errorf("job %+v, want the saved decisions %+v", done, want)
	}
}

func TestFailMarksAnOpenJobFailed(t *testing.T) {
	e := newEnv()
	ctx := context.Background()
	j := e.submitted(t, "")
	e.now = e.now.Add(time.Hour)
	if err := e.svc.Fail(ctx, j.ID, "retries ran out"); err != nil {
		t.Fatal(err)
	}
	failed := e.stored(t, j.ID)
	if failed.Status != job.Failed || failed.FailureReason != "retries ran out" || !failed.CompletedAt.Equal(e.now) || !failed.SweepAt.IsZero() {
		t.Fatalf("job %+v", failed)
	}
	if err := e.svc.Process(ctx, j.ID); err != nil {
		t.Fatal(err)
	}
	if after := e.stored(t, j.ID); after != failed {
		t.Errorf("processing a FAILED job changed it: %+v", after)
	}
	if err := e.svc.Fail(ctx, "no-such-job", "x"); err != nil {
		t.Errorf("Fail of no job: %v", err)
	}
}
