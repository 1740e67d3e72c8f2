// Command sweeper is the scheduled Lambda that sends jobs and message
// requests stuck past their deadline to the queue again, and marks those
// that stay stuck FAILED; it also records the tracking_number.expiring
// events of associations entering their last 3 days.
package main

import (
	"github.com/parcelgate/parcelgate/internal/app"
	"github.com/parcelgate/parcelgate/internal/sweep"
)

func main() {
	f := app.Begin("sweeper")
	store := f.Store()
	q := f.JobsQueue()
	s := sweep.Service{
		Store:    store,
		Queue:    q,
		Jobs:     f.Jobs(store, f.Projects(store), q),
		Messages: f.Messages(store, q, nil),
		Now:      f.Now,
		Logger:   f.Logger,
	}
	webhooks := f.Webhooks(store, f.Projects(store), f.WebhookQueue())
	f.ServeSchedule(app.Sweep(s, &webhooks))
}
