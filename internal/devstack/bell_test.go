package devstack

import (
	"context"
	"testing"
	"time"
)

// A ring wakes a poller that took the bell's channel before it, even when
// it rang before the poller began to wait; a later wait needs a new ring.
func TestBellWakesPollerThatListenedBeforeTheRing(t *testing.T) {
	var b Bell
	rung := b.next()
	b.Ring()
	start := time.Now()
	sleepUnless(context.Background(), time.Minute, rung)
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("the ring did not wake the poller (slept %s)", d)
	}
	select {
	case <-b.next():
		t.Fatal("a channel taken after the ring is already closed")
	default:
	}
	var none *Bell
	if none.next() != nil {
		t.Fatal("a nil bell returns a channel")
	}
}
