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
	b := f.Backend()
	projects := f.Projects(b)
	webhooks := f.Webhooks(b, projects, f.WebhookQueue())
	records := f.Records(b, projects, f.JobsQueue())
	messages := f.Messages(b, nil, records)
	messages.Webhooks = webhooks
	if watcher := f.Watcher(b, webhooks); watcher != nil {
		messages.Watches = watcher
	}
	w := worker.Worker{Jobs: f.Jobs(b, projects, nil), Messages: messages, Imports: records, JobEvents: webhooks, Logger: f.Logger}
	f.ServeQueue(w.Process)
}
