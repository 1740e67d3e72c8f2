// Command dead-letter is the Lambda that reads the dead-letter queue and
// marks the work whose retries ran out as FAILED (a failed job's
// job.completed event included).
package main

import (
	"github.com/parcelgate/parcelgate/internal/app"
	"github.com/parcelgate/parcelgate/internal/worker"
)

func main() {
	f := app.Begin("dead-letter")
	b := f.Backend()
	projects := f.Projects(b)
	webhooks := f.Webhooks(b, projects, f.WebhookQueue())
	w := worker.Worker{
		Jobs: f.Jobs(b, projects, nil), Messages: f.Messages(b, nil, nil), Imports: f.Records(b, projects, nil),
		JobEvents: webhooks, Logger: f.Logger,
	}
	f.ServeQueue(w.DeadLetters)
}
