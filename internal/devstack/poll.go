package devstack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// idlePause is how long Poll waits after finding the queue empty unless a
// Bell rings; it bounds the delivery latency of messages sent without one.
const idlePause = 200 * time.Millisecond

// Consumer is a function subscribed to a queue, as an SQS event source
// mapping subscribes a Lambda function.
type Consumer struct {
	Name                    string // for logs, e.g. the function's logical id
	QueueURL, QueueARN      string
	BatchSize               int // messages per invocation, 0 for SAM's 10; at most 10, see Poll
	ReportBatchItemFailures bool
	// Concurrency is how many batches run at once (pollers), as Lambda
	// runs several; 0 or 1 for one at a time. See devserver.Poll.
	Concurrency int
	Handler     func(context.Context, events.SQSEvent) (events.SQSEventResponse, error)
}

// PollOptions tune Poll for local use.
type PollOptions struct {
	// RetryDelay, when positive, is how long a received message stays
	// invisible, instead of the queue's VisibilityTimeout. The template's
	// timeout (180 s, sized for Lambda's timeout) would make every local
	// retry wait three minutes, and a message reach the dead-letter queue
	// only after maxReceiveCount of those. Keep it above the handler's
	// running time, or a message may be delivered again while it is being
	// handled.
	//
	// It is set on ReceiveMessage rather than by ChangeMessageVisibility
	// on failed messages because the SQS emulator (local-aws-sqs 2.0.2)
	// counts ChangeMessageVisibility as a receive, so messages would reach
	// the dead-letter queue after fewer deliveries than maxReceiveCount.
	RetryDelay time.Duration
	// Bell, when set, wakes the poller from its idle pause when a message
	// is sent (see Bell), and from its wait for an unreachable queue.
	Bell *Bell
	// Reach, when set, is shared by the pollers of one queue, so that
	// together they report the queue unreachable once and back once.
	Reach *Reachability
}

// Reachability is whether a queue answers, as its pollers last found it.
// The zero value is a queue that answers.
type Reachability struct {
	mu    sync.Mutex
	since time.Time // when it stopped answering; zero while it answers
}

// failed records a failed receive; the first since the queue last
// answered is logged, the rest would only repeat it.
func (r *Reachability) failed(log *slog.Logger, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.since.IsZero() {
		r.since = time.Now()
		log.Warn("queue unreachable; its pollers retry quietly until it answers", "err", err)
	}
}

// answered records a successful receive, logging the queue's return.
func (r *Reachability) answered(log *slog.Logger) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.since.IsZero() {
		log.Info("queue reachable again", "unreachableFor", time.Since(r.since).Round(time.Second).String())
		r.since = time.Time{}
	}
}

// Poll delivers the queue's messages to c.Handler until ctx is done, then
// returns nil. It does what Lambda's SQS event source mapping does: events
// shaped as Lambda shapes them, messages deleted after a successful
// invocation, all kept when the handler fails, and with
// ReportBatchItemFailures only the reported ones kept. Kept messages become
// visible again after the visibility timeout (see PollOptions.RetryDelay),
// and the queue's redrive policy moves them to the dead-letter queue after
// maxReceiveCount deliveries. Unlike Lambda it short-polls (see the
// ReceiveMessageInput below), delivers at most 10 messages per invocation
// (one ReceiveMessage) and ignores the batching window.
func Poll(ctx context.Context, client *sqs.Client, c Consumer, logger *slog.Logger, opts PollOptions) error {
	if c.QueueURL == "" || c.QueueARN == "" || c.Handler == nil {
		return errors.New("devstack: Poll needs Consumer.QueueURL, QueueARN and Handler")
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 10
	}
	log := orDefault(logger).With("consumer", c.Name, "queue", c.QueueARN)
	in := &sqs.ReceiveMessageInput{
		QueueUrl:            aws.String(c.QueueURL),
		MaxNumberOfMessages: int32(min(c.BatchSize, 10)),
		// No WaitTimeSeconds: short polls, with idlePause between empty
		// ones. Lambda long-polls, but local-aws-sqs 2.0.2 holds a long
		// poll open until it has MaxNumberOfMessages messages, and
		// meanwhile adds messages whose visibility expired to the same
		// response again, as duplicates with a higher receive count.
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
		// local-aws-sqs 2.0.2 only reads the older AttributeNames; AWS
		// and LocalStack accept both.
		AttributeNames:        []types.QueueAttributeName{types.QueueAttributeNameAll},
		MessageAttributeNames: []string{"All"},
	}
	if opts.RetryDelay > 0 {
		in.VisibilityTimeout = int32(math.Ceil(opts.RetryDelay.Seconds()))
	}
	reach := opts.Reach
	if reach == nil {
		reach = &Reachability{}
	}
	backoff, answered := time.Second, false
	for ctx.Err() == nil {
		rung := opts.Bell.next()
		out, err := client.ReceiveMessage(ctx, in)
		if ctx.Err() != nil {
			return nil
		}
		// A queue that never existed is a mistake in the wiring; one
		// that answered before is being re-created (a restarted
		// emulator lost it) and is waited for like an unreachable one.
		if notExist := (*types.QueueDoesNotExist)(nil); errors.As(err, &notExist) && !answered {
			return fmt.Errorf("devstack: consumer %s: %w", c.Name, err)
		}
		if err != nil {
			reach.failed(log, err)
			// Whoever brings the queue back rings the bell (the dev
			// server, once a restarted emulator's queues are re-created),
			// so the wait may grow long without delaying delivery.
			sleepUnless(ctx, backoff, rung)
			backoff = min(2*backoff, 30*time.Second)
			continue
		}
		reach.answered(log)
		backoff, answered = time.Second, true
		if len(out.Messages) == 0 {
			sleepUnless(ctx, idlePause, rung)
			continue
		}
		deliver(ctx, client, c, log, out.Messages)
	}
	return nil
}

