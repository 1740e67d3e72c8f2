// Command sweeper is the scheduled Lambda that sends jobs and message
// requests stuck past their deadline to the queue again, marks those that
// stay stuck FAILED, rolls back abandoned imports, and records the
// tracking_number.expiring events of associations entering their last 3
// days.
package main

import (
	"github.com/parcelgate/parcelgate/internal/app"
	"github.com/parcelgate/parcelgate/internal/sweep"
)

func main() {
	f := app.Begin("sweeper")
	store := f.Store()
	q := f.JobsQueue()
	projects := f.Projects(store)
	s := sweep.Service{
		Store:    store,
		Queue:    q,
		Jobs:     f.Jobs(store, projects, q),
		Messages: f.Messages(store, q, nil),
		Imports:  sweep.FailFunc(f.Records(store, projects, q).FailImport),
		Now:      f.Now,
		Logger:   f.Logger,
	}
	webhooks := f.Webhooks(store, projects, f.WebhookQueue())
	f.ServeSchedule(app.Sweep(s, &webhooks))
}
