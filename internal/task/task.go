// Package task runs processing tasks of a project (weavy's "Event"
// tasks): a caller asks for tasks by code, each runs once through the
// task queue, and reports its status and counts.
//
// A code has at most one task waiting in the queue: asking again while
// one waits, or naming the code twice in one call, creates nothing more.
// The rule is a conditional put of a pending item per code, written with
// the task, so two concurrent calls cannot both create one. The pending
// item goes when the task starts: a task asked for while one runs is
// queued, since it may need to see changes the running one has passed.
//
// A task works through its records in pages and saves its cursor and
// counts after each, so a delivery that crashes, or a task that needs
// more than one invocation, resumes where the last saved page ended, and
// a redelivered message changes nothing more than the first.
//
// A task that is not finished is the sweeper's too (package sweep): it
// carries a deadline, WaitLimit after it was queued or sent again and
// RunLimit after its last delivery began or its last page was saved. A
// task whose message was lost (the call died between storing it and
// sending it, or the queue lost it) is found past that deadline, sent
// again, and after sweep.MaxRequeues sends marked FAILED, which frees its
// code. Sending a task twice is safe: every page is saved on the
// condition of the cursor it started from, so two deliveries never both
// count a page.
package task

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/parcelgate/parcelgate/internal/data"
	"github.com/parcelgate/parcelgate/internal/input"
	"github.com/parcelgate/parcelgate/internal/outage"
	"github.com/parcelgate/parcelgate/internal/project"
	"github.com/parcelgate/parcelgate/internal/sweep"
)

// Status is where a task is.
type Status string

// Task statuses.
const (
	Queued    Status = "QUEUED"
	Running   Status = "RUNNING"
	Completed Status = "COMPLETED"
	Failed    Status = "FAILED"
)

// Limits.
const (
	// MaxCodes bounds the codes of one call.
	MaxCodes = 20
	// TTL is how long a finished task stays listed.
	TTL = 90 * 24 * time.Hour
	// StaleAfter is how long a task may wait in the queue before a new
	// call of its code queues another: its message was lost (the queue's
	// own redelivery and retries take minutes, not this).
	StaleAfter = time.Hour
	// MaxReceives is the task queue's maxReceiveCount (template.yaml):
	// the delivery that reaches it marks the task FAILED rather than
	// leave it running forever.
	MaxReceives = 5
	// RunLimit is how long a RUNNING task may go without a new delivery
	// or a saved page before the sweeper counts its message lost. A
	// delivery runs at most 300 s (the worker's timeout) and a failed one
	// comes back 1,800 s later (the task queue's visibility timeout,
	// template.yaml): 45 minutes of silence is longer than any retry of
	// the queue's own, so the sweeper never sends a task the queue still
	// holds, and the queue's last delivery still decides a failing task.
	RunLimit = 45 * time.Minute
	// pageSize is how many records a task handles between two saves.
	pageSize = 100
	// reserve is the time an invocation keeps to save its progress and
	// queue the rest of the task before its deadline.
	reserve = 20 * time.Second
)

// Errors of the task domain.
var (
	ErrNotFound = errors.New("task not found")
	// ErrPending: a task of the code already waits in the queue.
	ErrPending = errors.New("task pending")
	// ErrMoved: the task changed since it was read (another delivery).
	ErrMoved = errors.New("task moved on")
)

// Counts say what a task did. Read counts the records it read, Changed
// those it changed (renewSubscriptions: numbers renewed;
// refreshShipments: shipments updated), Skipped those it had nothing to
// do for (delivered, no tracking number, no tracking data yet).
type Counts struct {
	Read    int
	Changed int
	Skipped int
}

func (c Counts) add(d Counts) Counts {
	return Counts{Read: c.Read + d.Read, Changed: c.Changed + d.Changed, Skipped: c.Skipped + d.Skipped}
}

// Task is one processing task.
type Task struct {
	ID         string
	ProjectID  string
	Code       string
	Status     Status
	CreatedAt  time.Time
	StartedAt  time.Time // zero until it starts
	FinishedAt time.Time // zero until it ends
	Counts     Counts
	// Error says why a FAILED task failed.
	Error string
	// Cursor is where the next page starts; "" before the first page.
	Cursor string
	// SweepAt is when the unfinished task counts as stuck (package
	// sweep); zero once it ended. Requeues counts the sweeper's sends.
	SweepAt  time.Time
	Requeues int
}

