package queue

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/parcelgate/parcelgate/internal/webhook"
)

// Webhooks sends delivery tasks to the webhook queue, ten to a request.
type Webhooks struct {
	Client   Client
	QueueURL string
}

// webhookMessage is the body of a webhook queue message; optional fields
// are left out when empty, keeping messages small.
type webhookMessage struct {
	Kind      string    `json:"kind"`
	ProjectID string    `json:"projectId"`
	EventID   string    `json:"eventId,omitempty"`
	WebhookID string    `json:"webhookId,omitempty"`
	Attempt   int       `json:"attempt,omitempty"`
	NotBefore time.Time `json:"notBefore,omitzero"`
	Since     time.Time `json:"since,omitzero"`
	After     string    `json:"after,omitempty"`
	Pending   string    `json:"pending,omitempty"`
}

// Send implements webhook.Queue.
func (q Webhooks) Send(ctx context.Context, tasks []webhook.Task, delay time.Duration) error {
	seconds := int32(min(delay, 15*time.Minute).Seconds())
	for start := 0; start < len(tasks); start += 10 {
		group := tasks[start:min(start+10, len(tasks))]
		entries := make([]types.SendMessageBatchRequestEntry, len(group))
		for i, t := range group {
			body, err := json.Marshal(webhookMessage(t))
			if err != nil {
				return err
			}
			entries[i] = types.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), MessageBody: aws.String(string(body)), DelaySeconds: seconds}
		}
		out, err := q.Client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &q.QueueURL, Entries: entries})
		if err != nil {
			return err
		}
		if len(out.Failed) > 0 {
			f := out.Failed[0]
			return fmt.Errorf("webhook queue refused %d of %d tasks: %s", len(out.Failed), len(group), deref(f.Message))
		}
	}
	return nil
}

// DecodeWebhookTask reads a webhook queue message.
func DecodeWebhookTask(body string) (webhook.Task, error) {
	var m webhookMessage
	if err := json.Unmarshal([]byte(body), &m); err != nil || m.Kind == "" || m.ProjectID == "" {
		return webhook.Task{}, fmt.Errorf("webhook queue message is not a task")
	}
	return webhook.Task(m), nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
