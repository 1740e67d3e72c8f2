package eddsim

import (
	"context"
	"testing"
	"time"
)

func TestEvaluateSmall(t *testing.T) {
	o := DefaultOptions()
	o.Parcels, o.Span = 3000, 6*7*24*time.Hour
	run, err := Evaluate(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	var b testWriter
	if err := run.Table(&b); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + string(b))
	if run.Scored == 0 || run.Delivered == 0 || run.Learned.N != run.Delivered {
		t.Fatalf("run %+v", run)
	}
}

type testWriter []byte

func (w *testWriter) Write(p []byte) (int, error) { *w = append(*w, p...); return len(p), nil }
