package openapi

import (
	"bytes"
	"testing"
)

func TestSpecIsACopy(t *testing.T) {
	s := Spec()
	s[0] = '!'
	if bytes.Equal(s, Spec()) {
		t.Error("Spec() returned the embedded slice, callers could alter it")
	}
}
