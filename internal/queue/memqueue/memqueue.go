// Package memqueue runs the template's SQS queues in process, for the
// memory backend: the app sends to them through the same queue adapters
// (queue.Client), and Run delivers their messages to the same handlers
// as Lambda's SQS event source would, with the semantics the handlers
// rely on: batches of the consumer's size, a failed invocation keeps the
// whole batch, ReportBatchItemFailures keeps only the reported messages,
// kept messages come back after RetryDelay with their receive count
// (ApproximateReceiveCount) raised, and the redrive policy moves a
// message received maxReceiveCount times to its dead-letter queue.
// Messages wait out their DelaySeconds (the message's, else the
// queue's). No queue of the template is FIFO; New refuses one.
package memqueue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/google/uuid"

	"github.com/parcelgate/parcelgate/internal/devstack"
	"github.com/parcelgate/parcelgate/internal/samtemplate"
)

// Options tune the broker.
type Options struct {
	// RetryDelay is how long a message whose handling failed stays
	// invisible: the queue's visibility timeout, which the template sizes
	// for Lambda's timeout (minutes), would make every retry wait that
	// long. Zero retries at once.
	RetryDelay time.Duration
	Logger     *slog.Logger
}

// Broker holds the queues and their messages.
type Broker struct {
	opts Options

	mu     sync.Mutex
	queues map[string]*queue // by URL
	// changed is closed and replaced whenever a message is sent or
	// settled, waking the consumers and AwaitIdle.
	changed chan struct{}
}

type queue struct {
	id, url, arn string
	delay        time.Duration
	dlq          *queue
	maxReceives  int
	msgs         []*message // in the order sent
}

type message struct {
	id, body     string
	sent         time.Time
	visibleAt    time.Time
	firstReceive time.Time
	receives     int
	inFlight     bool
}

// New makes the queues of tmpl, empty.
func New(tmpl *samtemplate.Template, opts Options) (*Broker, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	b := &Broker{opts: opts, queues: map[string]*queue{}, changed: make(chan struct{})}
	byID := map[string]*queue{}
	qs := tmpl.Queues()
	for _, q := range qs {
		if q.Attributes["FifoQueue"] == "true" {
			return nil, fmt.Errorf("memqueue: queue %s is FIFO, which it does not model", q.LogicalID)
		}
		delay, _ := strconv.Atoi(q.Attributes["DelaySeconds"])
		mq := &queue{id: q.LogicalID, url: URL(q.LogicalID), arn: "arn:aws:sqs:memory:000000000000:" + q.LogicalID,
			delay: time.Duration(delay) * time.Second, maxReceives: q.MaxReceiveCount}
		byID[q.LogicalID], b.queues[mq.url] = mq, mq
	}
	for _, q := range qs {
		if q.DeadLetterQueue != "" {
			if byID[q.DeadLetterQueue] == nil {
				return nil, fmt.Errorf("memqueue: queue %s redrives to %s, which the template lacks", q.LogicalID, q.DeadLetterQueue)
			}
			byID[q.LogicalID].dlq = byID[q.DeadLetterQueue]
		}
	}
	return b, nil
}

// URL is the URL of the template's queue id in the broker.
func URL(id string) string { return "memory://sqs/" + id }

// Resources names the queues as devstack.Provision would, for
// devserver.Consumers.
func (b *Broker) Resources() *devstack.Resources {
	res := &devstack.Resources{Tables: map[string]string{}, QueueURLs: map[string]string{}, QueueARNs: map[string]string{}}
	for _, q := range b.queues {
		res.QueueURLs[q.id], res.QueueARNs[q.id] = q.url, q.arn
	}
	return res
}

// changedLocked wakes whoever waits for a change; b.mu is held.
func (b *Broker) changedLocked() {
	close(b.changed)
	b.changed = make(chan struct{})
}

func (b *Broker) put(url, body string, delaySeconds int32) (string, error) {
	q := b.queues[url]
	if q == nil {
		return "", &types.QueueDoesNotExist{Message: aws.String("no queue " + url)}
	}
	if delaySeconds < 0 || delaySeconds > 900 {
		return "", fmt.Errorf("memqueue: DelaySeconds %d: want 0 to 900", delaySeconds)
	}
	delay := q.delay
	if delaySeconds > 0 {
		delay = time.Duration(delaySeconds) * time.Second
	}
	now := time.Now()
	m := &message{id: uuid.NewString(), body: body, sent: now, visibleAt: now.Add(delay)}
	q.msgs = append(q.msgs, m)
	return m.id, nil
}

// SendMessage implements queue.Client.
func (b *Broker) SendMessage(_ context.Context, in *sqs.SendMessageInput, _ ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	id, err := b.put(aws.ToString(in.QueueUrl), aws.ToString(in.MessageBody), in.DelaySeconds)
	if err != nil {
		return nil, err
	}
	b.changedLocked()
	return &sqs.SendMessageOutput{MessageId: aws.String(id)}, nil
}

// SendMessageBatch implements queue.Client.
func (b *Broker) SendMessageBatch(_ context.Context, in *sqs.SendMessageBatchInput, _ ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	if len(in.Entries) == 0 || len(in.Entries) > 10 {
		return nil, fmt.Errorf("memqueue: a batch holds 1 to 10 messages, not %d", len(in.Entries))
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	out := &sqs.SendMessageBatchOutput{}
	for _, e := range in.Entries {
		id, err := b.put(aws.ToString(in.QueueUrl), aws.ToString(e.MessageBody), e.DelaySeconds)
		if err != nil {
			return nil, err
		}
		out.Successful = append(out.Successful, types.SendMessageBatchResultEntry{Id: e.Id, MessageId: aws.String(id)})
	}
	b.changedLocked()
	return out, nil
}

// Busy names a queue holding a message (waiting, delayed or being
// handled), or is "" when every queue is empty.
func (b *Broker) Busy() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, q := range b.queues {
		if len(q.msgs) > 0 {
			return q.id
		}
	}
	return ""
}

