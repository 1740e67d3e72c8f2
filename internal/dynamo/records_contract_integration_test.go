//go:build integration

package dynamo

import (
	"testing"

	"github.com/parcelgate/parcelgate/internal/data"
	"github.com/parcelgate/parcelgate/internal/data/datatest"
)

// One table serves the suite: each test uses a fresh project.
func TestRecordsContract(t *testing.T) {
	s := newStore(t)
	datatest.Run(t, func(*testing.T) data.Store { return s.Records })
}
