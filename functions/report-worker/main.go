// Command report-worker is the Lambda that generates the report outbox's
// PDF reports, archives them and mails them with SES.
package main

import (
	"github.com/parcelgate/parcelgate/internal/app"
	"github.com/parcelgate/parcelgate/internal/awsclient"
	"github.com/parcelgate/parcelgate/internal/mail"
	"github.com/parcelgate/parcelgate/internal/report/pdf"
)

func main() {
	f := app.Begin("report-worker")
	b := f.Backend()
	records := f.Records(b, f.Projects(b), nil)
	f.ServeQueue(app.RunReports(f.Reports(b, records, pdf.Renderer{}, mail.New(f.AWS(), awsclient.Options{})), f.Logger))
}
