//go:build integration

package httpapi_test

import (
	"os"
	"testing"

	"github.com/parcelgate/parcelgate/internal/apitest"
)

func TestMain(m *testing.M) {
	apitest.RequireStack()
	os.Exit(m.Run())
}
