// Command tracking is the Lambda that serves the public tracking resource.
package main

import "github.com/parcelgate/parcelgate/internal/app"

func main() { app.StartAPIFunction("tracking", false) }
