// Command projects is the Lambda that serves projects, their members and
// their licences.
package main

import (
	"github.com/parcelgate/parcelgate/internal/app"
	"github.com/parcelgate/parcelgate/internal/httpapi"
)

func main() {
	f := app.Begin("projects")
	store := f.Store()
	projects := f.Projects(store)
	f.ServeAPI(&httpapi.API{Verifier: f.Verifier(), Projects: projects, Accounts: f.Accounts(store, projects)})
}
