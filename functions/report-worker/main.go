// Command report-worker is the Lambda that generates the report outbox's
// PDF reports, archives them and mails them with SES.
package main

import "github.com/parcelgate/parcelgate/internal/app"

func main() { app.StartQueueFunction("report-worker") }
