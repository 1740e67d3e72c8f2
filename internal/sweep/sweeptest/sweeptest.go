// Package sweeptest is the contract of sweep.Store: one suite that every
// implementation (in memory, DynamoDB) must pass. A sweep.Store only
// finds and requeues work; the work itself is opened and ended by the
// stores of the domains that own it, which the suite drives through Work.
package sweeptest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/sweep"
)

// Work opens and ends work through the ports of the domains that own it.
type Work interface {
	// Open stores unfinished work of w.Kind (sweep.KindJob,
	// sweep.KindMessages, or sweep.KindTask in project w.ProjectID) due
	// at w.Due and sent again w.Requeues times.
	Open(t *testing.T, w sweep.Work)
	// Finish ends the work: it is no longer the sweeper's.
	Finish(t *testing.T, w sweep.Work)
	// Owned is w (a job or a task) with the deadline and sends its own
	// store reads now.
	Owned(t *testing.T, w sweep.Work) sweep.Work
}

// base is the tests' clock; its nanoseconds show that deadlines keep
// their precision.
var base = time.Date(2026, 11, 30, 9, 15, 0, 123456789, time.UTC)

// Run runs the contract suite. newStore must return an empty store each
// time, since a sweep sees all open work, and the Work that feeds it.
func Run(t *testing.T, newStore func(t *testing.T) (sweep.Store, Work)) {
	tests := []struct {
		name string
		run  func(t *testing.T, s sweep.Store, w Work)
	}{
		{"DueListsOpenWorkPastItsDeadline", dueListsOpenWorkPastItsDeadline},
		{"FinishedWorkIsNotDue", finishedWorkIsNotDue},
		{"DueTakesAtMostTheLimit", dueTakesAtMostTheLimit},
		{"ARequeueMovesTheDeadlineOnce", aRequeueMovesTheDeadlineOnce},
		{"ConcurrentRequeuesClaimOnce", concurrentRequeuesClaimOnce},
		{"WorkNotOpenCannotBeRequeued", workNotOpenCannotBeRequeued},
		{"TasksAreDueAndRequeuedWithinTheirProject", tasksAreDueAndRequeuedWithinTheirProject},
		{"ARequeueIsSeenByTheOwnerOfTheWork", aRequeueIsSeenByTheOwnerOfTheWork},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, w := newStore(t)
			tc.run(t, s, w)
		})
	}
}

