// Command data is the Lambda that serves the ERP/CRM data exchange (seed 002): entities, records, retrieval and export validation.
package main

import "github.com/parcelgate/parcelgate/internal/app"

func main() { app.StartAPIFunction("data", false) }
