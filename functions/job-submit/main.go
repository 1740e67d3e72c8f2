// Command job-submit is the Lambda that stores a tracking-number job and
// queues it: without the jobs queue it does not start.
package main

import (
	"github.com/parcelgate/parcelgate/internal/app"
	"github.com/parcelgate/parcelgate/internal/httpapi"
)

func main() {
	f := app.Begin("job-submit")
	store := f.Store()
	jobs := f.Jobs(store, f.Projects(store), f.JobsQueue())
	f.ServeAPI(&httpapi.API{Verifier: f.Verifier(), Revocations: f.Revocations(store), Jobs: jobs})
}
