package memory_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/data"
	"github.com/parcelgate/parcelgate/internal/memory"
	"github.com/parcelgate/parcelgate/internal/sweep"
	"github.com/parcelgate/parcelgate/internal/sweep/sweeptest"
)

// The index is fed by the job, request and task stores of one backend,
// as the table's index is by their items.
func TestSweepContract(t *testing.T) {
	sweeptest.Run(t, func(*testing.T) (sweep.Store, sweeptest.Work) {
		b := memory.NewBackend()
		return b.Sweep, sweeptest.Stores{Jobs: b.Jobs, Requests: b.Requests, Tasks: b.Tasks}
	})
}

// A staged import is open work until it ends, due RunLimit after it was
// staged as the table's transaction record is; a requeue moves it once.
func TestSweepHoldsStagedImportsUntilTheyEnd(t *testing.T) {
	ctx := context.Background()
	b := memory.NewBackend()
	staged := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	if err := b.Imports.StageImport(ctx, data.Import{ID: "i1", CreatedAt: staged}, data.Plan{}); err != nil {
		t.Fatal(err)
	}
	due := sweep.Deadline(sweep.Running, staged)
	open, err := b.Sweep.Due(ctx, due, 10)
	if err != nil || len(open) != 1 || open[0] != (sweep.Work{Kind: sweep.KindImport, ID: "i1", Due: due}) {
		t.Fatalf("due = %+v, %v; want the staged import", open, err)
	}
	next := due.Add(sweep.WaitLimit)
	if err := b.Sweep.ClaimRequeue(ctx, open[0], next); err != nil {
		t.Fatal(err)
	}
	if err := b.Sweep.ClaimRequeue(ctx, open[0], next); !errors.Is(err, sweep.ErrMoved) {
		t.Fatalf("second claim: %v, want ErrMoved", err)
	}
	if open, _ := b.Sweep.Due(ctx, next, 10); len(open) != 1 || open[0].Requeues != 1 || !open[0].Due.Equal(next) {
		t.Fatalf("after the requeue: %+v", open)
	}
	if _, err := b.Imports.RunImport(ctx, "i1", time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if open, _ := b.Sweep.Due(ctx, next.Add(time.Hour), 10); len(open) != 0 {
		t.Fatalf("an ended import is still open: %+v", open)
	}
}
