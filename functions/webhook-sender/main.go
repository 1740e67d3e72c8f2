// Command webhook-sender is the Lambda that delivers events to webhook
// endpoints: it fans events out, signs and POSTs them, records attempts
// and queues retries.
package main

import (
	"github.com/parcelgate/parcelgate/internal/app"
)

func main() {
	f := app.Begin("webhook-sender")
	f.ServeQueue(app.SendWebhooks(f.Sender(f.Backend(), f.WebhookQueue()), f.Logger))
}
