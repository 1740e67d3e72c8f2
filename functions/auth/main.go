// Command auth is the Lambda that issues access tokens and publishes the
// keys that verify them. Its routes are public; it signs with the private
// key it reads from SSM and reads principals and their project roles.
package main

import (
	"github.com/parcelgate/parcelgate/internal/app"
	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/httpapi"
	"github.com/parcelgate/parcelgate/internal/parameter"
)

func main() {
	f := app.Begin("auth")
	b := f.Backend()
	f.ServeAPI(&httpapi.API{
		Credentials: auth.Credentials{Store: b.Principals, Now: f.Now},
		Issuer:      f.Issuer(parameter.SSM(f.AWS())),
		JWKS:        f.JWKS(),
		Projects:    f.Projects(b),
	})
}
