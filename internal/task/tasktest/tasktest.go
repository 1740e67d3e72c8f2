// Package tasktest is the contract of task.Store: one suite that every
// implementation (in memory, DynamoDB) must pass.
package tasktest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/page"
	"github.com/parcelgate/parcelgate/internal/storetest"
	"github.com/parcelgate/parcelgate/internal/sweep"
	"github.com/parcelgate/parcelgate/internal/task"
)

// base is the tests' clock; its nanoseconds show that times keep their
// precision.
var base = time.Date(2026, 11, 30, 9, 15, 0, 123456789, time.UTC)

// Run runs the contract suite against the stores newStore makes. Stores
// may be shared between tests: every test uses a project of its own.
func Run(t *testing.T, newStore func(t *testing.T) task.Store) {
	tests := []struct {
		name string
		run  func(t *testing.T, s task.Store, projectID string)
	}{
		{"CreatedTaskIsReadBack", createdTaskIsReadBack},
		{"ACodeHasOneTaskPending", aCodeHasOneTaskPending},
		{"ConcurrentCreatesOfOneCodeQueueOne", concurrentCreatesOfOneCodeQueueOne},
		{"AStalePendingTaskIsTakenOver", aStalePendingTaskIsTakenOver},
		{"StartingFreesTheCodeAndKeepsTheFirstStart", startingFreesTheCodeAndKeepsTheFirstStart},
		{"ProgressIsSavedFromTheCursorRead", progressIsSavedFromTheCursorRead},
		{"ATaskFinishesOnce", aTaskFinishesOnce},
		{"AFailedTaskKeepsItsError", aFailedTaskKeepsItsError},
		{"DeletingATaskFreesItsCode", deletingATaskFreesItsCode},
		{"TasksListNewestFirst", tasksListNewestFirst},
		{"AnOpenTaskKeepsItsDeadlineUntilItEnds", anOpenTaskKeepsItsDeadlineUntilItEnds},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.run(t, newStore(t), storetest.ID("p-"))
		})
	}
}

// newTask is a queued task, due for the sweeper as the service queues
// it; ids sort in creation order, as the service's time-ordered ids do.
func newTask(projectID string, n int, code string) task.Task {
	created := base.Add(time.Duration(n) * time.Second)
	return task.Task{ID: fmt.Sprintf("t%03d", n), ProjectID: projectID, Code: code, Status: task.Queued, CreatedAt: created,
		SweepAt: sweep.Deadline(sweep.Waiting, created)}
}

func create(t *testing.T, s task.Store, tk task.Task) {
	t.Helper()
	if err := s.CreateTask(context.Background(), tk, tk.CreatedAt.Add(-task.StaleAfter)); err != nil {
		t.Fatalf("create %s: %v", tk.ID, err)
	}
}

func read(t *testing.T, s task.Store, tk task.Task) task.Task {
	t.Helper()
	got, err := s.Task(context.Background(), tk.ProjectID, tk.ID)
	if err != nil {
		t.Fatalf("task %s: %v", tk.ID, err)
	}
	return got
}

func createdTaskIsReadBack(t *testing.T, s task.Store, projectID string) {
	tk := newTask(projectID, 1, "renew")
	create(t, s, tk)
	if got := read(t, s, tk); got != tk {
		t.Fatalf("task = %+v, want %+v", got, tk)
	}
	if _, err := s.Task(context.Background(), projectID, "t404"); !errors.Is(err, task.ErrNotFound) {
		t.Errorf("unknown task: %v, want ErrNotFound", err)
	}
	if _, err := s.Task(context.Background(), projectID+"-other", tk.ID); !errors.Is(err, task.ErrNotFound) {
		t.Errorf("the task in another project: %v, want ErrNotFound", err)
	}
}

