//go:build integration

package dynamo

import (
	"testing"

	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/project"
	"github.com/parcelgate/parcelgate/internal/project/projecttest"
)

func TestProjectsContract(t *testing.T) {
	s := newStore(t)
	projecttest.Run(t, func(*testing.T) (project.Store, auth.PrincipalStore) { return s.Projects, s.Principals })
}
