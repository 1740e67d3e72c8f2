// Command task-worker is the Lambda that runs the processing tasks of the
// task queue (seed 002): renewSubscriptions and refreshShipments.
package main

import "github.com/parcelgate/parcelgate/internal/app"

func main() { app.StartQueueFunction("task-worker") }
