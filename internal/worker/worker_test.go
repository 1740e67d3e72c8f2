package worker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parcelgate/parcelgate/internal/queue"
)

// recorder is shared by the service stubs: it notes every call as
// "service.Method id[ reason]" and fails the calls named in fail
// ("service.Method id").
type recorder struct {
	mu    sync.Mutex
	calls []string
	fail  map[string]error
}

func (r *recorder) call(method, id string, reason ...string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, strings.Join(append([]string{method, id}, reason...), " "))
	return r.fail[method+" "+id]
}

// sortedCalls returns the calls in a stable order: records of a batch run
// concurrently, so only the calls of a single task keep their order.
func (r *recorder) sortedCalls() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Sorted(slices.Values(r.calls))
}

type jobsStub struct{ r *recorder }

func (s jobsStub) Process(_ context.Context, id string) error { return s.r.call("jobs.Process", id) }
func (s jobsStub) Fail(_ context.Context, id, reason string) error {
	return s.r.call("jobs.Fail", id, reason)
}

type messagesStub struct{ r *recorder }

func (s messagesStub) Process(_ context.Context, id string) error {
	return s.r.call("messages.Process", id)
}
func (s messagesStub) Fail(_ context.Context, id, reason string) error {
	return s.r.call("messages.Fail", id, reason)
}

type importsStub struct{ r *recorder }

func (s importsStub) RunImport(_ context.Context, id string) error {
	return s.r.call("imports.RunImport", id)
}
func (s importsStub) FailImport(_ context.Context, id, reason string) error {
	return s.r.call("imports.FailImport", id, reason)
}

type jobEventsStub struct{ r *recorder }

func (s jobEventsStub) JobFinished(_ context.Context, id string) error {
	return s.r.call("events.JobFinished", id)
}

func newWorker(r *recorder) Worker {
	return Worker{
		Jobs: jobsStub{r}, Messages: messagesStub{r}, Imports: importsStub{r}, JobEvents: jobEventsStub{r},
		Logger: slog.New(slog.DiscardHandler),
	}
}

// message is an SQS record carrying a task; receives is its
// ApproximateReceiveCount attribute, left out when empty.
func message(messageID, kind, id, receives string) events.SQSMessage {
	body, err := json.Marshal(queue.Task{Kind: kind, ID: id})
	if err != nil {
		panic(err)
	}
	m := events.SQSMessage{MessageId: messageID, Body: string(body)}
	if receives != "" {
		m.Attributes = map[string]string{"ApproximateReceiveCount": receives}
	}
	return m
}

func batch(records ...events.SQSMessage) events.SQSEvent { return events.SQSEvent{Records: records} }

// run calls a handler and returns the message ids it reported as failed,
// sorted; a handler error fails the test, since it would make Lambda
// retry the whole batch, successful records included.
func run(t *testing.T, handle func(context.Context, events.SQSEvent) (events.SQSEventResponse, error), ev events.SQSEvent) []string {
	t.Helper()
	resp, err := handle(context.Background(), ev)
	if err != nil {
		t.Fatalf("handler returned error %v; failures must be reported per record", err)
	}
	ids := []string{}
	for _, f := range resp.BatchItemFailures {
		ids = append(ids, f.ItemIdentifier)
	}
	slices.Sort(ids)
	return ids
}

func assertEqual(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got  %q\n want %q", what, got, want)
	}
}

var errBoom = errors.New("boom")

func TestProcessReportsExactlyTheFailedRecordsAsBatchItemFailures(t *testing.T) {
	r := &recorder{fail: map[string]error{
		"jobs.Process j2":      errBoom,
		"messages.Process m2":  errBoom,
		"imports.RunImport i2": errBoom,
	}}
	w := newWorker(r)
	failed := run(t, w.Process, batch(
		message("msg-j1", queue.KindJob, "j1", "1"),
		message("msg-j2", queue.KindJob, "j2", "1"),
		message("msg-m1", queue.KindMessages, "m1", "1"),
		message("msg-m2", queue.KindMessages, "m2", "1"),
		message("msg-i1", queue.KindImport, "i1", "1"),
		message("msg-i2", queue.KindImport, "i2", "1"),
	))
	assertEqual(t, "batch item failures", failed, []string{"msg-i2", "msg-j2", "msg-m2"})
	assertEqual(t, "calls", r.sortedCalls(), []string{
		"events.JobFinished j1",
		"imports.RunImport i1", "imports.RunImport i2",
		"jobs.Process j1", "jobs.Process j2",
		"messages.Process m1", "messages.Process m2",
	})
}

