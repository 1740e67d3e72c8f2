// Command webhooks is the Lambda that serves a project's webhook
// endpoints, their attempts and replays, and the event feed.
package main

import "github.com/parcelgate/parcelgate/internal/app"

func main() { app.StartAPIFunction("webhooks", false) }
