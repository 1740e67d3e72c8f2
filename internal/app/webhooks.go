package app

import (
	"context"
	"log/slog"
	"sync"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parcelgate/parcelgate/internal/queue"
	"github.com/parcelgate/parcelgate/internal/webhook"
)

// SendWebhooks is the webhook sender's handler: a batch of the webhook
// queue, its tasks at once (each delivery may wait up to 15 s for its
// receiver). A task that fails (the table or the queue unavailable, not
// the receiver) is reported for redelivery; a failing receiver is retried
// by the sender itself.
func SendWebhooks(sender webhook.Sender, logger *slog.Logger) QueueHandler {
	return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		return sendWebhooks(ctx, sender, logger, ev)
	}
}

func sendWebhooks(ctx context.Context, sender webhook.Sender, logger *slog.Logger, ev events.SQSEvent) (events.SQSEventResponse, error) {
	var mu sync.Mutex
	var resp events.SQSEventResponse
	var wg sync.WaitGroup
	for _, rec := range ev.Records {
		wg.Go(func() {
			t, err := queue.DecodeWebhookTask(rec.Body)
			if err != nil {
				logger.Error("webhook queue message dropped", "messageId", rec.MessageId, "error", err.Error())
				return
			}
			if err := sender.Handle(ctx, t); err != nil {
				logger.Error("webhook task failed", "kind", t.Kind, "webhookId", t.WebhookID, "eventId", t.EventID, "error", err.Error())
				mu.Lock()
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return resp, nil
}
