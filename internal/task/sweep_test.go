package task_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/memory"
	"github.com/parcelgate/parcelgate/internal/sweep"
	"github.com/parcelgate/parcelgate/internal/task"
)

// clock is the injected time of the tests.
var clock = time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)

type noQueue struct{}

func (noQueue) EnqueueTask(context.Context, string, string) error { return nil }

func service(store task.Store, runner task.Runner, now *time.Time) task.Service {
	return task.Service{Store: store, Queue: noQueue{}, Runners: map[string]task.Runner{"renew": runner}, Now: func() time.Time { return *now }}
}

func queued(t *testing.T, store task.Store, now time.Time) task.Task {
	t.Helper()
	tk := task.Task{ID: "t1", ProjectID: "p1", Code: "renew", Status: task.Queued, CreatedAt: now, SweepAt: sweep.Deadline(sweep.Waiting, now)}
	if err := store.CreateTask(context.Background(), tk, now.Add(-task.StaleAfter)); err != nil {
		t.Fatal(err)
	}
	return tk
}

// storedTask reads t1 back; a read that fails fails the test, so two
// failed reads cannot compare equal.
func storedTask(t *testing.T, store task.Store) task.Task {
	t.Helper()
	tk, err := store.Task(context.Background(), "p1", "t1")
	if err != nil {
		t.Fatalf("task t1: %v", err)
	}
	return tk
}

// A running task is alive as long as pages are saved: each one moves its
// deadline RunLimit past the save, and the end takes it off the sweep.
func TestRunMovesTheDeadlineWithEveryPage(t *testing.T) {
	store := &memory.Tasks{}
	now := clock
	var seen []time.Time
	runner := func(ctx context.Context, tk task.Task) (task.Counts, string, error) {
		cur, err := store.Task(ctx, tk.ProjectID, tk.ID)
		if err != nil {
			return task.Counts{}, "", err
		}
		seen = append(seen, cur.SweepAt)
		now = now.Add(time.Minute)
		if tk.Cursor == "" {
			return task.Counts{Read: 1}, "page2", nil
		}
		return task.Counts{Read: 1}, "", nil
	}
	s := service(store, runner, &now)
	queued(t, store, clock)
	if err := s.Run(context.Background(), "p1", "t1", false); err != nil {
		t.Fatal(err)
	}
	want := []time.Time{clock.Add(task.RunLimit), clock.Add(time.Minute + task.RunLimit)}
	if len(seen) != 2 || !seen[0].Equal(want[0]) || !seen[1].Equal(want[1]) {
		t.Fatalf("deadlines seen by the pages %v, want %v", seen, want)
	}
	done := storedTask(t, store)
	if done.Status != task.Completed || !done.SweepAt.IsZero() || done.Counts.Read != 2 {
		t.Fatalf("task %+v", done)
	}
}

// The sweeper gives up on a task only as it found it: a task that a
// delivery started since (its deadline moved) is spared, one still due
// is FAILED and frees its code, and one that ended stays as it ended.
func TestFailStuckFailsOnlyATaskStillDue(t *testing.T) {
	ctx := context.Background()
	store := &memory.Tasks{}
	now := clock.Add(time.Hour)
	s := service(store, nil, &now)
	tk := queued(t, store, clock)
	found := sweep.Work{Kind: sweep.KindTask, ProjectID: "p1", ID: "t1", Due: tk.SweepAt, Requeues: sweep.MaxRequeues}

	started := tk
	started.SweepAt = now.Add(task.RunLimit)
	if err := store.StartTask(ctx, started, now); err != nil {
		t.Fatal(err)
	}
	if err := s.FailStuck(ctx, found, "lost"); !errors.Is(err, sweep.ErrMoved) {
		t.Fatalf("failing a task started since it was found: %v, want sweep.ErrMoved", err)
	}
	if got := storedTask(t, store); got.Status != task.Running {
		t.Fatalf("spared task is %s", got.Status)
	}

	found.Due = started.SweepAt
	if err := s.FailStuck(ctx, found, "lost by the queue"); err != nil {
		t.Fatal(err)
	}
	got := storedTask(t, store)
	if got.Status != task.Failed || got.Error != "lost by the queue" || !got.FinishedAt.Equal(now) || !got.SweepAt.IsZero() {
		t.Fatalf("failed task %+v", got)
	}
	if err := s.FailStuck(ctx, found, "again"); err != nil {
		t.Fatalf("failing an ended task: %v", err)
	}
	if again := storedTask(t, store); again != got {
		t.Fatalf("an ended task changed: %+v", again)
	}
	next := task.Task{ID: "t2", ProjectID: "p1", Code: "renew", Status: task.Queued, CreatedAt: now}
	if err := store.CreateTask(ctx, next, now.Add(-task.StaleAfter)); err != nil {
		t.Fatalf("the failed task's code is still taken: %v", err)
	}
	if err := s.FailStuck(ctx, sweep.Work{Kind: sweep.KindTask, ProjectID: "p1", ID: "t404", Due: now}, "lost"); err != nil {
		t.Fatalf("failing a task that is gone: %v", err)
	}
}
