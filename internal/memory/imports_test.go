package memory_test

import (
	"testing"

	"github.com/parcelgate/parcelgate/internal/data"
	"github.com/parcelgate/parcelgate/internal/data/importtest"
	"github.com/parcelgate/parcelgate/internal/memory"
)

func TestImportsKeepTheImportStoreContract(t *testing.T) {
	importtest.Run(t, func(*testing.T) (data.ImportStore, importtest.Seed) {
		m := &memory.Imports{}
		return m, m.SaveRecord
	})
}