func due(t *testing.T, s sweep.Store, now time.Time, limit int) []sweep.Work {
	t.Helper()
	got, err := s.Due(context.Background(), now, limit)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// sorted orders work by id, since Due promises an order only within each
// of the store's shards.
func sorted(ws []sweep.Work) []sweep.Work {
	out := slices.Clone(ws)
	slices.SortFunc(out, func(a, b sweep.Work) int {
		return strings.Compare(a.ID+"/"+a.ProjectID, b.ID+"/"+b.ProjectID)
	})
	return out
}

func same(a, b []sweep.Work) bool {
	return slices.EqualFunc(a, b, func(x, y sweep.Work) bool {
		return x.Kind == y.Kind && x.ProjectID == y.ProjectID && x.ID == y.ID && x.Due.Equal(y.Due) && x.Requeues == y.Requeues
	})
}

func dueListsOpenWorkPastItsDeadline(t *testing.T, s sweep.Store, w Work) {
	j1 := sweep.Work{Kind: sweep.KindJob, ID: "j1", Due: base}
	m1 := sweep.Work{Kind: sweep.KindMessages, ID: "m1", Due: base.Add(30 * time.Second)}
	j2 := sweep.Work{Kind: sweep.KindJob, ID: "j2", Due: base.Add(time.Minute), Requeues: 2}
	j3 := sweep.Work{Kind: sweep.KindJob, ID: "j3", Due: base.Add(time.Hour)}
	for _, x := range []sweep.Work{j1, m1, j2, j3} {
		w.Open(t, x)
	}
	if got := due(t, s, base.Add(-time.Nanosecond), 100); len(got) != 0 {
		t.Errorf("due before any deadline: %+v", got)
	}
	// A deadline of exactly now is due.
	if got, want := sorted(due(t, s, j2.Due, 100)), []sweep.Work{j1, j2, m1}; !same(got, want) {
		t.Errorf("due = %+v\nwant %+v", got, want)
	}
	if got, want := sorted(due(t, s, j3.Due.Add(time.Hour), 100)), []sweep.Work{j1, j2, j3, m1}; !same(got, want) {
		t.Errorf("due later = %+v\nwant %+v", got, want)
	}
}

func finishedWorkIsNotDue(t *testing.T, s sweep.Store, w Work) {
	j1 := sweep.Work{Kind: sweep.KindJob, ID: "j1", Due: base}
	m1 := sweep.Work{Kind: sweep.KindMessages, ID: "m1", Due: base}
	j2 := sweep.Work{Kind: sweep.KindJob, ID: "j2", Due: base}
	for _, x := range []sweep.Work{j1, m1, j2} {
		w.Open(t, x)
	}
	w.Finish(t, j1)
	w.Finish(t, m1)
	if got := due(t, s, base.Add(time.Hour), 100); !same(got, []sweep.Work{j2}) {
		t.Fatalf("due = %+v, want j2 alone", got)
	}
}

func dueTakesAtMostTheLimit(t *testing.T, s sweep.Store, w Work) {
	open := map[string]bool{}
	for i := range 7 {
		x := sweep.Work{Kind: sweep.KindJob, ID: fmt.Sprint("j", i), Due: base.Add(time.Duration(i) * time.Second)}
		w.Open(t, x)
		open[x.ID] = true
	}
	got := due(t, s, base.Add(time.Hour), 3)
	seen := map[string]bool{}
	for _, x := range got {
		if !open[x.ID] || seen[x.ID] {
			t.Fatalf("due = %+v: not open, or twice", got)
		}
		seen[x.ID] = true
	}
	if len(got) != 3 {
		t.Fatalf("%d due for a limit of 3: %+v", len(got), got)
	}
}

func aRequeueMovesTheDeadlineOnce(t *testing.T, s sweep.Store, w Work) {
	ctx := context.Background()
	for _, x := range []sweep.Work{
		{Kind: sweep.KindJob, ID: "j1", Due: base, Requeues: 1},
		{Kind: sweep.KindMessages, ID: "m1", Due: base},
	} {
		w.Open(t, x)
		next := base.Add(sweep.WaitLimit)
		if err := s.ClaimRequeue(ctx, x, next); err != nil {
			t.Fatalf("%s: %v", x.ID, err)
		}
		// A second sweep that read the same deadline claims nothing.
		if err := s.ClaimRequeue(ctx, x, next.Add(time.Minute)); !errors.Is(err, sweep.ErrMoved) {
			t.Fatalf("%s: second claim: %v, want ErrMoved", x.ID, err)
		}
		if got := due(t, s, next.Add(-time.Nanosecond), 100); len(got) != 0 {
			t.Fatalf("%s: due before its new deadline: %+v", x.ID, got)
		}
		moved := x
		moved.Due, moved.Requeues = next, x.Requeues+1
		if got := due(t, s, next, 100); !same(got, []sweep.Work{moved}) {
			t.Fatalf("%s: due = %+v, want %+v", x.ID, got, moved)
		}
		w.Finish(t, moved)
	}
}

func concurrentRequeuesClaimOnce(t *testing.T, s sweep.Store, w Work) {
	ctx := context.Background()
	x := sweep.Work{Kind: sweep.KindJob, ID: "j1", Due: base}
	w.Open(t, x)
	const sweepers = 10
	errs := make([]error, sweepers)
	var wg sync.WaitGroup
	for i := range sweepers {
		wg.Go(func() { errs[i] = s.ClaimRequeue(ctx, x, base.Add(time.Duration(i+1)*time.Minute)) })
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Fatalf("sweepers %d and %d both claimed the requeue", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, sweep.ErrMoved):
			t.Fatalf("sweeper %d: %v, want ErrMoved", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no sweeper claimed the requeue")
	}
	want := sweep.Work{Kind: sweep.KindJob, ID: "j1", Due: base.Add(time.Duration(winner+1) * time.Minute), Requeues: 1}
	if got := due(t, s, base.Add(time.Hour), 100); !same(got, []sweep.Work{want}) {
		t.Fatalf("due = %+v, want %+v", got, want)
	}
}

func workNotOpenCannotBeRequeued(t *testing.T, s sweep.Store, w Work) {
	ctx := context.Background()
	done := sweep.Work{Kind: sweep.KindJob, ID: "j1", Due: base}
	w.Open(t, done)
	w.Finish(t, done)
	for _, x := range []sweep.Work{done, {Kind: sweep.KindJob, ID: "j404", Due: base}, {Kind: sweep.KindMessages, ID: "m404", Due: base}} {
		if err := s.ClaimRequeue(ctx, x, base.Add(time.Minute)); !errors.Is(err, sweep.ErrMoved) {
			t.Errorf("requeue of %s: %v, want ErrMoved", x.ID, err)
		}
	}
	if got := due(t, s, base.Add(time.Hour), 100); len(got) != 0 {
		t.Fatalf("a refused requeue opened work: %+v", got)
	}
}

// A task's id is unique only within its project: the sweep finds each
// task with its project, and a requeue moves that project's task alone.
func tasksAreDueAndRequeuedWithinTheirProject(t *testing.T, s sweep.Store, w Work) {
	ctx := context.Background()
	a := sweep.Work{Kind: sweep.KindTask, ProjectID: "p-a", ID: "t1", Due: base, Requeues: 1}
	b := sweep.Work{Kind: sweep.KindTask, ProjectID: "p-b", ID: "t1", Due: base.Add(time.Second)}
	j := sweep.Work{Kind: sweep.KindJob, ID: "j1", Due: base}
	for _, x := range []sweep.Work{a, b, j} {
		w.Open(t, x)
	}
	if got, want := sorted(due(t, s, b.Due, 100)), []sweep.Work{j, a, b}; !same(got, want) {
		t.Fatalf("due = %+v\nwant %+v", got, want)
	}
	next := base.Add(sweep.WaitLimit)
	if err := s.ClaimRequeue(ctx, a, next); err != nil {
		t.Fatal(err)
	}
	if err := s.ClaimRequeue(ctx, a, next.Add(time.Minute)); !errors.Is(err, sweep.ErrMoved) {
		t.Fatalf("second claim: %v, want ErrMoved", err)
	}
	// The same id in a project that has no such task is not open.
	if err := s.ClaimRequeue(ctx, sweep.Work{Kind: sweep.KindTask, ProjectID: "p-c", ID: "t1", Due: base}, next); !errors.Is(err, sweep.ErrMoved) {
		t.Fatalf("claim of a task of another project: %v, want ErrMoved", err)
	}
	w.Finish(t, b)
	moved := a
	moved.Due, moved.Requeues = next, 2
	if got, want := sorted(due(t, s, next, 100)), []sweep.Work{j, moved}; !same(got, want) {
		t.Fatalf("due = %+v\nwant %+v", got, want)
	}
}

// The index is the work's own record, not a copy: a requeue through the
// sweep store is what the job and task stores read next (the job service
// decides a replayed job's resend, and the task service a stuck task's
// failure, from their own deadline), and a requeue the sweep lost to
// another one leaves it as that one left it.
func aRequeueIsSeenByTheOwnerOfTheWork(t *testing.T, s sweep.Store, w Work) {
	ctx := context.Background()
	next := base.Add(sweep.WaitLimit)
	for _, x := range []sweep.Work{
		{Kind: sweep.KindJob, ID: "j1", Due: base, Requeues: 1},
		{Kind: sweep.KindTask, ProjectID: "p-a", ID: "t1", Due: base},
	} {
		w.Open(t, x)
		if err := s.ClaimRequeue(ctx, x, next); err != nil {
			t.Fatalf("%s: %v", x.ID, err)
		}
		moved := x
		moved.Due, moved.Requeues = next, x.Requeues+1
		if got := w.Owned(t, x); !same([]sweep.Work{got}, []sweep.Work{moved}) {
			t.Fatalf("%s after the requeue reads %+v, want %+v", x.ID, got, moved)
		}
		if err := s.ClaimRequeue(ctx, x, next.Add(time.Minute)); !errors.Is(err, sweep.ErrMoved) {
			t.Fatalf("%s: second claim: %v, want ErrMoved", x.ID, err)
		}
		if got := w.Owned(t, x); !same([]sweep.Work{got}, []sweep.Work{moved}) {
			t.Fatalf("%s after a refused requeue reads %+v, want %+v", x.ID, got, moved)
		}
	}
}
