// Command dead-letter is the Lambda that reads the dead-letter queue and
// marks the work whose retries ran out as FAILED.
package main

import "github.com/parcelgate/parcelgate/internal/app"

func main() { app.StartQueueFunction("dead-letter") }
