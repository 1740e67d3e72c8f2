//go:build integration

package dynamo

import (
	"testing"

	"github.com/parcelgate/parcelgate/internal/outbox"
	"github.com/parcelgate/parcelgate/internal/outbox/outboxtest"
)

func TestOutboxContract(t *testing.T) {
	s := newStore(t)
	outboxtest.Run(t, func(*testing.T) outbox.Store { return s })
}
