// Command data is the Lambda that serves the ERP/CRM data exchange (weavy-compatible): entities, records, retrieval, export validation, accounts and
// processing tasks (queued for the task worker).
package main

import (
	"github.com/parcelgate/parcelgate/internal/app"
	"github.com/parcelgate/parcelgate/internal/httpapi"
)

func main() {
	f := app.Begin("data")
	b := f.Backend()
	projects := f.Projects(b)
	records := f.Records(b, projects, f.JobsQueue())
	f.ServeAPI(&httpapi.API{
		Verifier: f.Verifier(), Revocations: f.Revocations(b),
		Data:     records,
		Accounts: f.Accounts(b, projects),
		Tasks:    f.Tasks(b, f.TaskQueue(), projects, records),
	})
}
