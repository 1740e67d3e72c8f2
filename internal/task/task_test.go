package task_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/data"
	"github.com/parcelgate/parcelgate/internal/input"
	"github.com/parcelgate/parcelgate/internal/memory"
	"github.com/parcelgate/parcelgate/internal/project"
	"github.com/parcelgate/parcelgate/internal/task"
)

var (
	admin  = project.Caller{ClientID: "acme", PrincipalID: "ann"}
	viewer = project.Caller{ClientID: "acme", PrincipalID: "vic"}
)

// recordingQueue keeps the tasks sent, and fails while err is set.
type recordingQueue struct {
	sent []string
	err  error
}

func (q *recordingQueue) EnqueueTask(_ context.Context, projectID, taskID string) error {
	if q.err != nil {
		return q.err
	}
	q.sent = append(q.sent, projectID+"/"+taskID)
	return nil
}

// projects is a project service over memory with project p1, whose
// admin is ann and viewer vic.
func projects(t *testing.T) project.Service {
	t.Helper()
	ctx := context.Background()
	ps := project.Service{Store: &memory.Projects{}, Now: func() time.Time { return clock }, NewID: func() string { return "p1" }}
	m, err := ps.Create(ctx, admin, "Tasks")
	if err != nil {
		t.Fatal(err)
	}
	if err := ps.Store.PutMember(ctx, m.Project, project.Member{ProjectID: "p1", PrincipalID: viewer.PrincipalID, Role: project.Viewer, AddedAt: clock}, ""); err != nil {
		t.Fatal(err)
	}
	return ps
}

func done(context.Context, task.Task) (task.Counts, string, error) {
	return task.Counts{Read: 1, Changed: 1}, "", nil
}

type taskEnv struct {
	svc   task.Service
	store *memory.Tasks
	queue *recordingQueue
	now   time.Time
}

func newTaskEnv(t *testing.T) *taskEnv {
	e := &taskEnv{store: &memory.Tasks{}, queue: &recordingQueue{}, now: clock}
	n := 0
	e.svc = task.Service{Store: e.store, Queue: e.queue, Projects: projects(t),
		Runners: map[string]task.Runner{"renew": done, "refresh": done},
		Now:     func() time.Time { return e.now },
		NewID:   func() string { n++; return fmt.Sprintf("t%d", n) },
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil))}
	return e
}

func ids(ts []task.Task) string {
	var out []string
	for _, t := range ts {
		out = append(out, t.ID+":"+t.Code)
	}
	return strings.Join(out, " ")
}

func TestCreateQueuesOneTaskPerCodeNotPending(t *testing.T) {
	ctx := context.Background()
	e := newTaskEnv(t)
	got, err := e.svc.Create(ctx, admin, "p1", []string{"renew", "refresh", "renew"})
	if err != nil {
		t.Fatal(err)
	}
	if ids(got) != "t1:renew t2:refresh" || strings.Join(e.queue.sent, " ") != "p1/t1 p1/t2" {
		t.Fatalf("created %s, sent %v; want one task per code, each sent", ids(got), e.queue.sent)
	}
	if got[0].Status != task.Queued || !got[0].CreatedAt.Equal(clock) || got[0].SweepAt.IsZero() {
		t.Errorf("task %+v, want QUEUED now with a deadline", got[0])
	}
	again, err := e.svc.Create(ctx, admin, "p1", []string{"renew"})
	if err != nil || len(again) != 0 {
		t.Fatalf("a pending code asked again: %s, %v; want nothing created", ids(again), err)
	}
	e.now = clock.Add(task.StaleAfter + time.Second)
	stale, err := e.svc.Create(ctx, admin, "p1", []string{"renew"})
	if err != nil || ids(stale) != "t4:renew" {
		t.Fatalf("a code pending past StaleAfter: %s, %v; want a new task", ids(stale), err)
	}
}

