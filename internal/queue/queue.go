// Package queue is the SQS adapter: it puts work on the jobs queue as
// small tasks that name what to process, never the data itself, so every
// message stays far below SQS's size limit.
package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// Task kinds.
const (
	KindJob      = "tracking-number-job"
	KindMessages = "messages"
	KindImport   = "data-import"
)

// Task is the body of one queue message.
type Task struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
}

// Decode reads a message body; anything else than a task is an error.
func Decode(body string) (Task, error) {
	var t Task
	if err := json.Unmarshal([]byte(body), &t); err != nil {
		return Task{}, fmt.Errorf("queue message is not a task: %w", err)
	}
	if t.Kind == "" || t.ID == "" {
		return Task{}, errors.New("queue message is not a task: kind or id missing")
	}
	return t, nil
}

// Client is what the adapters ask of SQS: an *sqs.Client, or the
// in-process queues of the memory backend (memqueue), which deliver the
// same messages to the same handlers.
type Client interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
	SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)
}

// SQS sends tasks to one queue.
type SQS struct {
	Client   Client
	QueueURL string
}

// EnqueueJob implements job.Queue.
func (q SQS) EnqueueJob(ctx context.Context, jobID string) error {
	return q.send(ctx, Task{Kind: KindJob, ID: jobID})
}

// EnqueueMessages implements message.Queue.
func (q SQS) EnqueueMessages(ctx context.Context, requestID string) error {
	return q.send(ctx, Task{Kind: KindMessages, ID: requestID})
}

// EnqueueImport implements sweep.Queue.
func (q SQS) EnqueueImport(ctx context.Context, importID string) error {
	return q.send(ctx, Task{Kind: KindImport, ID: importID})
}

// maxDelay is SQS's longest delivery delay.
const maxDelay = 15 * time.Minute

// EnqueueImportAfter implements data.ImportQueue: the task is delivered
// after delay (at most SQS's 15 minutes).
func (q SQS) EnqueueImportAfter(ctx context.Context, importID string, delay time.Duration) error {
	body, err := json.Marshal(Task{Kind: KindImport, ID: importID})
	if err != nil {
		return err
	}
	_, err = q.Client.SendMessage(ctx, &sqs.SendMessageInput{
		QueueUrl: &q.QueueURL, MessageBody: aws.String(string(body)),
		DelaySeconds: int32(min(delay, maxDelay).Round(time.Second) / time.Second),
	})
	return err
}

func (q SQS) send(ctx context.Context, t Task) error {
	body, err := json.Marshal(t)
	if err != nil {
		return err
	}
	s := string(body)
	_, err = q.Client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &q.QueueURL, MessageBody: &s})
	return err
}
