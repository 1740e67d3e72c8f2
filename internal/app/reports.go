package app

import (
	"context"
	"log/slog"
	"strconv"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parcelgate/parcelgate/internal/outbox"
	"github.com/parcelgate/parcelgate/internal/queue"
)

// reportMaxReceives is template.yaml's ReportQueue maxReceiveCount: a
// task failing on that delivery fails its item instead of leaving it to
// the dead-letter queue unresolved.
const reportMaxReceives = 5

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
				if n, _ := strconv.Atoi(rec.Attributes["ApproximateReceiveCount"]); n >= reportMaxReceives {
					if err := reports.GiveUp(ctx, t, err); err == nil {
						continue
					}
				}
				logger.Warn("report task failed; it will be delivered again", "projectId", t.ProjectID, "outboxId", t.OutboxID, "error", err.Error())
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
			}
		}
		return resp, nil
	}
}
