package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Bad flags, a README without the markers and a DynamoDB run without an
// emulator's endpoint are refused before any parcel is generated.
func TestEddEvaluateRefusesBadInputBeforeRunning(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL_DYNAMODB", "")
	plain := filepath.Join(t.TempDir(), "plain.md")
	if err := os.WriteFile(plain, []byte("# no markers\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--store", "sqlite"}, "--store must be memory or dynamo"},
		{[]string{"-o", "html"}, "-o must be text or markdown"},
		{[]string{"--window", "0s"}, "--window must be"},
		{[]string{"--window", "72h"}, "--window must be"},
		{[]string{"--parcels", "5"}, "--parcels must be"},
		{[]string{"--weeks", "1"}, "--weeks must be"},
		{[]string{"extra"}, "unexpected argument"},
		{[]string{"--readme", filepath.Join(t.TempDir(), "missing.md")}, "no such file"},
		{[]string{"--readme", plain}, "no \"<!-- edd-evaluation:memory -->\""},
		{[]string{"--readme", plain, "--store", "dynamo"}, "edd-evaluation:dynamo"},
		{[]string{"--store", "dynamo"}, "needs AWS_ENDPOINT_URL_DYNAMODB"},
	} {
		err := cmdEdd(context.Background(), append([]string{"evaluate"}, c.args...))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want an error with %q", c.args, err, c.want)
		}
	}
	if b, _ := os.ReadFile(plain); string(b) != "# no markers\n" {
		t.Errorf("a refused run wrote %q", b)
	}
}