func aCodeHasOneTaskPending(t *testing.T, s task.Store, projectID string) {
	ctx := context.Background()
	create(t, s, newTask(projectID, 1, "renew"))
	second := newTask(projectID, 2, "renew")
	if err := s.CreateTask(ctx, second, second.CreatedAt.Add(-task.StaleAfter)); !errors.Is(err, task.ErrPending) {
		t.Fatalf("second task of the code: %v, want ErrPending", err)
	}
	if _, err := s.Task(ctx, projectID, second.ID); !errors.Is(err, task.ErrNotFound) {
		t.Fatalf("the refused task was stored: %v", err)
	}
	create(t, s, newTask(projectID, 3, "refresh"))
	create(t, s, newTask(projectID+"-other", 4, "renew"))
}

func concurrentCreatesOfOneCodeQueueOne(t *testing.T, s task.Store, projectID string) {
	ctx := context.Background()
	const callers = 20
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			tk := newTask(projectID, i, "renew")
			tk.CreatedAt = base
			errs[i] = s.CreateTask(ctx, tk, base.Add(-task.StaleAfter))
		})
	}
	wg.Wait()
	created := 0
	for i, err := range errs {
		switch {
		case err == nil:
			created++
		case !errors.Is(err, task.ErrPending):
			t.Fatalf("caller %d: %v, want ErrPending", i, err)
		}
	}
	tasks, _, err := s.Tasks(ctx, projectID, "", callers)
	if err != nil {
		t.Fatal(err)
	}
	if created != 1 || len(tasks) != 1 {
		t.Fatalf("%d calls succeeded and %d tasks are stored; want one", created, len(tasks))
	}
}

func aStalePendingTaskIsTakenOver(t *testing.T, s task.Store, projectID string) {
	ctx := context.Background()
	lost := newTask(projectID, 1, "renew")
	create(t, s, lost)
	later := newTask(projectID, 2, "renew")
	later.CreatedAt = lost.CreatedAt.Add(task.StaleAfter + time.Second)
	create(t, s, later)
	// The lost task, delivered at last, must not free the newer one's code.
	if err := s.StartTask(ctx, lost, later.CreatedAt); err != nil {
		t.Fatal(err)
	}
	third := newTask(projectID, 3, "renew")
	third.CreatedAt = later.CreatedAt
	if err := s.CreateTask(ctx, third, third.CreatedAt.Add(-task.StaleAfter)); !errors.Is(err, task.ErrPending) {
		t.Fatalf("a task while the newer one waits: %v, want ErrPending", err)
	}
}

