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
	b := f.Backend()
	projects := f.Projects(b)
	jobs := f.Jobs(b, projects, nil)
	f.ServeAPI(&httpapi.API{Verifier: f.Verifier(), Revocations: f.Revocations(b), Jobs: jobs, Analytics: f.Analytics(b, projects)})
}
