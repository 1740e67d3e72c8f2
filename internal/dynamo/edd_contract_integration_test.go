//go:build integration

package dynamo

import (
	"testing"

	"github.com/parcelgate/parcelgate/internal/edd"
	"github.com/parcelgate/parcelgate/internal/edd/eddtest"
)

// One table serves the suite: each test uses fresh projects.
func TestEddContract(t *testing.T) {
	s := newStore(t)
	eddtest.Run(t, func(*testing.T) edd.Store { return s.Edd })
}
