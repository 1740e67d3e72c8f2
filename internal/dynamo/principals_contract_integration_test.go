//go:build integration

package dynamo

import (
	"testing"

	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/auth/authtest"
)

func TestPrincipalsContract(t *testing.T) {
	s := newStore(t)
	authtest.Run(t, func(*testing.T) auth.PrincipalStore { return s.Principals })
}
