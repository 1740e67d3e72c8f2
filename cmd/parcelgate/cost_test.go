package main

import (
	"context"
	"testing"
)

func TestCostAndSimulateRefuseBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"cost", "--projects", "4"},
		{"cost", "--projects", "0"},
		{"cost", "--events", "-1"},
		{"cost", "--reads", "x"},
		{"simulate", "--rates", "abc"},
		{"simulate", "--rates", "0"},
		{"simulate", "--rates", "10000,"},
		{"simulate", "--rates", "2e6"},
		{"simulate", "--template", "no-such-template.yaml"},
	} {
		if code := runCommand(context.Background(), args); code == 0 {
			t.Errorf("%v exited 0", args)
		}
	}
}