func TestProcessReportsNoFailuresWhenEveryRecordSucceeds(t *testing.T) {
	w := newWorker(&recorder{})
	failed := run(t, w.Process, batch(
		message("msg-1", queue.KindJob, "j1", "1"),
		message("msg-2", queue.KindMessages, "m1", "1"),
		message("msg-3", queue.KindImport, "i1", "1"),
	))
	assertEqual(t, "batch item failures", failed, []string{})
}

func TestProcessRoutesEachTaskKindToItsService(t *testing.T) {
	for _, tc := range []struct {
		kind string
		want []string
	}{
		{queue.KindJob, []string{"jobs.Process x", "events.JobFinished x"}},
		{queue.KindMessages, []string{"messages.Process x"}},
		{queue.KindImport, []string{"imports.RunImport x"}},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			r := &recorder{}
			w := newWorker(r)
			failed := run(t, w.Process, batch(message("msg-1", tc.kind, "x", "1")))
			assertEqual(t, "batch item failures", failed, []string{})
			assertEqual(t, "calls in order", r.calls, tc.want)
		})
	}
}

func TestProcessWritesNoJobEventWhenTheJobTaskFailed(t *testing.T) {
	r := &recorder{fail: map[string]error{"jobs.Process j1": errBoom}}
	w := newWorker(r)
	failed := run(t, w.Process, batch(message("msg-1", queue.KindJob, "j1", "1")))
	assertEqual(t, "batch item failures", failed, []string{"msg-1"})
	assertEqual(t, "calls", r.calls, []string{"jobs.Process j1"})
}

func TestProcessRetriesAJobWhoseEventCouldNotBeWritten(t *testing.T) {
	// The redelivered task finds the job final and writes the event then.
	r := &recorder{fail: map[string]error{"events.JobFinished j1": errBoom}}
	w := newWorker(r)
	failed := run(t, w.Process, batch(message("msg-1", queue.KindJob, "j1", "1")))
	assertEqual(t, "batch item failures", failed, []string{"msg-1"})
	assertEqual(t, "calls", r.calls, []string{"jobs.Process j1", "events.JobFinished j1"})
}

func TestProcessRunsJobTasksWithoutJobEvents(t *testing.T) {
	r := &recorder{}
	w := newWorker(r)
	w.JobEvents = nil
	failed := run(t, w.Process, batch(message("msg-1", queue.KindJob, "j1", "1")))
	assertEqual(t, "batch item failures", failed, []string{})
	assertEqual(t, "calls", r.calls, []string{"jobs.Process j1"})
}

func TestProcessRollsBackAFailingImportOnlyOnItsLastDelivery(t *testing.T) {
	// ApproximateReceiveCount may overshoot, so any count from MaxReceives
	// on counts as the last delivery.
	for receives := 1; receives <= MaxReceives+1; receives++ {
		t.Run("receive "+strconv.Itoa(receives), func(t *testing.T) {
			r := &recorder{fail: map[string]error{"imports.RunImport i1": errBoom}}
			w := newWorker(r)
			failed := run(t, w.Process, batch(message("msg-1", queue.KindImport, "i1", strconv.Itoa(receives))))
			if receives < MaxReceives {
				assertEqual(t, "batch item failures (retried)", failed, []string{"msg-1"})
				assertEqual(t, "calls", r.calls, []string{"imports.RunImport i1"})
				return
			}
			assertEqual(t, "batch item failures (rolled back, so done)", failed, []string{})
			assertEqual(t, "calls", r.calls, []string{
				"imports.RunImport i1",
				"imports.FailImport i1 processing failed on every retry: boom",
			})
		})
	}
}

func TestProcessLeavesAnImportWhoseRollbackFailedToTheDeadLetterQueue(t *testing.T) {
	r := &recorder{fail: map[string]error{
		"imports.RunImport i1":  errBoom,
		"imports.FailImport i1": errors.New("rollback failed"),
	}}
	w := newWorker(r)
	failed := run(t, w.Process, batch(message("msg-1", queue.KindImport, "i1", strconv.Itoa(MaxReceives))))
	assertEqual(t, "batch item failures", failed, []string{"msg-1"})
}

func TestProcessDoesNotRollBackAnImportThatSucceededOnItsLastDelivery(t *testing.T) {
	r := &recorder{}
	w := newWorker(r)
	failed := run(t, w.Process, batch(message("msg-1", queue.KindImport, "i1", strconv.Itoa(MaxReceives))))
	assertEqual(t, "batch item failures", failed, []string{})
	assertEqual(t, "calls", r.calls, []string{"imports.RunImport i1"})
}

