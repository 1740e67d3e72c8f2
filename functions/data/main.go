// Command data is the Lambda that serves the ERP/CRM data exchange (seed
// 002): entities, records, retrieval and export validation.
package main

import (
	"github.com/parcelgate/parcelgate/internal/app"
	"github.com/parcelgate/parcelgate/internal/httpapi"
)

func main() {
	f := app.Begin("data")
	store := f.Store()
	f.ServeAPI(&httpapi.API{Verifier: f.Verifier(), Data: f.Records(store, f.Projects(store))})
}
