package memory

import (
	"testing"

	"github.com/parcelgate/parcelgate/internal/webhook"
	"github.com/parcelgate/parcelgate/internal/webhook/webhooktest"
)

func TestWebhooksContract(t *testing.T) {
	webhooktest.Run(t, func(*testing.T) webhook.Store { return &Webhooks{} })
}
