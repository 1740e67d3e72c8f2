package job_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/memory"
)

// memJobs is embedded under a name of its own: its field would hide
// its Jobs method.
type memJobs = memory.Jobs

// abandoning records what Fail asks the store to settle, and fails it
// while fail is set.
type abandoning struct {
	*memJobs
	asked [][]string
	fail  error
}

func (a *abandoning) Abandon(ctx context.Context, j job.Job, numbers []string) error {
	a.asked = append(a.asked, numbers)
	if a.fail != nil {
		return a.fail
	}
	return a.memJobs.Abandon(ctx, j, numbers)
}

// A started job given up on has its numbers settled before it is
// FAILED (an ADD's submitted numbers, normalised; a REMOVE's decided
// removals); while that fails the job stays open for the next attempt.
// A job never started wrote nothing and settles nothing.
func TestFailSettlesAStartedJobsNumbersFirst(t *testing.T) {
	ctx := context.Background()
	e := newEnv()
	store := &abandoning{memJobs: e.store}
	e.svc.Store = store
	start := func(j job.Job) {
		t.Helper()
		running, from := j.Start(e.now)
		if _, err := store.Start(ctx, running, from...); err != nil {
			t.Fatal(err)
		}
	}

	idle := e.submitted(t, "")
	if err := e.svc.Fail(ctx, idle.ID, "gave up"); err != nil || len(store.asked) != 0 {
		t.Fatalf("a job never started: %v, settled %v", err, store.asked)
	}

	added, err := e.svc.Submit(ctx, caller, "p", job.Submission{Action: job.Add, Items: []job.Item{{TrackingNumber: "1z999aa1 0123456784"}, {TrackingNumber: "bogus"}}})
	if err != nil {
		t.Fatal(err)
	}
	start(added)
	store.fail = errors.New("table down")
	if err := e.svc.Fail(ctx, added.ID, "gave up"); !errors.Is(err, store.fail) || e.stored(t, added.ID).Status != job.InProgress {
		t.Fatalf("Fail while the store is down: %v, job %s", err, e.stored(t, added.ID).Status)
	}
	store.fail = nil
	if err := e.svc.Fail(ctx, added.ID, "gave up"); err != nil || e.stored(t, added.ID).Status != job.Failed {
		t.Fatalf("Fail: %v, job %s", err, e.stored(t, added.ID).Status)
	}
	if want := []string{"1Z999AA10123456784", "BOGUS"}; !slices.Equal(store.asked[1], want) {
		t.Fatalf("an ADD settled %v, want %v", store.asked[1], want)
	}

	e.now = e.now.Add(time.Minute)
	removed, err := e.svc.Submit(ctx, caller, "p", job.Submission{Action: job.Remove, Items: []job.Item{{TrackingNumber: "1Z999AA10123456784"}, {TrackingNumber: "bogus"}}})
	if err != nil {
		t.Fatal(err)
	}
	start(removed)
	if err := store.SaveResults(ctx, removed, []job.Result{{TrackingNumber: "1Z999AA10123456784", Outcome: job.Removed}, {TrackingNumber: "bogus", Outcome: job.Invalid}}); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Fail(ctx, removed.ID, "gave up"); err != nil {
		t.Fatal(err)
	}
	if want := []string{"1Z999AA10123456784"}; !slices.Equal(store.asked[2], want) {
		t.Fatalf("a REMOVE settled %v, want %v", store.asked[2], want)
	}
}