func TestATaskThatCannotBeQueuedIsNotKept(t *testing.T) {
	ctx := context.Background()
	e := newTaskEnv(t)
	e.queue.err = errors.New("queue down")
	if _, err := e.svc.Create(ctx, admin, "p1", []string{"renew"}); !errors.Is(err, e.queue.err) {
		t.Fatalf("Create: %v, want the queue's error", err)
	}
	if _, err := e.store.Task(ctx, "p1", "t1"); !errors.Is(err, task.ErrNotFound) {
		t.Errorf("the task not queued is kept: %v", err)
	}
	e.queue.err = nil
	if got, err := e.svc.Create(ctx, admin, "p1", []string{"renew"}); err != nil || len(got) != 1 {
		t.Errorf("the code after a failed send: %s, %v; want a task", ids(got), err)
	}
}

func TestCreateRefusesBadCallsWithoutQueueing(t *testing.T) {
	many := make([]string, task.MaxCodes+1)
	for i := range many {
		many[i] = "renew"
	}
	tests := []struct {
		name   string
		caller project.Caller
		p      string
		codes  []string
		field  string
		want   error
	}{
		{"no codes", admin, "p1", nil, "(body)", nil},
		{"too many codes", admin, "p1", many, "(body)", nil},
		{"an unknown code", admin, "p1", []string{"renew", "explode"}, "[1].code", nil},
		{"a project id too long", admin, strings.Repeat("p", data.MaxIDBytes+1), []string{"renew"}, "projectId", nil},
		{"a viewer", viewer, "p1", []string{"renew"}, "", project.ErrForbidden},
		{"an unknown project", admin, "p2", []string{"renew"}, "", project.ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newTaskEnv(t)
			_, err := e.svc.Create(context.Background(), tc.caller, tc.p, tc.codes)
			var bad *input.Error
			switch {
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Fatalf("Create: %v, want %v", err, tc.want)
			case tc.want == nil && (!errors.As(err, &bad) || bad.Field != tc.field):
				t.Fatalf("Create: %v, want an input error on %s", err, tc.field)
			}
			if len(e.queue.sent) != 0 {
				t.Errorf("sent %v", e.queue.sent)
			}
		})
	}
}

