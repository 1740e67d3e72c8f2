package systemtest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/apitest"
	"github.com/parcelgate/parcelgate/internal/queue"
	"github.com/parcelgate/parcelgate/internal/sweep"
	"github.com/parcelgate/parcelgate/internal/task"
)

// Processing tasks (weavy-compatible) whose queue message is lost are the
// sweeper's, as jobs and message requests are: sent again past their
// deadline, failed after sweep.MaxRequeues sends, never run twice.

// lostTasks is a task queue that loses what it is sent, as when the
// call dies between storing the task and sending it.
func lostTasks() queue.Tasks { return queue.Tasks(apitest.Lost()) }

// taskProject is a data project of a principal whose token can be
// renewed: the tests move the clock past a token's hour.
func taskProject(t *testing.T, e *apitest.Env) (base string, token func() string) {
	t.Helper()
	id, secret := e.Principal(t, "acme")
	token = func() string { return e.TokenFor(t, id, secret) }
	var p projectOut
	e.Call(t, "POST", "/v1/projects", token(), map[string]string{"name": "erp"}).Want(t, 201).JSON(t, &p)
	base = "/v1/data/" + p.ProjectID
	// Shipments without a tracking number: a refresh reads and skips them.
	for _, code := range []string{"S-1", "S-2", "S-3"} {
		e.Call(t, "POST", base+"/shipment", token(), map[string]any{"shipment_ID": code}).Want(t, 201)
	}
	return base, token
}

func getTask(t *testing.T, e *apitest.Env, base, token, id string) taskOut {
	t.Helper()
	var got taskOut
	e.Call(t, "GET", base+"/tasks/"+id, token, nil).Want(t, 200).JSON(t, &got)
	return got
}

func TestSweeperRunsTaskWhoseMessageWasLost(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	base, token := taskProject(t, e)
	e.API.Tasks.Queue = lostTasks()
	created := createTasks(t, e, base, token(), "refreshShipments")[0]

	// Within the limit the task may still be on its way: nothing is sent.
	e.Advance(sweep.WaitLimit - time.Second)
	if rep := sweepOnce(t, e); rep != (sweep.Report{}) {
		t.Fatalf("sweep before the deadline: %+v", rep)
	}
	if got := getTask(t, e, base, token(), created.TaskID); got.Status != "QUEUED" {
		t.Fatalf("task %s; its message was lost, it must still be QUEUED", got.Status)
	}
	// A second call for the code while it waits creates nothing.
	if again := createTasks(t, e, base, token(), "refreshShipments"); len(again) != 0 {
		t.Fatalf("created %+v while the lost task is pending", again)
	}
	e.Advance(2 * time.Second)
	if rep := sweepOnce(t, e); rep != (sweep.Report{Requeued: 1}) {
		t.Fatalf("sweep past the deadline: %+v", rep)
	}
	done := waitTask(t, e, base, token(), created.TaskID)
	if done.Status != "COMPLETED" || done.Counts.Read != 3 || done.Counts.Skipped != 3 || done.Error != nil {
		t.Fatalf("task %+v", done)
	}
	if open := openWork(t, e); len(open) != 0 {
		t.Fatalf("finished task still open: %+v", open)
	}
	e.Advance(time.Hour)
	if rep := sweepOnce(t, e); rep != (sweep.Report{}) {
		t.Fatalf("sweep after completion: %+v", rep)
	}
}