// Store persists tasks.
type Store interface {
	// CreateTask stores t, QUEUED and due at t.SweepAt, with the pending
	// item of its code, on the condition that no task of the code is
	// pending (else ErrPending) or the pending one was queued before
	// staleBefore.
	CreateTask(ctx context.Context, t Task, staleBefore time.Time) error
	// Task returns the task or ErrNotFound.
	Task(ctx context.Context, projectID, id string) (Task, error)
	// Tasks lists a project's tasks, newest first.
	Tasks(ctx context.Context, projectID, cursor string, limit int) ([]Task, string, error)
	// StartTask marks t RUNNING (from QUEUED or RUNNING), started at
	// at unless it started before, due at t.SweepAt when set, and frees
	// its code's pending item if it still names t.
	StartTask(ctx context.Context, t Task, at time.Time) error
	// SaveProgress stores t's new cursor and counts, and its deadline
	// t.SweepAt when set, if its cursor is still from; otherwise ErrMoved.
	SaveProgress(ctx context.Context, t Task, from string) error
	// FinishTask stores t COMPLETED or FAILED, no longer due, if it has
	// not ended and its cursor is still from (else ErrMoved), and frees
	// its code's pending item if it names t.
	FinishTask(ctx context.Context, t Task, from string) error
	// DeleteTask removes a task that could not be queued, and its
	// pending item.
	DeleteTask(ctx context.Context, t Task) error
}

// Queue sends a task to the task worker.
type Queue interface {
	EnqueueTask(ctx context.Context, projectID, taskID string) error
}

// Runner runs one page of a task from cursor: what it did, and the
// cursor of the next page ("" when the task is done).
type Runner func(ctx context.Context, t Task) (Counts, string, error)

// Service applies the task rules.
type Service struct {
	Store    Store
	Queue    Queue
	Projects data.Projects
	// Runners are the task codes and what they run.
	Runners map[string]Runner
	Now     func() time.Time
	NewID   func() string
	Logger  *slog.Logger
}

