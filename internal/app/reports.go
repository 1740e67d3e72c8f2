package app

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parcelgate/parcelgate/internal/outbox"
	"github.com/parcelgate/parcelgate/internal/queue"
)

// RunReports is the report worker's handler: a batch of the report queue,
// one task after the other (each renders a PDF and may send a mail). A
// task that fails is reported for redelivery; the worker's send claim
// keeps a redelivered task from mailing twice.
func RunReports(reports outbox.Worker, logger *slog.Logger) QueueHandler {
	return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		var resp events.SQSEventResponse
		for _, rec := range ev.Records {
			t, err := queue.DecodeReportTask(rec.Body)
			if err != nil {
				logger.Error("report queue message dropped", "messageId", rec.MessageId, "error", err.Error())
				continue
			}
			if err := reports.Handle(ctx, t); err != nil {
				logger.Warn("report task failed; it will be delivered again", "projectId", t.ProjectID, "outboxId", t.OutboxID, "error", err.Error())
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
			}
		}
		return resp, nil
	}
}
