package outage

import (
	"context"
	"testing"
	"time"
)

// A clean-up outlives its call's context but not the answer's due time;
// without one (a worker) it gets detachLimit.
func TestDetachEndsWhenTheAnswerIsDue(t *testing.T) {
	due := time.Now().Add(time.Second)
	parent, cancel := context.WithCancel(WithAnswerBy(context.Background(), due))
	cancel()
	ctx, stop := Detach(parent)
	defer stop()
	if ctx.Err() != nil {
		t.Fatal("the clean-up was cancelled with its call")
	}
	if d, _ := ctx.Deadline(); !d.Equal(due) {
		t.Fatalf("ends %s, want %s", d, due)
	}
	worker, stop2 := Detach(context.Background())
	defer stop2()
	if d, _ := worker.Deadline(); time.Until(d) > detachLimit {
		t.Fatalf("a worker's clean-up ends %s from now", time.Until(d))
	}
}
