package memory

import (
	"testing"

	"github.com/parcelgate/parcelgate/internal/data"
	"github.com/parcelgate/parcelgate/internal/data/datatest"
)

func TestRecordsContract(t *testing.T) {
	datatest.Run(t, func(*testing.T) data.Store { return &Records{} })
}
