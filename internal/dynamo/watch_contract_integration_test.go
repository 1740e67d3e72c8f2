//go:build integration

package dynamo

import (
	"testing"

	"github.com/parcelgate/parcelgate/internal/edd"
	"github.com/parcelgate/parcelgate/internal/edd/eddtest"
)

// One table serves the suite: each test uses fresh numbers.
func TestWatchContract(t *testing.T) {
	s := newStore(t)
	eddtest.RunWatches(t, func(*testing.T) edd.WatchStore { return s.Watches })
}
