package openapi

import (
	"bytes"
	"testing"
)

func TestLoad(t *testing.T) {
	doc, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi = %q, want 3.0.3", doc.OpenAPI)
	}
}

func TestSpecIsACopy(t *testing.T) {
	s := Spec()
	s[0] = '!'
	if bytes.Equal(s, Spec()) {
		t.Error("Spec() returned the embedded slice, callers could alter it")
	}
}
