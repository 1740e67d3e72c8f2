// Command job-query is the Lambda that serves job status, job reports and
// a project's tracking numbers. It only reads: it has no queue.
package main

import (
	"github.com/parcelgate/parcelgate/internal/app"
	"github.com/parcelgate/parcelgate/internal/httpapi"
)

func main() {
	f := app.Begin("job-query")
	b := f.Backend()
	jobs := f.Jobs(b, f.Projects(b), nil)
	f.ServeAPI(&httpapi.API{Verifier: f.Verifier(), Revocations: f.Revocations(b), Jobs: jobs})
}
