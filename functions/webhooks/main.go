// Command webhooks is the Lambda that serves a project's webhook
// endpoints, their attempts and replays, and the event feed; replays go
// to the webhook queue.
package main

import (
	"github.com/parcelgate/parcelgate/internal/app"
	"github.com/parcelgate/parcelgate/internal/httpapi"
)

func main() {
	f := app.Begin("webhooks")
	b := f.Backend()
	webhooks := f.Webhooks(b, f.Projects(b), f.WebhookQueue())
	f.ServeAPI(&httpapi.API{Verifier: f.Verifier(), Revocations: f.Revocations(b), Webhooks: webhooks})
}
