// Command messages is the Lambda that stores injected messages and queues them.
package main

import "github.com/parcelgate/parcelgate/internal/app"

func main() { app.StartAPIFunction("messages", false) }
