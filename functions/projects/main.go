// Command projects is the Lambda that serves projects and their members.
package main

import (
	"github.com/parcelgate/parcelgate/internal/app"
	"github.com/parcelgate/parcelgate/internal/httpapi"
)

func main() {
	f := app.Begin("projects")
	store := f.Store()
	f.ServeAPI(&httpapi.API{Verifier: f.Verifier(), Projects: f.Projects(store)})
}