// Codes lists the known task codes, sorted.
func (s Service) Codes() []string {
	out := make([]string, 0, len(s.Runners))
	for c := range s.Runners {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

func (s Service) authorize(ctx context.Context, c project.Caller, projectID string, allowed func(project.Role) bool) error {
	if len(projectID) > data.MaxIDBytes {
		return &input.Error{Field: "projectId", Message: "is at most 200 bytes", Labelled: true}
	}
	_, err := s.Projects.Authorize(ctx, c, projectID, allowed)
	return err
}

// Create queues a task for each code not already pending and returns
// the tasks it created. Every code is checked before anything is queued.
func (s Service) Create(ctx context.Context, c project.Caller, projectID string, codes []string) ([]Task, error) {
	if err := s.authorize(ctx, c, projectID, project.Role.CanSubmit); err != nil {
		return nil, err
	}
	switch n := len(codes); {
	case n == 0:
		return nil, &input.Error{Field: "(body)", Message: `send 1 to 20 tasks: [{"code": "renewSubscriptions"}]`, Labelled: true}
	case n > MaxCodes:
		return nil, &input.Error{Field: "(body)", Message: fmt.Sprintf("a call takes at most %d tasks; this one has %d", MaxCodes, n), Labelled: true}
	}
	var unique []string
	for i, code := range codes {
		if _, ok := s.Runners[code]; !ok {
			return nil, &input.Error{Field: fmt.Sprintf("[%d].code", i),
				Message: fmt.Sprintf("unknown task code %q; the codes are %s", code, strings.Join(s.Codes(), ", ")), Labelled: true}
		}
		if !slices.Contains(unique, code) {
			unique = append(unique, code)
		}
	}
	now := s.Now().UTC()
	created := make([]Task, 0, len(unique))
	for _, code := range unique {
		t := Task{ID: s.NewID(), ProjectID: projectID, Code: code, Status: Queued, CreatedAt: now, SweepAt: sweep.Deadline(sweep.Waiting, now)}
		switch err := s.Store.CreateTask(ctx, t, now.Add(-StaleAfter)); {
		case errors.Is(err, ErrPending):
			continue
		case err != nil:
			return nil, err
		}
		// Should the call die here, before the send, the sweeper sends
		// the task once it is due.
		if err := s.Queue.EnqueueTask(ctx, projectID, t.ID); err != nil {
			// Not queued, so not pending: a later call may queue it.
			// Should the delete fail too, the sweeper sends the task
			// once it is due, as for a call that died here.
			dctx, cancel := outage.Detach(ctx)
			derr := s.Store.DeleteTask(dctx, t)
			cancel()
			if derr != nil {
				return nil, errors.Join(err, derr)
			}
			return nil, err
		}
		created = append(created, t)
	}
	return created, nil
}

// Get returns one task of the project.
func (s Service) Get(ctx context.Context, c project.Caller, projectID, id string) (Task, error) {
	if err := s.authorize(ctx, c, projectID, project.Role.CanRead); err != nil {
		return Task{}, err
	}
	if id == "" || len(id) > data.MaxIDBytes {
		return Task{}, ErrNotFound
	}
	return s.Store.Task(ctx, projectID, id)
}

// List returns the project's tasks, newest first.
func (s Service) List(ctx context.Context, c project.Caller, projectID, cursor string, limit int) ([]Task, string, error) {
	if err := s.authorize(ctx, c, projectID, project.Role.CanRead); err != nil {
		return nil, "", err
	}
	return s.Store.Tasks(ctx, projectID, cursor, limit)
}

// Run runs a delivered task until it ends or the invocation's time runs
// short, then queues the rest. last says this is the queue's last
// delivery: a failure then marks the task FAILED instead of returning.
func (s Service) Run(ctx context.Context, projectID, id string, last bool) error {
	t, err := s.Store.Task(ctx, projectID, id)
	if errors.Is(err, ErrNotFound) {
		s.logger().WarnContext(ctx, "task message names no task; dropped", "projectId", projectID, "taskId", id)
		return nil
	}
	if err != nil {
		return err
	}
	if t.Status == Completed || t.Status == Failed {
		return nil // a redelivery of a task that ended
	}
	if err := s.run(ctx, t); err != nil {
		if !last || errors.Is(err, context.Canceled) {
			return err
		}
		t, rerr := s.Store.Task(ctx, projectID, id)
		if rerr != nil {
			return errors.Join(err, rerr)
		}
		t.Status, t.FinishedAt, t.Error = Failed, s.Now().UTC(), "the task failed on every attempt: "+err.Error()
		if ferr := s.Store.FinishTask(ctx, t, t.Cursor); ferr != nil && !errors.Is(ferr, ErrMoved) {
			return errors.Join(err, ferr)
		}
		s.logger().ErrorContext(ctx, "task failed", "projectId", projectID, "taskId", id, "code", t.Code, "error", err.Error())
	}
	return nil
}

func (s Service) run(ctx context.Context, t Task) error {
	runner, ok := s.Runners[t.Code]
	if !ok {
		return fmt.Errorf("no runner for task code %q", t.Code)
	}
	now := s.Now().UTC()
	if t.StartedAt.IsZero() {
		t.StartedAt = now
	}
	t.SweepAt = now.Add(RunLimit)
	if err := s.Store.StartTask(ctx, t, t.StartedAt); err != nil {
		if errors.Is(err, ErrMoved) {
			return nil
		}
		return err
	}
	t.Status = Running
	for {
		if d, ok := ctx.Deadline(); ok && time.Until(d) < reserve {
			// Out of time with pages left: the rest is a new message,
			// so a long task never counts as a failed delivery.
			return s.Queue.EnqueueTask(ctx, t.ProjectID, t.ID)
		}
		counts, next, err := runner(ctx, t)
		if err != nil {
			return err
		}
		from := t.Cursor
		t.Counts, t.Cursor = t.Counts.add(counts), next
		if next == "" {
			t.Status, t.FinishedAt = Completed, s.Now().UTC()
			err = s.Store.FinishTask(ctx, t, from)
		} else {
			// A saved page shows the task alive: its deadline moves.
			t.SweepAt = s.Now().UTC().Add(RunLimit)
			err = s.Store.SaveProgress(ctx, t, from)
		}
		if errors.Is(err, ErrMoved) {
			return nil // another delivery ran this page and goes on
		}
		if err != nil || next == "" {
			return err
		}
	}
}

// FailStuck implements sweep.TaskFailer: the sweeper gave up on w, sent
// again sweep.MaxRequeues times without finishing. The task is marked
// FAILED, which frees its code, unless it ended or moved on since the
// sweep found it (sweep.ErrMoved): a delivery that started it or saved a
// page moved its deadline, and the failure would cut a live task short.
func (s Service) FailStuck(ctx context.Context, w sweep.Work, reason string) error {
	t, err := s.Store.Task(ctx, w.ProjectID, w.ID)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil
	case err != nil:
		return err
	case t.Status == Completed || t.Status == Failed:
		return nil
	case !t.SweepAt.Equal(w.Due):
		return sweep.ErrMoved
	}
	t.Status, t.FinishedAt, t.Error = Failed, s.Now().UTC(), reason
	if err := s.Store.FinishTask(ctx, t, t.Cursor); err != nil {
		if errors.Is(err, ErrMoved) {
			return sweep.ErrMoved
		}
		return err
	}
	return nil
}

func (s Service) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}
