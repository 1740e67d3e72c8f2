// Command projects is the Lambda that serves projects, their members and
// their licences, and the client's credentials to its owners.
package main

import (
	"github.com/parcelgate/parcelgate/internal/app"
	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/httpapi"
)

func main() {
	f := app.Begin("projects")
	store := f.Store()
	projects := f.Projects(store)
	f.ServeAPI(&httpapi.API{
		Verifier: f.Verifier(), Revocations: f.Revocations(store), Projects: projects, Accounts: f.Accounts(store, projects),
		Credentials: auth.Credentials{Store: store.Principals, Now: f.Now},
	})
}
