// Command task-worker is the Lambda that runs the processing tasks of the
// task queue (weavy-compatible): renewSubscriptions and refreshShipments. A long
// task queues its rest on the same queue.
package main

import "github.com/parcelgate/parcelgate/internal/app"

func main() {
	f := app.Begin("task-worker")
	b := f.Backend()
	projects := f.Projects(b)
	f.ServeQueue(app.RunTasks(f.Tasks(b, f.TaskQueue(), projects, f.Records(b, projects, nil)), f.Logger))
}
