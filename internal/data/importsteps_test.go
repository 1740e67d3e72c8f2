package data

import "testing"

// The recorded count of chunk-steps reads back as every chunk of one step
// before the next step: references first, read locks released last.
func TestApplyStepAtRunsEachStepOverEveryChunk(t *testing.T) {
	var got []string
	for done := range 3 * 2 {
		step, chunk, ok := ApplyStepAt(done, 2)
		if !ok {
			t.Fatalf("step %d of 6 is past the end", done)
		}
		got = append(got, string(step)+" "+string(rune('0'+chunk)))
	}
	want := []string{"references 0", "references 1", "records 0", "records 1", "reads released 0", "reads released 1"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("steps %v, want %v", got, want)
		}
	}
	if _, _, ok := ApplyStepAt(6, 2); ok {
		t.Error("an applied import has a step left")
	}
	if _, _, ok := ApplyStepAt(0, 0); ok {
		t.Error("an import without chunks has a step")
	}
}