// A task whose delivery began and then vanished with its message stays
// RUNNING; it is sent again once task.RunLimit passed without a new
// delivery or a saved page, not sooner: the task queue's own retries come
// up to 35 minutes apart.
func TestSweeperSendsAgainTaskStuckRunning(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	base, token := taskProject(t, e)
	e.API.Tasks.Queue = lostTasks()
	created := createTasks(t, e, base, token(), "refreshShipments")[0]
	e.Advance(time.Minute)
	ctx := context.Background()
	stored, err := e.API.Tasks.Store.Task(ctx, strings.TrimPrefix(base, "/v1/data/"), created.TaskID)
	if err != nil {
		t.Fatal(err)
	}
	started := e.Clock()
	stored.SweepAt = started.Add(task.RunLimit)
	if err := e.API.Tasks.Store.StartTask(ctx, stored, started); err != nil {
		t.Fatal(err)
	}
	e.Advance(sweep.RunLimit + sweep.WaitLimit)
	if rep := sweepOnce(t, e); rep != (sweep.Report{}) {
		t.Fatalf("a task running for %s was swept: %+v", sweep.RunLimit+sweep.WaitLimit, rep)
	}
	e.Advance(task.RunLimit - sweep.RunLimit - sweep.WaitLimit)
	if rep := sweepOnce(t, e); rep != (sweep.Report{Requeued: 1}) {
		t.Fatalf("sweep past the deadline: %+v", rep)
	}
	done := waitTask(t, e, base, token(), created.TaskID)
	// The first start stays; the API speaks milliseconds.
	if done.Status != "COMPLETED" || done.Counts.Read != 3 || done.StartedAt == nil || done.StartedAt.Sub(started).Abs() >= time.Millisecond {
		t.Fatalf("task %+v", done)
	}
	if open := openWork(t, e); len(open) != 0 {
		t.Fatalf("finished task still open: %+v", open)
	}
}

// A task whose every send is lost is not sent forever: after MaxRequeues
// sends the next sweep marks it FAILED, and its code is free again.
func TestSweeperGivesUpOnTaskThatStaysLost(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	base, token := taskProject(t, e)
	lost := lostTasks()
	e.API.Tasks.Queue = lost
	e.App.Sweeper.TaskQueue = lost
	created := createTasks(t, e, base, token(), "renewSubscriptions")[0]
	for i := range sweep.MaxRequeues {
		e.Advance(sweep.WaitLimit)
		if rep := sweepOnce(t, e); rep != (sweep.Report{Requeued: 1}) {
			t.Fatalf("sweep %d: %+v", i+1, rep)
		}
	}
	e.Advance(sweep.WaitLimit)
	if rep := sweepOnce(t, e); rep != (sweep.Report{Failed: 1}) {
		t.Fatalf("last sweep: %+v", rep)
	}
	failed := getTask(t, e, base, token(), created.TaskID)
	if failed.Status != "FAILED" || failed.FinishedAt == nil || failed.StartedAt != nil || failed.Error == nil || !strings.Contains(*failed.Error, "lost") {
		t.Fatalf("task %+v", failed)
	}
	if open := openWork(t, e); len(open) != 0 {
		t.Fatalf("failed task still open: %+v", open)
	}
	if again := createTasks(t, e, base, token(), "renewSubscriptions"); len(again) != 1 {
		t.Fatalf("the failed task's code is still taken: %+v", again)
	}
}

// The sweeper may send a task whose first message is only slow: both
// deliveries come, and the task still runs once, its pages counted once.
func TestTaskSentAgainWhileItsMessageWaitsRunsOnce(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	base, token := taskProject(t, e)
	e.HoldTasks.Store(true)
	created := createTasks(t, e, base, token(), "refreshShipments")[0]
	e.Advance(sweep.WaitLimit)
	if rep := sweepOnce(t, e); rep != (sweep.Report{Requeued: 1}) {
		t.Fatalf("sweep: %+v", rep)
	}
	e.HoldTasks.Store(false)
	done := waitTask(t, e, base, token(), created.TaskID)
	// Both deliveries are handled before the task is read again.
	e.AwaitIdle(t)
	again := getTask(t, e, base, token(), created.TaskID)
	if done.Status != "COMPLETED" || again.Status != "COMPLETED" || again.Counts != done.Counts || again.Counts.Read != 3 || !again.FinishedAt.Equal(*done.FinishedAt) {
		t.Fatalf("task after the first delivery %+v, after both %+v", done, again)
	}
	if open := openWork(t, e); len(open) != 0 {
		t.Fatalf("finished task still open: %+v", open)
	}
}
