// Command tracker is the Lambda that searches the caller's requests and messages.
package main

import (
	"github.com/parcelgate/parcelgate/internal/app"
	"github.com/parcelgate/parcelgate/internal/httpapi"
	"github.com/parcelgate/parcelgate/internal/tracker"
)

func main() {
	f := app.Begin("tracker")
	store := f.Store()
	f.ServeAPI(&httpapi.API{Verifier: f.Verifier(), Revocations: f.Revocations(store), Tracker: tracker.Service{Store: store.Requests, Now: f.Now}})
}
