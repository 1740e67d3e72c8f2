// Command processor is the Lambda that runs queued work: it decides and
// records the outcome of every number of a tracking-number job, applies
// injected messages (following shipments of the data exchange), and
// queues the webhook events of what changed.
package main

import (
	"github.com/parcelgate/parcelgate/internal/app"
	"github.com/parcelgate/parcelgate/internal/worker"
)

func main() {
	f := app.Begin("processor")
	store := f.Store()
	projects := f.Projects(store)
	webhooks := f.Webhooks(store, projects, f.WebhookQueue())
	records := f.Records(store, projects, f.JobsQueue())
	messages := f.Messages(store, nil, records)
	messages.Webhooks = webhooks
	messages.Watches = f.Watcher(store, webhooks)
	w := worker.Worker{Jobs: f.Jobs(store, projects, nil), Messages: messages, Imports: records, JobEvents: webhooks, Logger: f.Logger}
	f.ServeQueue(w.Process)
}
