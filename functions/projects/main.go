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
	b := f.Backend()
	projects := f.Projects(b)
	f.ServeAPI(&httpapi.API{
		Verifier: f.Verifier(), Revocations: f.Revocations(b), Projects: projects, Accounts: f.Accounts(b, projects),
		Credentials: auth.Credentials{Store: b.Principals, Now: f.Now},
	})
}
