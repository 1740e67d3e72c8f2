//go:build integration

package systemtest

// Emulator-only: TestMain requires the local stack.

import (
	"flag"
	"os"
	"testing"

	"github.com/parcelgate/parcelgate/internal/apitest"
)

// TestMain runs a few more tests at once than the default of one per
// core: over the emulators they mostly wait on DynamoDB Local, the SQS
// emulator and webhook retry delays. Not many more: DynamoDB Local is one
// process, and past about four tests at once on two cores it answers the
// heaviest requests (imports of a thousand rows) after the API's 10-s
// deadline. -parallel given on the command line wins.
func TestMain(m *testing.M) {
	apitest.RequireStack()
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given {
		if err := flag.Set("test.parallel", "4"); err != nil {
			panic(err)
		}
	}
	os.Exit(m.Run())
}
