// Command sweeper is the scheduled Lambda that sends jobs and message
// requests stuck past their deadline to the queue again, and marks those
// that stay stuck FAILED.
package main

import "github.com/parcelgate/parcelgate/internal/app"

func main() { app.StartScheduledFunction("sweeper") }