// Changed returns a channel closed at the next send or settled batch.
func (b *Broker) Changed() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.changed
}

// Run delivers the queues' messages to the consumers until ctx ends, each
// with Concurrency workers (at least one); the returned wait blocks until
// they have stopped.
func (b *Broker) Run(ctx context.Context, consumers []devstack.Consumer) (wait func(), err error) {
	var wg sync.WaitGroup
	for _, c := range consumers {
		q := b.queues[c.QueueURL]
		if q == nil || c.Handler == nil {
			return nil, errors.New("memqueue: a consumer needs a queue of the broker and a handler")
		}
		if c.BatchSize <= 0 {
			c.BatchSize = 10
		}
		for range max(c.Concurrency, 1) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				b.consume(ctx, q, c)
			}()
		}
	}
	return wg.Wait, nil
}

func (b *Broker) consume(ctx context.Context, q *queue, c devstack.Consumer) {
	log := b.opts.Logger.With("consumer", c.Name, "queue", q.id)
	for ctx.Err() == nil {
		batch, wake, next := b.receive(q, c.BatchSize)
		if len(batch) == 0 {
			wait(ctx, wake, next)
			continue
		}
		b.deliver(ctx, q, c, log, batch)
	}
}

// wait returns when ctx ends, wake is closed or next (when set) comes.
func wait(ctx context.Context, wake <-chan struct{}, next time.Time) {
	var timer <-chan time.Time
	if !next.IsZero() {
		t := time.NewTimer(time.Until(next))
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-ctx.Done():
	case <-wake:
	case <-timer:
	}
}

// receive takes up to n visible messages of q in flight, moving those
// received maxReceiveCount times to the dead-letter queue instead. With
// none, it returns what to wait for: a change, or next, when the first
// invisible message becomes visible.
func (b *Broker) receive(q *queue, n int) (batch []*message, wake <-chan struct{}, next time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	moved := false
	kept := q.msgs[:0]
	for _, m := range q.msgs {
		visible := !m.inFlight && !m.visibleAt.After(now)
		if visible && q.dlq != nil && m.receives >= q.maxReceives {
			m.visibleAt, m.inFlight = now, false
			q.dlq.msgs = append(q.dlq.msgs, m)
			moved = true
			continue
		}
		kept = append(kept, m)
		switch {
		case visible && len(batch) < n:
			m.inFlight, m.receives = true, m.receives+1
			if m.firstReceive.IsZero() {
				m.firstReceive = now
			}
			batch = append(batch, m)
		case !m.inFlight && m.visibleAt.After(now) && (next.IsZero() || m.visibleAt.Before(next)):
			next = m.visibleAt
		}
	}
	clear(q.msgs[len(kept):])
	q.msgs = kept
	if moved {
		b.changedLocked()
	}
	return batch, b.changed, next
}

// deliver invokes the handler with one batch and settles it: handled
// messages are deleted, the others become visible again after RetryDelay.
func (b *Broker) deliver(ctx context.Context, q *queue, c devstack.Consumer, log *slog.Logger, batch []*message) {
	ev := event(q, batch)
	resp, err := devstack.Invoke(ctx, c.Handler, ev)
	failed := map[string]bool{}
	switch {
	case err != nil:
		log.Error("handler failed; the whole batch will be retried", "err", err, "messages", len(batch))
	case c.ReportBatchItemFailures:
		if failed, err = devstack.BatchFailures(resp, ev); err != nil {
			log.Error("invalid batch response; the whole batch will be retried", "err", err, "messages", len(batch))
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	retryAt := time.Now().Add(b.opts.RetryDelay)
	done := map[*message]bool{}
	for _, m := range batch {
		if err == nil && !failed[m.id] {
			done[m] = true
			continue
		}
		m.inFlight, m.visibleAt = false, retryAt
	}
	kept := q.msgs[:0]
	for _, m := range q.msgs {
		if !done[m] {
			kept = append(kept, m)
		}
	}
	clear(q.msgs[len(kept):])
	q.msgs = kept
	b.changedLocked()
}

// event is the batch as Lambda's SQS event source passes it.
func event(q *queue, batch []*message) events.SQSEvent {
	ev := events.SQSEvent{Records: make([]events.SQSMessage, len(batch))}
	for i, m := range batch {
		ev.Records[i] = events.SQSMessage{
			MessageId: m.id, ReceiptHandle: m.id, Body: m.body,
			Attributes: map[string]string{
				"ApproximateReceiveCount":          strconv.Itoa(m.receives),
				"SentTimestamp":                    strconv.FormatInt(m.sent.UnixMilli(), 10),
				"ApproximateFirstReceiveTimestamp": strconv.FormatInt(m.firstReceive.UnixMilli(), 10),
				"SenderId":                         "memory",
			},
			MessageAttributes: map[string]events.SQSMessageAttribute{},
			EventSource:       "aws:sqs", EventSourceARN: q.arn, AWSRegion: "memory",
		}
	}
	return ev
}
