package app

import (
	"context"
	"log/slog"
	"strconv"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parcelgate/parcelgate/internal/queue"
	"github.com/parcelgate/parcelgate/internal/task"
)

// RunTasks is the task worker's handler: a batch of the task queue (batch
// size 1 in the template: a task may take the whole invocation). A task
// that fails is reported for redelivery; its last delivery marks it FAILED
// instead, so a task never stays RUNNING for good.
func RunTasks(tasks task.Service, logger *slog.Logger) QueueHandler {
	return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		var resp events.SQSEventResponse
		for _, rec := range ev.Records {
			m, err := queue.DecodeTaskMessage(rec.Body)
			if err != nil {
				logger.ErrorContext(ctx, "task queue message dropped", "messageId", rec.MessageId, "error", err.Error())
				continue
			}
			received, _ := strconv.Atoi(rec.Attributes["ApproximateReceiveCount"])
			if err := tasks.Run(ctx, m.ProjectID, m.TaskID, received >= task.MaxReceives); err != nil {
				logger.WarnContext(ctx, "task failed; it will be retried", "projectId", m.ProjectID, "taskId", m.TaskID,
					"receiveCount", received, "error", err.Error())
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
			}
		}
		return resp, nil
	}
}
