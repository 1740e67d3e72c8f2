// Command tracker is the Lambda that searches the caller's requests and messages.
package main

import (
	"github.com/parcelgate/parcelgate/internal/app"
	"github.com/parcelgate/parcelgate/internal/httpapi"
	"github.com/parcelgate/parcelgate/internal/tracker"
)

func main() {
	f := app.Begin("tracker")
	b := f.Backend()
	f.ServeAPI(&httpapi.API{Verifier: f.Verifier(), Revocations: f.Revocations(b), Tracker: tracker.Service{Store: b.Requests, Now: f.Now}})
}
