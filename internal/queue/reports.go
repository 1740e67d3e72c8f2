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
	Client   Client
	QueueURL string
}

// reportMessage is the body of a report queue message.
type reportMessage struct {
	ProjectID string `json:"projectId"`
	OutboxID  string `json:"outboxId"`
}

// SendReport implements outbox.Queue.
func (q Reports) SendReport(ctx context.Context, t outbox.Task) error {
	body, err := json.Marshal(reportMessage(t))
	if err != nil {
		return err
	}
	s := string(body)
	_, err = q.Client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &q.QueueURL, MessageBody: &s})
	return err
}

// DecodeReportTask reads a report queue message.
func DecodeReportTask(body string) (outbox.Task, error) {
	var m reportMessage
	if err := json.Unmarshal([]byte(body), &m); err != nil || m.ProjectID == "" || m.OutboxID == "" {
		return outbox.Task{}, fmt.Errorf("report queue message is not a task")
	}
	return outbox.Task(m), nil
}
