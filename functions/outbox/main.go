// Command outbox is the Lambda that takes report outbox requests (weavy-compatible), queues them for the report worker, and serves their status and
// documents.
package main

import (
	"github.com/parcelgate/parcelgate/internal/app"
	"github.com/parcelgate/parcelgate/internal/httpapi"
)

func main() {
	f := app.Begin("outbox")
	b := f.Backend()
	records := f.Records(b, f.Projects(b), nil)
	f.ServeAPI(&httpapi.API{Verifier: f.Verifier(), Revocations: f.Revocations(b), Outbox: f.Outbox(b, f.ReportQueue(), records)})
}
