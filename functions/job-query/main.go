// Command job-query is the Lambda that serves job status, job reports and a project's tracking numbers.
package main

import "github.com/parcelgate/parcelgate/internal/app"

func main() { app.StartAPIFunction("job-query", false) }
