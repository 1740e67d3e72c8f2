// Command report-worker is the Lambda that generates the report outbox's
// PDF reports, archives them and mails them with SES.
package main

import "github.com/parcelgate/parcelgate/internal/app"

func main() {
	f := app.Begin("report-worker")
	store := f.Store()
	f.ServeQueue(app.RunReports(f.Reports(store, f.Records(store, f.Projects(store), nil)), f.Logger))
}
