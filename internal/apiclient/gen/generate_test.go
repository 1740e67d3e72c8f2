package gen

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGeneratedClientIsFresh runs this package's go:generate line (the
// pinned oapi-codegen, default options) into a temporary file and wants
// the committed client byte for byte: a document changed without
// `go generate ./internal/apiclient/gen` fails here.
func TestGeneratedClientIsFresh(t *testing.T) {
	if testing.Short() {
		t.Skip("builds oapi-codegen")
	}
	src, err := os.ReadFile("generate.go")
	if err != nil {
		t.Fatal(err)
	}
	var args []string
	for line := range strings.Lines(string(src)) {
		if rest, ok := strings.CutPrefix(line, "//go:generate "); ok {
			args = strings.Fields(rest)
		}
	}
	if len(args) < 2 || args[0] != "go" {
		t.Fatalf("generate.go has no go:generate line running go: %q", args)
	}
	// Run in a directory of its own (the configuration names the output
	// file), with the document's path made absolute.
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(".")); err != nil {
		t.Fatal(err)
	}
	doc, err := filepath.Abs(args[len(args)-1])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "client.gen.go")); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(args[0], append(args[1:len(args)-1], doc)...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	fresh, err := os.ReadFile(filepath.Join(dir, "client.gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile("client.gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fresh, committed) {
		t.Fatal("client.gen.go differs from what the API document generates: run go generate ./internal/apiclient/gen and commit the result")
	}
}
