// Package worker handles SQS batches: the processor runs each task, the
// dead-letter handler marks work whose retries ran out as FAILED. It only
// translates queue events; the rules live in the domain packages.
package worker

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"sync"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parcelgate/parcelgate/internal/queue"
)

// Jobs is what the worker needs of the job service.
type Jobs interface {
	Process(ctx context.Context, jobID string) error
	Fail(ctx context.Context, jobID, reason string) error
}

// Messages is what the worker needs of the message service.
type Messages interface {
	Process(ctx context.Context, requestID string) error
	Fail(ctx context.Context, requestID, reason string) error
}

// Imports is what the worker needs of the data service.
type Imports interface {
	RunImport(ctx context.Context, importID string) error
	FailImport(ctx context.Context, importID, reason string) error
}

// JobEvents records and queues the job.completed event of a finished job.
type JobEvents interface {
	JobFinished(ctx context.Context, jobID string) error
}

// Worker runs queue tasks.
type Worker struct {
	Jobs     Jobs
	Messages Messages
	Imports  Imports
	// JobEvents, when set, is told of every job task that ran; it writes
	// the job.completed event once the job is COMPLETED or FAILED.
	JobEvents JobEvents
	Logger    *slog.Logger
}

// jobFinished is the one place job processing hands over to webhooks:
// after a job task ran (processed or failed), its event is written from
// the stored job. A crash before it leaves the task undone, and the
// redelivered task, finding the job final, writes the event then.
func (w Worker) jobFinished(ctx context.Context, jobID string, ran error) error {
	if ran != nil || w.JobEvents == nil {
		return ran
	}
	return w.JobEvents.JobFinished(ctx, jobID)
}

// recordConcurrency bounds the tasks of one batch run at once; each task
// already runs its own DynamoDB requests in parallel.
const recordConcurrency = 4

// MaxReceives is template.yaml's JobsQueue maxReceiveCount: the delivery
// after which SQS moves a failing task to the dead-letter queue.
const MaxReceives = 5

// Process runs a batch from the jobs queue. Records that fail are reported
// as batch item failures: SQS delivers them again, and after the queue's
// maxReceiveCount moves them to the dead-letter queue. An import failing
// on its last delivery is rolled back there and then: its locks hold
// other writers off, so it must not wait for the dead-letter handler.
func (w Worker) Process(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	return w.each(ctx, ev, func(ctx context.Context, t queue.Task, receives int) error {
		switch t.Kind {
		case queue.KindJob:
			return w.jobFinished(ctx, t.ID, w.Jobs.Process(ctx, t.ID))
		case queue.KindMessages:
			return w.Messages.Process(ctx, t.ID)
		case queue.KindImport:
			err := w.Imports.RunImport(ctx, t.ID)
			if err != nil && receives >= MaxReceives {
				return w.Imports.FailImport(ctx, t.ID, "processing failed on every retry: "+err.Error())
			}
			return err
		}
		return fmt.Errorf("unknown task kind %q", t.Kind)
	})
}

// DeadLetters handles the dead-letter queue: the work is marked FAILED so
// the caller learns to resubmit.
func (w Worker) DeadLetters(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	const reason = "processing failed on every retry"
	return w.each(ctx, ev, func(ctx context.Context, t queue.Task, _ int) error {
		switch t.Kind {
		case queue.KindJob:
			return w.jobFinished(ctx, t.ID, w.Jobs.Fail(ctx, t.ID, reason))
		case queue.KindMessages:
			return w.Messages.Fail(ctx, t.ID, reason)
		case queue.KindImport:
			return w.Imports.FailImport(ctx, t.ID, reason)
		}
		return fmt.Errorf("unknown task kind %q", t.Kind)
	})
}

// each runs every task of the batch, telling it how many times SQS has
// delivered its message.
func (w Worker) each(ctx context.Context, ev events.SQSEvent, run func(context.Context, queue.Task, int) error) (events.SQSEventResponse, error) {
	var (
		mu       sync.Mutex
		failures []events.SQSBatchItemFailure
		wg       sync.WaitGroup
		slots    = make(chan struct{}, recordConcurrency)
	)
	for _, rec := range ev.Records {
		task, err := queue.Decode(rec.Body)
		if err != nil {
			// A body that is not a task can never succeed: drop it, loudly.
			w.Logger.ErrorContext(ctx, "dropping malformed queue message", "messageId", rec.MessageId, "error", err.Error())
			continue
		}
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			receives, _ := strconv.Atoi(rec.Attributes["ApproximateReceiveCount"])
			if err := run(ctx, task, receives); err != nil {
				w.Logger.WarnContext(ctx, "task failed; it will be retried", "messageId", rec.MessageId, "kind", task.Kind, "id", task.ID,
					"receiveCount", rec.Attributes["ApproximateReceiveCount"], "error", err.Error())
				mu.Lock()
				failures = append(failures, events.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return events.SQSEventResponse{BatchItemFailures: failures}, nil
}
