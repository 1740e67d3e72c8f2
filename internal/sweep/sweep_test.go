package sweep

import (
	"strings"
	"testing"
	"time"
)

// clock is the injected time of the tests: work is judged against it,
// never against the machine's clock.
var clock = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func TestDeadlinesFollowTheStage(t *testing.T) {
	if got := Deadline(Waiting, clock); !got.Equal(clock.Add(5 * time.Minute)) {
		t.Errorf("waiting work due at %s", got)
	}
	if got := Deadline(Running, clock); !got.Equal(clock.Add(15 * time.Minute)) {
		t.Errorf("running work due at %s", got)
	}
	// A stuck job is found within one run of the schedule after its
	// deadline, and a running attempt outlives the queue's redelivery
	// (180 s visibility, 30 s processor timeout).
	if Interval > WaitLimit || RunLimit < 180*time.Second+30*time.Second {
		t.Errorf("limits %s/%s do not fit the schedule %s and the queue", WaitLimit, RunLimit, Interval)
	}
}

func TestDecideWhatIsStuck(t *testing.T) {
	queuedAt := clock
	w := Work{Kind: KindJob, ID: "j1", Due: Deadline(Waiting, queuedAt)}
	for _, c := range []struct {
		name     string
		now      time.Time
		requeues int
		want     Action
	}{
		{"just queued", queuedAt, 0, Wait},
		{"a second before its deadline", queuedAt.Add(WaitLimit - time.Second), 0, Wait},
		{"at its deadline", queuedAt.Add(WaitLimit), 0, Requeue},
		{"long past its deadline", queuedAt.Add(time.Hour), 0, Requeue},
		{"sent again once", queuedAt.Add(WaitLimit), 1, Requeue},
		{"sent again up to the limit but one", queuedAt.Add(WaitLimit), MaxRequeues - 1, Requeue},
		{"sent again the most times", queuedAt.Add(WaitLimit), MaxRequeues, GiveUp},
		{"sent again the most times, not due yet", queuedAt, MaxRequeues, Wait},
	} {
		w.Requeues = c.requeues
		if got := Decide(w, c.now); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// Work whose attempts keep coming is not stuck: each start moves the
// deadline, and only silence for RunLimit after the last one counts.
func TestRunningWorkIsStuckOnlyAfterSilence(t *testing.T) {
	started := clock
	retried := started.Add(3 * time.Minute) // the queue delivered it again
	w := Work{Kind: KindMessages, ID: "r1", Due: Deadline(Running, retried)}
	if Decide(w, started.Add(RunLimit)) != Wait {
		t.Error("stuck 15 minutes after the first attempt although a second one began since")
	}
	if Decide(w, retried.Add(RunLimit)) != Requeue {
		t.Error("not stuck 15 minutes after its last attempt")
	}
}

// The sweeper gives up after a bounded number of sends, whatever the
// schedule: a requeue sets the next deadline WaitLimit later.
func TestGiveUpAfterBoundedSweeps(t *testing.T) {
	now := clock
	w := Work{Kind: KindJob, ID: "j1", Due: Deadline(Waiting, now)}
	sweeps := 0
	for ; sweeps < 100; sweeps++ {
		now = now.Add(Interval)
		switch Decide(w, now) {
		case Requeue:
			w.Requeues++
			w.Due = Deadline(Waiting, now)
		case GiveUp:
			if w.Requeues != MaxRequeues {
				t.Fatalf("gave up after %d sends", w.Requeues)
			}
			if elapsed := now.Sub(clock); elapsed > time.Duration(MaxRequeues+1)*(WaitLimit+Interval) {
				t.Fatalf("gave up only after %s", elapsed)
			}
			if r := GiveUpReason(w); !strings.Contains(r, "3 times") {
				t.Fatalf("reason %q", r)
			}
			return
		}
	}
	t.Fatalf("still not given up after %d sweeps", sweeps)
}
