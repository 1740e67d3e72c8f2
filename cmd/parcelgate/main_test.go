package main

import (
	"context"
	"testing"
)

// `parcelgate <cmd> --help` prints the usage and exits 0, and starts
// nothing (dev and stack-up would otherwise start the stack).
func TestHelpExitsZeroForEveryCommand(t *testing.T) {
	for name := range commands {
		for _, flag := range []string{"--help", "-h"} {
			args := []string{name, flag}
			if name == "stack" {
				args = []string{name, flag, "--", "false"}
			}
			if code := runCommand(context.Background(), args); code != 0 {
				t.Errorf("parcelgate %s %s exited %d", name, flag, code)
			}
		}
	}
	if code := runCommand(context.Background(), []string{"client", "create", "--help"}); code != 0 {
		t.Errorf("client create --help exited %d", code)
	}
	if code := runCommand(context.Background(), []string{"--help"}); code != 0 {
		t.Errorf("--help exited %d", code)
	}
	if code := runCommand(context.Background(), []string{"nonsense"}); code != 2 {
		t.Errorf("an unknown command exited %d, want 2", code)
	}
}
