//go:build integration

package dynamo

import (
	"testing"

	"github.com/parcelgate/parcelgate/internal/data"
	"github.com/parcelgate/parcelgate/internal/data/importtest"
)

// One table serves every test of the suite: each uses its own project
// and import ids.
func TestImportStoreContract(t *testing.T) {
	s := newStore(t)
	importtest.Run(t, func(*testing.T) (data.ImportStore, importtest.Seed) {
		return s, s.SaveRecord
	})
}
