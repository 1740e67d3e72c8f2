//go:build integration

package dynamo

import (
	"testing"

	"github.com/parcelgate/parcelgate/internal/webhook"
	"github.com/parcelgate/parcelgate/internal/webhook/webhooktest"
)

// One table serves the suite: each test uses a fresh project and days of
// its own.
func TestExpiriesContract(t *testing.T) {
	s := newStore(t)
	webhooktest.RunExpiry(t, func(*testing.T) (webhook.ExpiryStore, webhooktest.Associations) { return s.Expiries, s.Jobs })
}
