package queue

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/parcelgate/parcelgate/internal/outbox"
)

// Reports sends report outbox tasks to the report queue.
type Reports struct {
	Client   *sqs.Client
	QueueURL string
}

// SendReport implements outbox.Queue.
func (q Reports) SendReport(ctx context.Context, t outbox.Task) error {
	body, err := json.Marshal(t)
	if err != nil {
		return err
	}
	s := string(body)
	_, err = q.Client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &q.QueueURL, MessageBody: &s})
	return err
}

// DecodeReportTask reads a report queue message.
func DecodeReportTask(body string) (outbox.Task, error) {
	var t outbox.Task
	if err := json.Unmarshal([]byte(body), &t); err != nil || t.ProjectID == "" || t.OutboxID == "" {
		return outbox.Task{}, fmt.Errorf("report queue message is not a task")
	}
	return t, nil
}
