// Command outbox is the Lambda that takes report outbox requests (weavy-compatible), queues them for the report worker, and serves their status and
// documents.
package main

import (
	"github.com/parcelgate/parcelgate/internal/app"
	"github.com/parcelgate/parcelgate/internal/httpapi"
)

func main() {
	f := app.Begin("outbox")
	store := f.Store()
	records := f.Records(store, f.Projects(store), nil)
	f.ServeAPI(&httpapi.API{Verifier: f.Verifier(), Revocations: f.Revocations(store), Outbox: f.Outbox(store, f.ReportQueue(), records)})
}
