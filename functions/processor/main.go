// Command processor is the Lambda that runs queued work: it decides and
// records the outcome of every number of a tracking-number job.
package main

import "github.com/parcelgate/parcelgate/internal/app"

func main() { app.StartQueueFunction("processor") }
