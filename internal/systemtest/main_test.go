//go:build !integration

package systemtest

import (
	"flag"
	"os"
	"testing"
)

// TestMain runs more tests at once on memory than the default of one per
// core: there they mostly wait, on webhook retry delays and queue
// redeliveries, rather than compute. Not many more: the token tests
// check person-chosen secrets with bcrypt, and too many of them at once
// on a loaded machine would overrun the request deadline (a 503).
// -parallel given on the command line wins.
func TestMain(m *testing.M) {
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given {
		if err := flag.Set("test.parallel", "6"); err != nil {
			panic(err)
		}
	}
	os.Exit(m.Run())
}
