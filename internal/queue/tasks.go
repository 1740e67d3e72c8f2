package queue

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// TaskMessage is the body of a task queue message: it names the
// processing task, whose state is in the table.
type TaskMessage struct {
	ProjectID string `json:"projectId"`
	TaskID    string `json:"taskId"`
}

// Tasks sends processing tasks to the task queue.
type Tasks struct {
	Client   Client
	QueueURL string
}

// EnqueueTask implements task.Queue.
func (q Tasks) EnqueueTask(ctx context.Context, projectID, taskID string) error {
	body, err := json.Marshal(TaskMessage{ProjectID: projectID, TaskID: taskID})
	if err != nil {
		return err
	}
	s := string(body)
	_, err = q.Client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &q.QueueURL, MessageBody: &s})
	return err
}

// DecodeTaskMessage reads a task queue message.
func DecodeTaskMessage(body string) (TaskMessage, error) {
	var m TaskMessage
	if err := json.Unmarshal([]byte(body), &m); err != nil || m.ProjectID == "" || m.TaskID == "" {
		return TaskMessage{}, errors.New("task queue message is not a task: projectId or taskId missing")
	}
	return m, nil
}
