// Command job-query is the Lambda that serves job status, job reports, a
// project's tracking numbers and its delivery analytics. It only reads:
// it has no queue.
package main

import (
	"github.com/parcelgate/parcelgate/internal/app"
	"github.com/parcelgate/parcelgate/internal/httpapi"
)

func main() {
	f := app.Begin("job-query")
	store := f.Store()
	projects := f.Projects(store)
	jobs := f.Jobs(store, projects, nil)
	f.ServeAPI(&httpapi.API{Verifier: f.Verifier(), Revocations: f.Revocations(store), Jobs: jobs, Analytics: f.Analytics(store, projects)})
}
