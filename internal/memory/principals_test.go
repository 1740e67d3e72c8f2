package memory_test

import (
	"testing"

	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/auth/authtest"
	"github.com/parcelgate/parcelgate/internal/memory"
)

func TestPrincipalsContract(t *testing.T) {
	authtest.Run(t, func(*testing.T) auth.PrincipalStore { return &memory.Principals{} })
}