func TestGetAndListShowTheProjectsTasksToAnyRole(t *testing.T) {
	ctx := context.Background()
	e := newTaskEnv(t)
	created, err := e.svc.Create(ctx, admin, "p1", []string{"renew", "refresh"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.svc.Get(ctx, viewer, "p1", created[1].ID)
	if err != nil || got.Code != "refresh" {
		t.Fatalf("Get: %+v, %v", got, err)
	}
	for _, id := range []string{"", strings.Repeat("t", data.MaxIDBytes+1), "t404"} {
		if _, err := e.svc.Get(ctx, viewer, "p1", id); !errors.Is(err, task.ErrNotFound) {
			t.Errorf("Get %.10q: %v, want task.ErrNotFound", id, err)
		}
	}
	list, _, err := e.svc.List(ctx, viewer, "p1", "", 10)
	if err != nil || len(list) != 2 {
		t.Fatalf("List: %s, %v; want both tasks", ids(list), err)
	}
	if _, _, err := e.svc.List(ctx, admin, "p2", "", 10); !errors.Is(err, project.ErrNotFound) {
		t.Errorf("List of an unknown project: %v", err)
	}
	if _, err := e.svc.Get(ctx, admin, "p2", "t1"); !errors.Is(err, project.ErrNotFound) {
		t.Errorf("Get in an unknown project: %v", err)
	}
	if codes := e.svc.Codes(); strings.Join(codes, ",") != "refresh,renew" {
		t.Errorf("codes %v, want sorted", codes)
	}
}

func TestRunOutcomes(t *testing.T) {
	errBoom := errors.New("boom")
	failing := func(context.Context, task.Task) (task.Counts, string, error) { return task.Counts{}, "", errBoom }
	tests := []struct {
		name    string
		code    string
		runner  task.Runner
		last    bool
		wantErr error
		status  task.Status
		message string
	}{
		{"a task that runs to its end is COMPLETED", "renew", done, false, nil, task.Completed, ""},
		{"a failure before the last delivery is retried", "renew", failing, false, errBoom, task.Running, ""},
		{"a failure on the last delivery is FAILED", "renew", failing, true, nil, task.Failed, "the task failed on every attempt: boom"},
		{"a code without a runner fails on the last delivery", "gone", nil, true, nil, task.Failed, `the task failed on every attempt: no runner for task code "gone"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			e := newTaskEnv(t)
			if tc.runner != nil {
				e.svc.Runners[tc.code] = tc.runner
			}
			tk := task.Task{ID: "t1", ProjectID: "p1", Code: tc.code, Status: task.Queued, CreatedAt: clock, SweepAt: clock.Add(time.Hour)}
			if err := e.store.CreateTask(ctx, tk, clock.Add(-task.StaleAfter)); err != nil {
				t.Fatal(err)
			}
			if err := e.svc.Run(ctx, "p1", "t1", tc.last); !errors.Is(err, tc.wantErr) {
				t.Fatalf("Run: %v, want %v", err, tc.wantErr)
			}
			got, _ := e.store.Task(ctx, "p1", "t1")
			if got.Status != tc.status || got.Error != tc.message {
				t.Fatalf("task %s %q, want %s %q", got.Status, got.Error, tc.status, tc.message)
			}
			// A redelivery of a task that ended changes nothing.
			if tc.status == task.Completed || tc.status == task.Failed {
				if err := e.svc.Run(ctx, "p1", "t1", false); err != nil {
					t.Fatal(err)
				}
				if again, _ := e.store.Task(ctx, "p1", "t1"); again != got {
					t.Errorf("an ended task changed: %+v", again)
				}
			}
		})
	}
}

func TestRunDropsAMessageForNoTask(t *testing.T) {
	e := newTaskEnv(t)
	if err := e.svc.Run(context.Background(), "p1", "t404", true); err != nil {
		t.Errorf("Run of no task: %v", err)
	}
}

// An invocation short of time queues the rest of the task rather than
// start a page it may not finish.
func TestRunOutOfTimeQueuesTheRest(t *testing.T) {
	e := newTaskEnv(t)
	ran := false
	e.svc.Runners["renew"] = func(context.Context, task.Task) (task.Counts, string, error) {
		ran = true
		return task.Counts{}, "", nil
	}
	tk := task.Task{ID: "t1", ProjectID: "p1", Code: "renew", Status: task.Queued, CreatedAt: clock}
	if err := e.store.CreateTask(context.Background(), tk, clock.Add(-task.StaleAfter)); err != nil {
		t.Fatal(err)
	}
	// A deadline already past: no page fits before it.
	ctx, cancel := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel()
	if err := e.svc.Run(ctx, "p1", "t1", false); err != nil {
		t.Fatal(err)
	}
	got, _ := e.store.Task(context.Background(), "p1", "t1")
	if ran || got.Status != task.Running || strings.Join(e.queue.sent, " ") != "p1/t1" {
		t.Errorf("ran %v, task %s, sent %v; want no page run, RUNNING and the task queued again", ran, got.Status, e.queue.sent)
	}
}

// moved is a task store on which every page is saved by another delivery
// first.
type moved struct{ task.Store }

func (moved) SaveProgress(context.Context, task.Task, string) error { return task.ErrMoved }

func TestADeliveryThatLostThePageToAnotherStops(t *testing.T) {
	ctx := context.Background()
	e := newTaskEnv(t)
	pages := 0
	e.svc.Store = moved{e.store}
	e.svc.Runners["renew"] = func(context.Context, task.Task) (task.Counts, string, error) {
		pages++
		return task.Counts{Read: 1}, "next", nil
	}
	tk := task.Task{ID: "t1", ProjectID: "p1", Code: "renew", Status: task.Queued, CreatedAt: clock}
	if err := e.store.CreateTask(ctx, tk, clock.Add(-task.StaleAfter)); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Run(ctx, "p1", "t1", false); err != nil || pages != 1 {
		t.Errorf("Run: %v after %d pages, want it to stop after the page another delivery saved", err, pages)
	}
}
