// Command outbox is the Lambda that takes report outbox requests (seed
// 002) and serves their status and documents.
package main

import "github.com/parcelgate/parcelgate/internal/app"

func main() { app.StartAPIFunction("outbox", false) }
