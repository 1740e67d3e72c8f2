// Command messages is the Lambda that stores injected messages and queues
// them; the processor applies them.
package main

import (
	"github.com/parcelgate/parcelgate/internal/app"
	"github.com/parcelgate/parcelgate/internal/httpapi"
)

func main() {
	f := app.Begin("messages")
	b := f.Backend()
	messages := f.Messages(b, f.JobsQueue(), nil)
	f.ServeAPI(&httpapi.API{Verifier: f.Verifier(), Revocations: f.Revocations(b), Messages: messages})
}
