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
	store := f.Store()
	webhooks := f.Webhooks(store, f.Projects(store), f.WebhookQueue())
	f.ServeAPI(&httpapi.API{Verifier: f.Verifier(), Revocations: f.Revocations(store), Webhooks: webhooks})
}
