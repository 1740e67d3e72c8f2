package memory_test

import (
	"testing"

	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/memory"
	"github.com/parcelgate/parcelgate/internal/project"
	"github.com/parcelgate/parcelgate/internal/project/projecttest"
)

func TestProjectsContract(t *testing.T) {
	projecttest.Run(t, func(*testing.T) (project.Store, auth.PrincipalStore) {
		principals := &memory.Principals{}
		return &memory.Projects{Principals: principals}, principals
	})
}
