package memory_test

import (
	"testing"

	"github.com/parcelgate/parcelgate/internal/memory"
	"github.com/parcelgate/parcelgate/internal/outbox"
	"github.com/parcelgate/parcelgate/internal/outbox/outboxtest"
)

func TestOutboxContract(t *testing.T) {
	outboxtest.Run(t, func(*testing.T) outbox.Store { return &memory.Outbox{} })
}
