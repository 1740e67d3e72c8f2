package memory

import (
	"testing"

	"github.com/parcelgate/parcelgate/internal/edd"
	"github.com/parcelgate/parcelgate/internal/edd/eddtest"
)

func TestEddContract(t *testing.T) {
	eddtest.Run(t, func(*testing.T) edd.Store { return &Edd{} })
}
