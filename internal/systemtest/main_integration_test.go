//go:build integration

package systemtest

// Emulator-only: TestMain requires the local stack.

import (
	"os"
	"testing"

	"github.com/parcelgate/parcelgate/internal/apitest"
)

func TestMain(m *testing.M) {
	apitest.RequireStack()
	os.Exit(m.Run())
}
