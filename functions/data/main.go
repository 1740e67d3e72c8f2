// Command data is the Lambda that serves the ERP/CRM data exchange (weavy-compatible): entities, records, retrieval, export validation, accounts and
// processing tasks (queued for the task worker).
package main

import (
	"github.com/parcelgate/parcelgate/internal/app"
	"github.com/parcelgate/parcelgate/internal/httpapi"
)

func main() {
	f := app.Begin("data")
	store := f.Store()
	projects := f.Projects(store)
	records := f.Records(store, projects, f.JobsQueue())
	f.ServeAPI(&httpapi.API{
		Verifier: f.Verifier(), Revocations: f.Revocations(store),
		Data:     records,
		Accounts: f.Accounts(store, projects),
		Tasks:    f.Tasks(store, f.TaskQueue(), projects, records),
	})
}