func TestProcessTreatsAMissingOrUnparsableReceiveCountAsAnEarlyDelivery(t *testing.T) {
	// Without a count the import is retried, not rolled back: the
	// dead-letter handler still rolls it back once its retries ran out.
	for name, receives := range map[string]string{"missing": "", "not a number": "five", "decimal": "5.0"} {
		t.Run(name, func(t *testing.T) {
			r := &recorder{fail: map[string]error{"imports.RunImport i1": errBoom}}
			w := newWorker(r)
			failed := run(t, w.Process, batch(message("msg-1", queue.KindImport, "i1", receives)))
			assertEqual(t, "batch item failures", failed, []string{"msg-1"})
			assertEqual(t, "calls", r.calls, []string{"imports.RunImport i1"})
		})
	}
}

func TestDeadLettersMarksEachKindFailedWithItsReason(t *testing.T) {
	for _, tc := range []struct {
		kind string
		want []string
	}{
		{queue.KindJob, []string{"jobs.Fail x processing failed on every retry", "events.JobFinished x"}},
		{queue.KindMessages, []string{"messages.Fail x processing failed on every retry"}},
		{queue.KindImport, []string{"imports.FailImport x processing failed on every retry"}},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			r := &recorder{}
			w := newWorker(r)
			// The dead-letter queue's own receive count says nothing about
			// the task; it is marked FAILED on any delivery.
			failed := run(t, w.DeadLetters, batch(message("msg-1", tc.kind, "x", "1")))
			assertEqual(t, "batch item failures", failed, []string{})
			assertEqual(t, "calls in order", r.calls, tc.want)
		})
	}
}

func TestDeadLettersReportsExactlyTheRecordsItCouldNotMarkFailed(t *testing.T) {
	r := &recorder{fail: map[string]error{
		"jobs.Fail j2":          errBoom,
		"events.JobFinished j3": errBoom,
		"messages.Fail m2":      errBoom,
		"imports.FailImport i2": errBoom,
	}}
	w := newWorker(r)
	failed := run(t, w.DeadLetters, batch(
		message("msg-j1", queue.KindJob, "j1", ""),
		message("msg-j2", queue.KindJob, "j2", ""),
		message("msg-j3", queue.KindJob, "j3", ""),
		message("msg-m1", queue.KindMessages, "m1", ""),
		message("msg-m2", queue.KindMessages, "m2", ""),
		message("msg-i1", queue.KindImport, "i1", ""),
		message("msg-i2", queue.KindImport, "i2", ""),
	))
	assertEqual(t, "batch item failures", failed, []string{"msg-i2", "msg-j2", "msg-j3", "msg-m2"})
	const reason = " processing failed on every retry"
	assertEqual(t, "calls", r.sortedCalls(), []string{
		// No event for j2: the job could not be marked FAILED.
		"events.JobFinished j1", "events.JobFinished j3",
		"imports.FailImport i1" + reason, "imports.FailImport i2" + reason,
		"jobs.Fail j1" + reason, "jobs.Fail j2" + reason, "jobs.Fail j3" + reason,
		"messages.Fail m1" + reason, "messages.Fail m2" + reason,
	})
}

func TestDeadLettersMarksJobsFailedWithoutJobEvents(t *testing.T) {
	r := &recorder{}
	w := newWorker(r)
	w.JobEvents = nil
	failed := run(t, w.DeadLetters, batch(message("msg-1", queue.KindJob, "j1", "")))
	assertEqual(t, "batch item failures", failed, []string{})
	assertEqual(t, "calls", r.calls, []string{"jobs.Fail j1 processing failed on every retry"})
}

func handlers(w Worker) map[string]func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
	return map[string]func(context.Context, events.SQSEvent) (events.SQSEventResponse, error){
		"Process": w.Process, "DeadLetters": w.DeadLetters,
	}
}

