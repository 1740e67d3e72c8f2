package memory

import (
	"testing"

	"github.com/parcelgate/parcelgate/internal/edd"
	"github.com/parcelgate/parcelgate/internal/edd/eddtest"
)

func TestWatchContract(t *testing.T) {
	eddtest.RunWatches(t, func(*testing.T) edd.WatchStore { return &Watches{} })
}
