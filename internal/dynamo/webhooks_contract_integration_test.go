//go:build integration

package dynamo

import (
	"testing"

	"github.com/parcelgate/parcelgate/internal/webhook"
	"github.com/parcelgate/parcelgate/internal/webhook/webhooktest"
)

// One table serves the suite: each test uses fresh ids.
func TestWebhooksContract(t *testing.T) {
	s := newStore(t)
	webhooktest.Run(t, func(*testing.T) webhook.Store { return s.Webhooks })
}
