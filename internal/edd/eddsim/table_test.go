package eddsim

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	smallOnce sync.Once
	small     Run
	smallErr  error
)

// smallRun is a run of 3,000 parcels over six weeks on the memory
// backend, made once for the tests that need one.
func smallRun(t *testing.T) Run {
	t.Helper()
	smallOnce.Do(func() {
		o := DefaultOptions()
		o.Parcels, o.Span = 3000, 6*week
		small, smallErr = Evaluate(context.Background(), o, MemoryBackend())
	})
	if smallErr != nil {
		t.Fatal(smallErr)
	}
	return small
}

// Every confidence level gets its row and count, even one no estimate
// had; the chart is drawn.
func TestMarkdownAndChart(t *testing.T) {
	run := smallRun(t)
	var b bytes.Buffer
	if err := run.Markdown(&b, "memory"); err != nil {
		t.Fatal(err)
	}
	for _, row := range []string{"| learned | all | ", "| learned | high | ", "| learned | medium | ", "| learned | low | ", "| standard table | low | ", "| " + oracleName + " | – | "} {
		if !strings.Contains(b.String(), row) {
			t.Errorf("no row %q in\n%s", row, b.String())
		}
	}
	path := filepath.Join(t.TempDir(), "chart.svg")
	if err := run.Chart(path); err != nil {
		t.Fatal(err)
	}
	svg, err := os.ReadFile(path)
	if err != nil || !bytes.Contains(svg, []byte("<svg")) {
		t.Fatalf("chart: %v, %.100s", err, svg)
	}
	if err := (Run{}).Chart(path); err == nil {
		t.Error("a run without deliveries drew a chart")
	}
}

func TestReplaceBlock(t *testing.T) {
	begin, end := ReadmeBlock("memory")
	doc := "before\n" + begin + "old\n" + end + "\nafter\n"
	got, err := ReplaceBlock(doc, "memory", "new\n")
	if err != nil || got != "before\n"+begin+"new\n"+end+"\nafter\n" {
		t.Fatalf("%q, %v", got, err)
	}
	if b, ok := Block(got, "memory"); !ok || b != "new\n" {
		t.Fatalf("Block: %q, %v", b, ok)
	}
	for _, bad := range []string{"no markers", begin + "no end", end + begin} {
		if _, err := ReplaceBlock(bad, "memory", "x"); err == nil {
			t.Errorf("%q: replaced", bad)
		}
	}
	if _, err := ReplaceBlock(doc, "dynamo", "x"); err == nil {
		t.Error("another store's block replaced")
	}
}

// Whatever the document, ReplaceBlock either refuses it or puts the block
// between the store's first markers, keeping the rest as it was, and
// Block reads back what it put.
func FuzzReplaceBlock(f *testing.F) {
	begin, end := ReadmeBlock("memory")
	f.Add("a\n"+begin+"old\n"+end+"\nb", "new\n")
	f.Add(end+begin+"x", "y")
	f.Add(begin+begin+end+end, "")
	f.Fuzz(func(t *testing.T, doc, block string) {
		got, err := ReplaceBlock(doc, "memory", block)
		if err != nil {
			return
		}
		i := strings.Index(doc, begin)
		j := i + len(begin) + strings.Index(doc[i+len(begin):], end)
		if got != doc[:i+len(begin)]+block+doc[j:] {
			t.Fatalf("ReplaceBlock(%q, %q) = %q", doc, block, got)
		}
		if !strings.Contains(block, end) {
			if b, ok := Block(got, "memory"); !ok || b != block {
				t.Fatalf("Block(%q) = %q, %v; want %q", got, b, ok, block)
			}
		}
	})
}
