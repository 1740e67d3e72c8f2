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
	b := f.Backend()
	q := f.JobsQueue()
	projects := f.Projects(b)
	records := f.Records(b, projects, q)
	tasks := f.Tasks(b, f.TaskQueue(), projects, records)
	s := sweep.Service{
		Store:     b.Sweep,
		Queue:     q,
		Jobs:      f.Jobs(b, projects, q),
		Messages:  f.Messages(b, q, nil),
		Imports:   sweep.FailFunc(records.FailImport),
		TaskQueue: tasks.Queue,
		Tasks:     tasks,
		Now:       f.Now,
		Logger:    f.Logger,
	}
	webhooks := f.Webhooks(b, projects, f.WebhookQueue())
	f.ServeSchedule(app.Sweep(s, &webhooks, f.Watcher(b, webhooks)))
}
