// Command sweeper is the scheduled Lambda that sends jobs, message
// requests and processing tasks stuck past their deadline to their queue
// again, marks those that stay stuck FAILED, rolls back abandoned
// imports, records the tracking_number.expiring events of associations
// entering their last 3 days, and the tracking.stalled and tracking.late
// events of followed parcels.
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
	records := f.Records(store, projects, q)
	tasks := f.Tasks(store, f.TaskQueue(), projects, records)
	s := sweep.Service{
		Store:     store,
		Queue:     q,
		Jobs:      f.Jobs(store, projects, q),
		Messages:  f.Messages(store, q, nil),
		Imports:   sweep.FailFunc(records.FailImport),
		TaskQueue: tasks.Queue,
		Tasks:     tasks,
		Now:       f.Now,
		Logger:    f.Logger,
	}
	webhooks := f.Webhooks(store, projects, f.WebhookQueue())
	f.ServeSchedule(app.Sweep(s, &webhooks, f.Watcher(store, webhooks)))
}
