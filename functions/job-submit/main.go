// Command job-submit is the Lambda that stores a tracking-number job and queues it.
package main

import "github.com/parcelgate/parcelgate/internal/app"

func main() { app.StartAPIFunction("job-submit", false) }
