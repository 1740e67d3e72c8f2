// Command auth is the Lambda that issues access tokens and publishes the
// keys that verify them.
package main

import "github.com/parcelgate/parcelgate/internal/app"

func main() { app.StartAPIFunction("auth", true) }