// deliver invokes the handler with one batch and deletes what it handled.
func deliver(ctx context.Context, client *sqs.Client, c Consumer, log *slog.Logger, msgs []types.Message) {
	event := sqsEvent(msgs, c.QueueARN)
	resp, err := Invoke(ctx, c.Handler, event)
	if err != nil {
		log.Error("handler failed; the whole batch will be retried", "err", err, "messages", len(msgs))
		return
	}
	var failed map[string]bool
	if c.ReportBatchItemFailures {
		if failed, err = BatchFailures(resp, event); err != nil {
			log.Error("invalid batch response; the whole batch will be retried", "err", err, "messages", len(msgs))
			return
		}
	}
	var entries []types.DeleteMessageBatchRequestEntry
	for i, m := range msgs {
		if !failed[aws.ToString(m.MessageId)] {
			entries = append(entries, types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle})
		}
	}
	log.Info("batch handled", "messages", len(msgs), "failed", len(failed))
	if len(entries) == 0 {
		return
	}
	// A handled batch is deleted even when shutdown has begun, or it
	// would be handled a second time on the next start.
	delCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	out, err := client.DeleteMessageBatch(delCtx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(c.QueueURL), Entries: entries})
	if err != nil {
		log.Error("deleting handled messages failed; they will be delivered again", "err", err)
		return
	}
	for _, f := range out.Failed {
		log.Error("deleting a handled message failed; it will be delivered again", "code", aws.ToString(f.Code), "err", aws.ToString(f.Message))
	}
}

// Invoke calls the handler, turning a panic into an error as the Lambda
// runtime turns it into a failed invocation.
func Invoke(ctx context.Context, h func(context.Context, events.SQSEvent) (events.SQSEventResponse, error), e events.SQSEvent) (resp events.SQSEventResponse, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("handler panicked: %v", r)
		}
	}()
	return h(ctx, e)
}

// BatchFailures returns the message ids a partial batch response reports. As in
// Lambda, an empty or unknown id fails the whole batch.
func BatchFailures(resp events.SQSEventResponse, e events.SQSEvent) (map[string]bool, error) {
	inBatch := make(map[string]bool, len(e.Records))
	for _, r := range e.Records {
		inBatch[r.MessageId] = true
	}
	failed := make(map[string]bool, len(resp.BatchItemFailures))
	for _, f := range resp.BatchItemFailures {
		if !inBatch[f.ItemIdentifier] {
			return nil, fmt.Errorf("batchItemFailures names %q, which is not a message id of the batch", f.ItemIdentifier)
		}
		failed[f.ItemIdentifier] = true
	}
	return failed, nil
}

// sleepUnless sleeps for d, or until ctx is done or wake is closed.
func sleepUnless(ctx context.Context, d time.Duration, wake <-chan struct{}) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	case <-wake:
	}
}
