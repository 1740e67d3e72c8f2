// Command tracker is the Lambda that searches the caller's requests and messages.
package main

import "github.com/parcelgate/parcelgate/internal/app"

func main() { app.StartAPIFunction("tracker", false) }
