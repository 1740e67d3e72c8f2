package main

import (
	"context"
	"os"
	"path/filepath"
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

func TestCostReadsARunsMeasurement(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"not":"a list"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.json")
	if err := os.WriteFile(empty, []byte(`[]`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{bad, empty, filepath.Join(dir, "missing.json")} {
		if code := runCommand(context.Background(), []string{"cost", "--measured", path}); code == 0 {
			t.Errorf("cost --measured %s exited 0", path)
		}
	}
	if code := runCommand(context.Background(), []string{"cost", "--measured", filepath.Join("..", "..", "internal", "cost", "measured.json")}); code != 0 {
		t.Errorf("cost --measured measured.json exited %d", code)
	}
}