func startingFreesTheCodeAndKeepsTheFirstStart(t *testing.T, s task.Store, projectID string) {
	ctx := context.Background()
	tk := newTask(projectID, 1, "renew")
	create(t, s, tk)
	first := base.Add(time.Minute)
	if err := s.StartTask(ctx, tk, first); err != nil {
		t.Fatal(err)
	}
	// A redelivery starts it again; the first start stays.
	if err := s.StartTask(ctx, tk, first.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	got := read(t, s, tk)
	if got.Status != task.Running || !got.StartedAt.Equal(first) {
		t.Fatalf("started task = %+v; want RUNNING since %s", got, first)
	}
	// A task asked for while one runs is queued.
	create(t, s, newTask(projectID, 2, "renew"))
	if err := s.StartTask(ctx, newTask(projectID, 404, "renew"), first); !errors.Is(err, task.ErrMoved) {
		t.Errorf("starting an unknown task: %v, want ErrMoved", err)
	}
}

func progressIsSavedFromTheCursorRead(t *testing.T, s task.Store, projectID string) {
	ctx := context.Background()
	tk := newTask(projectID, 1, "renew")
	create(t, s, tk)
	tk.Cursor, tk.Counts = "page2", task.Counts{Read: 100, Changed: 7, Skipped: 3}
	if err := s.SaveProgress(ctx, tk, ""); !errors.Is(err, task.ErrMoved) {
		t.Fatalf("progress of a task not started: %v, want ErrMoved", err)
	}
	if err := s.StartTask(ctx, tk, base); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveProgress(ctx, tk, ""); err != nil {
		t.Fatal(err)
	}
	// Another delivery that read the first page's cursor is too late.
	stale := tk
	stale.Cursor, stale.Counts = "page2-again", task.Counts{Read: 1}
	if err := s.SaveProgress(ctx, stale, ""); !errors.Is(err, task.ErrMoved) {
		t.Fatalf("progress from a passed cursor: %v, want ErrMoved", err)
	}
	got := read(t, s, tk)
	if got.Cursor != "page2" || got.Counts != tk.Counts {
		t.Fatalf("progress = %q %+v, want page2 %+v", got.Cursor, got.Counts, tk.Counts)
	}
	next := tk
	next.Cursor, next.Counts = "page3", task.Counts{Read: 200, Changed: 9, Skipped: 3}
	if err := s.SaveProgress(ctx, next, "page2"); err != nil {
		t.Fatal(err)
	}
	if got := read(t, s, tk); got.Cursor != "page3" || got.Counts != next.Counts {
		t.Fatalf("progress = %q %+v, want page3 %+v", got.Cursor, got.Counts, next.Counts)
	}
}

func aTaskFinishesOnce(t *testing.T, s task.Store, projectID string) {
	ctx := context.Background()
	tk := newTask(projectID, 1, "renew")
	create(t, s, tk)
	if err := s.StartTask(ctx, tk, base); err != nil {
		t.Fatal(err)
	}
	done := tk
	done.Status, done.FinishedAt, done.Cursor, done.Counts = task.Completed, base.Add(time.Minute), "", task.Counts{Read: 5, Changed: 5}
	if err := s.FinishTask(ctx, done, "elsewhere"); !errors.Is(err, task.ErrMoved) {
		t.Fatalf("finish from another cursor: %v, want ErrMoved", err)
	}
	if err := s.FinishTask(ctx, done, ""); err != nil {
		t.Fatal(err)
	}
	got := read(t, s, tk)
	if got.Status != task.Completed || !got.FinishedAt.Equal(done.FinishedAt) || got.Counts != done.Counts || !got.StartedAt.Equal(base) {
		t.Fatalf("finished task = %+v", got)
	}
	again := done
	again.Status, again.Error = task.Failed, "too late"
	if err := s.FinishTask(ctx, again, ""); !errors.Is(err, task.ErrMoved) {
		t.Errorf("finishing twice: %v, want ErrMoved", err)
	}
	if err := s.SaveProgress(ctx, done, ""); !errors.Is(err, task.ErrMoved) {
		t.Errorf("progress of a finished task: %v, want ErrMoved", err)
	}
	if err := s.StartTask(ctx, done, base); !errors.Is(err, task.ErrMoved) {
		t.Errorf("starting a finished task: %v, want ErrMoved", err)
	}
	if got := read(t, s, tk); got.Status != task.Completed || got.Error != "" {
		t.Errorf("task after refused changes = %+v", got)
	}
}

func aFailedTaskKeepsItsError(t *testing.T, s task.Store, projectID string) {
	ctx := context.Background()
	tk := newTask(projectID, 1, "renew")
	create(t, s, tk)
	// The queue's last delivery fails a task that never started.
	failed := tk
	failed.Status, failed.FinishedAt, failed.Error = task.Failed, base.Add(time.Hour), "the task failed on every attempt"
	if err := s.FinishTask(ctx, failed, ""); err != nil {
		t.Fatal(err)
	}
	got := read(t, s, tk)
	if got.Status != task.Failed || got.Error != failed.Error || !got.FinishedAt.Equal(failed.FinishedAt) || !got.StartedAt.IsZero() {
		t.Fatalf("failed task = %+v", got)
	}
	// Its code is free again.
	create(t, s, newTask(projectID, 2, "renew"))
}

func deletingATaskFreesItsCode(t *testing.T, s task.Store, projectID string) {
	ctx := context.Background()
	tk := newTask(projectID, 1, "renew")
	create(t, s, tk)
	if err := s.DeleteTask(ctx, tk); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Task(ctx, projectID, tk.ID); !errors.Is(err, task.ErrNotFound) {
		t.Fatalf("deleted task: %v, want ErrNotFound", err)
	}
	create(t, s, newTask(projectID, 2, "renew"))
	// Deleting a task that is not the pending one leaves the pending one.
	if err := s.DeleteTask(ctx, tk); err != nil {
		t.Fatal(err)
	}
	third := newTask(projectID, 3, "renew")
	if err := s.CreateTask(ctx, third, third.CreatedAt.Add(-task.StaleAfter)); !errors.Is(err, task.ErrPending) {
		t.Fatalf("a task while another waits: %v, want ErrPending", err)
	}
}

func tasksListNewestFirst(t *testing.T, s task.Store, projectID string) {
	ctx := context.Background()
	var want []string
	for n := 1; n <= 5; n++ {
		create(t, s, newTask(projectID, n, fmt.Sprint("code", n)))
		want = append([]string{fmt.Sprintf("t%03d", n)}, want...)
	}
	create(t, s, newTask(projectID+"-other", 6, "code1"))
	var got []string
	cursor := ""
	for range 10 {
		tasks, next, err := s.Tasks(ctx, projectID, cursor, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(tasks) > 2 {
			t.Fatalf("a page of %d tasks for limit 2", len(tasks))
		}
		for _, tk := range tasks {
			got = append(got, tk.ID)
		}
		if next == "" {
			break
		}
		if _, _, err := s.Tasks(ctx, projectID+"-other", next, 2); !errors.Is(err, page.ErrBadCursor) {
			t.Fatalf("a cursor used on another project: %v, want ErrBadCursor", err)
		}
		cursor = next
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("tasks %v, want %v", got, want)
	}
	if _, _, err := s.Tasks(ctx, projectID, "forged", 2); !errors.Is(err, page.ErrBadCursor) {
		t.Errorf("forged cursor: %v, want ErrBadCursor", err)
	}
}

// The sweeper judges an open task by its deadline: every start and every
// saved page moves it, a refused change leaves it, and the end clears it.
func anOpenTaskKeepsItsDeadlineUntilItEnds(t *testing.T, s task.Store, projectID string) {
	ctx := context.Background()
	tk := newTask(projectID, 1, "renew")
	tk.Requeues = 2
	create(t, s, tk)
	if got := read(t, s, tk); !got.SweepAt.Equal(tk.SweepAt) || got.Requeues != 2 {
		t.Fatalf("queued task due %s after %d sends, want %s after 2", got.SweepAt, got.Requeues, tk.SweepAt)
	}
	started := tk
	started.SweepAt = base.Add(task.RunLimit)
	if err := s.StartTask(ctx, started, base); err != nil {
		t.Fatal(err)
	}
	if got := read(t, s, tk); !got.SweepAt.Equal(started.SweepAt) {
		t.Fatalf("started task due %s, want %s", got.SweepAt, started.SweepAt)
	}
	saved := started
	saved.Cursor, saved.Counts, saved.SweepAt = "page2", task.Counts{Read: 100}, base.Add(time.Minute+task.RunLimit)
	if err := s.SaveProgress(ctx, saved, ""); err != nil {
		t.Fatal(err)
	}
	late := saved
	late.Cursor, late.SweepAt = "page2-again", base.Add(time.Hour+task.RunLimit)
	if err := s.SaveProgress(ctx, late, ""); !errors.Is(err, task.ErrMoved) {
		t.Fatalf("progress from a passed cursor: %v, want ErrMoved", err)
	}
	if got := read(t, s, tk); !got.SweepAt.Equal(saved.SweepAt) || got.Requeues != 2 {
		t.Fatalf("task due %s after %d sends, want %s after 2", got.SweepAt, got.Requeues, saved.SweepAt)
	}
	done := saved
	done.Status, done.FinishedAt, done.Cursor = task.Completed, base.Add(2*time.Minute), ""
	if err := s.FinishTask(ctx, done, "page2"); err != nil {
		t.Fatal(err)
	}
	if got := read(t, s, tk); !got.SweepAt.IsZero() {
		t.Fatalf("finished task still due at %s", got.SweepAt)
	}
}
