// Command tracking is the Lambda that serves the public tracking resource
// and the tracking page, with estimated deliveries: no token, reads only.
package main

import (
	"github.com/parcelgate/parcelgate/internal/app"
	"github.com/parcelgate/parcelgate/internal/httpapi"
	"github.com/parcelgate/parcelgate/internal/tracking"
	"github.com/parcelgate/parcelgate/internal/trackpage"
)

func main() {
	f := app.Begin("tracking")
	b := f.Backend()
	f.ServeAPI(&httpapi.API{Tracking: tracking.Service{Store: b.Tracking}, Estimates: f.Estimator(b), Pages: trackpage.Pages{}})
}
