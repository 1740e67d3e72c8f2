package eddsim

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// figure is a number as the tables print it, or the dash of a level no
// estimate had.
var figure = regexp.MustCompile(`[0-9][0-9.,]*%?|–`)

// shape is a table with its figures blanked: two tables of the same
// shape differ in their figures only.
func shape(s string) string { return figure.ReplaceAllString(s, "#") }

// The README shows the figures of `parcelgate edd evaluate` on memory and
// on the emulators in the form the command writes them (make bench
// rewrites them: a full run takes a minute or more, too long for a test
// to check the figures themselves).
func TestREADMEShowsTheEvaluationAsTheCommandWritesIt(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	run := smallRun(t)
	for store, name := range map[string]string{"memory": MemoryBackend().Name, "dynamo": "the DynamoDB emulator"} {
		got, ok := Block(string(readme), store)
		if !ok {
			t.Errorf("README.md has no block for %s between %q", store, func() string { b, e := ReadmeBlock(store); return b + e }())
			continue
		}
		var want bytes.Buffer
		if err := run.Markdown(&want, name); err != nil {
			t.Fatal(err)
		}
		if shape(got) != shape(want.String()) {
			t.Errorf("README.md's %s block is not what `parcelgate edd evaluate --store %s --readme README.md` writes:\n%s\nwant the form of:\n%s", store, store, got, want.String())
		}
	}
}