func TestMalformedBodiesAreDroppedLoudlyAndNotRetried(t *testing.T) {
	bodies := []string{
		"",
		"not json",
		"null",
		"[]",
		`{"kind":"` + queue.KindJob + `"}`,
		`{"id":"j1"}`,
		`{"kind":"` + queue.KindJob + `","id":""}`,
		`{"kind":1,"id":"j1"}`,
	}
	for name := range handlers(Worker{}) {
		t.Run(name, func(t *testing.T) {
			r := &recorder{}
			w := newWorker(r)
			var logs bytes.Buffer
			w.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
			ev := batch(message("msg-ok", queue.KindMessages, "m1", "1"))
			for i, b := range bodies {
				ev.Records = append(ev.Records, events.SQSMessage{MessageId: "msg-bad-" + strconv.Itoa(i), Body: b})
			}
			failed := run(t, handlers(w)[name], ev)
			// Retrying a body that is not a task can never succeed.
			assertEqual(t, "batch item failures", failed, []string{})
			if len(r.calls) != 1 || !strings.HasPrefix(r.calls[0], "messages.") {
				t.Errorf("calls %q, want only the well-formed record's", r.calls)
			}
			var dropped []string
			for line := range strings.Lines(logs.String()) {
				var rec struct{ Level, Msg, MessageID string }
				if err := json.Unmarshal([]byte(line), &rec); err != nil {
					t.Fatalf("log line %q: %v", line, err)
				}
				if rec.Level == "ERROR" {
					dropped = append(dropped, rec.MessageID)
				}
			}
			slices.Sort(dropped)
			var want []string
			for i := range bodies {
				want = append(want, "msg-bad-"+strconv.Itoa(i))
			}
			slices.Sort(want)
			assertEqual(t, "message ids logged as errors", dropped, want)
		})
	}
}

func TestUnknownTaskKindsAreRetriedNotDropped(t *testing.T) {
	// Unlike a malformed body, a task of a kind this worker does not know
	// is kept: it is retried, reaches the dead-letter queue, and stays
	// there (raising its age alarm) rather than being lost.
	for name := range handlers(Worker{}) {
		t.Run(name, func(t *testing.T) {
			r := &recorder{}
			w := newWorker(r)
			failed := run(t, handlers(w)[name], batch(
				message("msg-unknown", "report", "x", "1"),
				message("msg-ok", queue.KindMessages, "m1", "1"),
			))
			assertEqual(t, "batch item failures", failed, []string{"msg-unknown"})
			if len(r.calls) != 1 || !strings.HasPrefix(r.calls[0], "messages.") {
				t.Errorf("calls %q, want only the known task's", r.calls)
			}
		})
	}
}

// gatedJobs holds every job task until release is closed, counting the
// tasks running at once.
type gatedJobs struct {
	started chan string
	release chan struct{}

	mu       sync.Mutex
	inFlight int
	most     int
}

func (g *gatedJobs) Process(_ context.Context, id string) error {
	g.mu.Lock()
	g.inFlight++
	g.most = max(g.most, g.inFlight)
	g.mu.Unlock()
	g.started <- id
	<-g.release
	g.mu.Lock()
	g.inFlight--
	g.mu.Unlock()
	return nil
}

func (g *gatedJobs) Fail(context.Context, string, string) error { return nil }

func TestProcessRunsAtMostFourTasksOfABatchAtOnce(t *testing.T) {
	const records, bound = 12, 4
	jobs := &gatedJobs{started: make(chan string, records), release: make(chan struct{})}
	w := Worker{Jobs: jobs, Logger: slog.New(slog.DiscardHandler)}
	var ev events.SQSEvent
	for i := range records {
		ev.Records = append(ev.Records, message("msg-"+strconv.Itoa(i), queue.KindJob, "j"+strconv.Itoa(i), "1"))
	}
	done := make(chan []string)
	processErr := make(chan error, 1)
	go func() {
		resp, err := w.Process(context.Background(), ev)
		processErr <- err
		var failed []string
		for _, f := range resp.BatchItemFailures {
			failed = append(failed, f.ItemIdentifier)
		}
		done <- failed
	}()

	// Four tasks start without any finishing...
	for range bound {
		select {
		case <-jobs.started:
		case <-time.After(10 * time.Second):
			close(jobs.release)
			t.Fatalf("fewer than %d tasks ran at once", bound)
		}
	}
	// ...and no fifth starts while they run. (A fifth cannot start here if
	// the bound holds, so this wait never fails a correct worker.)
	select {
	case id := <-jobs.started:
		t.Errorf("task %s started while %d others were running", id, bound)
	case <-time.After(20 * time.Millisecond):
	}
	close(jobs.release)
	if failed := <-done; len(failed) != 0 {
		t.Errorf("batch item failures %q, want none", failed)
	}
	if err := <-processErr; err != nil {
		t.Errorf("processing the batch: %v", err)
	}
	if len(jobs.started) != records-bound {
		t.Errorf("%d tasks ran, want %d", len(jobs.started)+bound, records)
	}
	if jobs.most != bound {
		t.Errorf("at most %d tasks ran at once, want %d", jobs.most, bound)
	}
}
