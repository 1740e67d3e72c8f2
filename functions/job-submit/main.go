// Command job-submit is the Lambda that stores a tracking-number job and
// queues it: without the jobs queue it does not start.
package main

import (
	"github.com/parcelgate/parcelgate/internal/app"
	"github.com/parcelgate/parcelgate/internal/httpapi"
)

func main() {
	f := app.Begin("job-submit")
	b := f.Backend()
	jobs := f.Jobs(b, f.Projects(b), f.JobsQueue())
	f.ServeAPI(&httpapi.API{Verifier: f.Verifier(), Revocations: f.Revocations(b), Jobs: jobs})
}
