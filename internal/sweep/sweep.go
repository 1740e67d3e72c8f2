// Package sweep finishes accepted work whose queue message was lost. Every
// job, message request, data import and processing task that is not
// finished carries a deadline: when
// it passes, the work is stuck. A scheduled sweeper finds stuck work by
// that deadline (a key, never a scan), sends its task to the queue again,
// and after MaxRequeues sends it gives up and marks the work FAILED, as the
// dead-letter path does, so nothing loops forever. Processing is
// idempotent, so a task sent again while the first is still on its way
// changes nothing more.
package sweep

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// The limits follow from the processor and the queue (template.yaml):
// the processor's timeout is 30 s and a failed delivery returns after the
// queue's 180 s visibility timeout.
const (
	// Interval is how often the sweeper runs (the template's schedule,
	// rate(1 minute)): stuck work is found at most a minute after its
	// deadline, and a sweep that finds nothing costs one Query per shard.
	Interval = time.Minute
	// WaitLimit is how long work may wait for the processor, accepted or
	// queued, before it counts as lost: a healthy queue delivers within
	// seconds; five minutes leaves room for a backlog without letting a
	// caller wait long for work that will never come.
	WaitLimit = 5 * time.Minute
	// RunLimit is how long after a processing attempt began the work may
	// stay unfinished. Each attempt lasts at most 30 s and a failed one is
	// delivered again 180 s later, refreshing the deadline; after 5
	// receives the dead-letter queue marks the work FAILED. Fifteen minutes
	// without a new attempt or an end means the message is gone.
	RunLimit = 15 * time.Minute
	// MaxRequeues bounds the sends of one piece of work: found stuck once
	// more after that, it is marked FAILED.
	MaxRequeues = 3
	// maxPerSweep bounds the work one sweep handles; the rest waits for
	// the next run, a minute later.
	maxPerSweep = 1000
	// concurrency bounds the work handled at once.
	concurrency = 8
)

// Kinds of work, as the store names them.
const (
	KindJob      = "job"
	KindMessages = "messages"
	// KindImport is a data import transaction (weavy-compatible): sent again, it
	// goes on from its last step; given up, it is rolled back.
	KindImport = "data-import"
	// KindTask is a processing task (weavy-compatible), keyed within its project
	// and sent to the task queue: sent again, it goes on from its last
	// saved page; given up, it is marked FAILED and its code is free.
	KindTask = "task"
)

// Stage is where unfinished work is.
type Stage int

// Stages.
const (
	// Waiting: accepted or queued, not picked up yet.
	Waiting Stage = iota
	// Running: a processing attempt began.
	Running
)

// Deadline is when work that entered stage at `at` counts as stuck.
func Deadline(stage Stage, at time.Time) time.Time {
	if stage == Running {
		return at.Add(RunLimit)
	}
	return at.Add(WaitLimit)
}

// Work is one unfinished job or request as the sweeper sees it.
type Work struct {
	Kind     string
	ID       string
	Due      time.Time // its deadline
	Requeues int       // how often it was sent again

	// ProjectID is the project of work whose id is unique only within
	// it (KindTask); empty for the other kinds.
	ProjectID string
}

// Action is what to do with work.
type Action int

// Actions.
const (
	// Wait: not stuck (yet).
	Wait Action = iota
	// Requeue: stuck; send its task again.
	Requeue
	// GiveUp: stuck after MaxRequeues sends; mark it FAILED.
	GiveUp
)

// name names w in errors: its id, behind its project's where it has one.
func (w Work) name() string {
	if w.ProjectID == "" {
		return w.ID
	}
	return w.ProjectID + "/" + w.ID
}

// Decide says what to do with w at now.
func Decide(w Work, now time.Time) Action {
	switch {
	case now.Before(w.Due):
		return Wait
	case w.Requeues >= MaxRequeues:
		return GiveUp
	}
	return Requeue
}

// GiveUpReason is the failure reason of work the sweeper gave up on.
func GiveUpReason(w Work) string {
	return fmt.Sprintf("lost by the queue and sent again %d times without finishing", w.Requeues)
}

// ErrMoved is what a Store returns when work changed since it was read:
// it was started, finished or sent again by someone else.
var ErrMoved = errors.New("work moved on")

// Store finds and marks unfinished work.
type Store interface {
	// Due lists unfinished work whose deadline is not after now, oldest
	// deadline first within each shard, at most limit items.
	Due(ctx context.Context, now time.Time, limit int) ([]Work, error)
	// ClaimRequeue counts one more send of w and moves its deadline to
	// next, if its deadline is still w.Due; otherwise it returns ErrMoved.
	ClaimRequeue(ctx context.Context, w Work, next time.Time) error
}

// Queue sends tasks to the processor.
type Queue interface {
	EnqueueJob(ctx context.Context, jobID string) error
	EnqueueMessages(ctx context.Context, requestID string) error
	EnqueueImport(ctx context.Context, importID string) error
}

// TaskQueue sends processing tasks to the task queue.
type TaskQueue interface {
	EnqueueTask(ctx context.Context, projectID, taskID string) error
}

// TaskFailer marks a processing task FAILED with a reason. It gets the
// work as the sweep found it, and returns ErrMoved when the task moved on
// since (a delivery started it or saved a page): it is not stuck then.
type TaskFailer interface {
	FailStuck(ctx context.Context, w Work, reason string) error
}

// Failer marks work FAILED with a reason.
type Failer interface {
	Fail(ctx context.Context, id, reason string) error
}

// FailFunc is a function as a Failer.
type FailFunc func(ctx context.Context, id, reason string) error

// Fail implements Failer.
func (f FailFunc) Fail(ctx context.Context, id, reason string) error { return f(ctx, id, reason) }

// Service sweeps.
type Service struct {
	Store    Store
	Queue    Queue
	Jobs     Failer
	Messages Failer
	Imports  Failer
	// TaskQueue and Tasks send again and fail processing tasks, which
	// have a queue of their own.
	TaskQueue TaskQueue
	Tasks     TaskFailer
	Now       func() time.Time
	Logger    *slog.Logger
}

// Report counts what one sweep did.
type Report struct {
	Requeued int
	Failed   int
}

// Sweep handles the work stuck now. An error on one item does not stop
// the others; it is returned with the report, and the item is found again
// by the next sweep.
func (s Service) Sweep(ctx context.Context) (Report, error) {
	now := s.Now().UTC()
	return s.sweep(ctx, now, now)
}

// lostHorizon is beyond every deadline unfinished work is given (the
// longest, a running processing task's, is 45 minutes).
const lostHorizon = 24 * time.Hour

// SweepLost handles all unfinished work as stuck, whatever its deadline:
// for when the queue itself lost every message it held (a local SQS
// emulator that was restarted), where waiting for each deadline would
// only delay the same send by minutes. Work being processed right now is
// sent again too, which processing, being idempotent, shrugs off; a send
// still counts towards MaxRequeues, and the next deadline is set from
// now as usual.
func (s Service) SweepLost(ctx context.Context) (Report, error) {
	now := s.Now().UTC()
	return s.sweep(ctx, now, now.Add(lostHorizon))
}

// sweep handles the work due by dueBy, judged as at dueBy and sent again
// with a deadline counted from now.
func (s Service) sweep(ctx context.Context, now, dueBy time.Time) (Report, error) {
	due, err := s.Store.Due(ctx, dueBy, maxPerSweep)
	if err != nil {
		return Report{}, err
	}
	var (
		mu   sync.Mutex
		rep  Report
		errs []error
		wg   sync.WaitGroup
		slot = make(chan struct{}, concurrency)
	)
	for _, w := range due {
		wg.Add(1)
		slot <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-slot }()
			action, err := s.handle(ctx, w, now, dueBy)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("%s %s: %w", w.Kind, w.name(), err))
				return
			}
			switch action {
			case Requeue:
				rep.Requeued++
			case GiveUp:
				rep.Failed++
			}
		}()
	}
	wg.Wait()
	return rep, errors.Join(errs...)
}

// handle requeues or fails one item, decided as at dueBy; it returns the
// action taken (Wait when someone else moved the work first).
func (s Service) handle(ctx context.Context, w Work, now, dueBy time.Time) (Action, error) {
	switch Decide(w, dueBy) {
	case Requeue:
		if err := s.Store.ClaimRequeue(ctx, w, Deadline(Waiting, now)); err != nil {
			if errors.Is(err, ErrMoved) {
				return Wait, nil
			}
			return Wait, err
		}
		// Claimed before sending: two sweeps at once send one task. If the
		// send fails, the new deadline brings the work back.
		if err := s.enqueue(ctx, w); err != nil {
			return Wait, err
		}
		s.logger().WarnContext(ctx, "stuck work sent to the queue again", "kind", w.Kind, "projectId", w.ProjectID, "id", w.ID, "due", w.Due, "requeues", w.Requeues+1)
		return Requeue, nil
	case GiveUp:
		reason := GiveUpReason(w)
		var err error
		switch w.Kind {
		case KindJob:
			err = s.Jobs.Fail(ctx, w.ID, reason)
		case KindMessages:
			err = s.Messages.Fail(ctx, w.ID, reason)
		case KindImport:
			err = s.Imports.Fail(ctx, w.ID, reason)
		case KindTask:
			err = s.Tasks.FailStuck(ctx, w, reason)
		default:
			err = fmt.Errorf("unknown kind of work %q", w.Kind)
		}
		if errors.Is(err, ErrMoved) {
			return Wait, nil
		}
		if err != nil {
			return Wait, err
		}
		s.logger().ErrorContext(ctx, "stuck work marked FAILED", "kind", w.Kind, "projectId", w.ProjectID, "id", w.ID, "reason", reason)
		return GiveUp, nil
	}
	return Wait, nil
}

func (s Service) enqueue(ctx context.Context, w Work) error {
	switch w.Kind {
	case KindJob:
		return s.Queue.EnqueueJob(ctx, w.ID)
	case KindMessages:
		return s.Queue.EnqueueMessages(ctx, w.ID)
	case KindImport:
		return s.Queue.EnqueueImport(ctx, w.ID)
	case KindTask:
		return s.TaskQueue.EnqueueTask(ctx, w.ProjectID, w.ID)
	}
	return fmt.Errorf("unknown kind of work %q", w.Kind)
}

func (s Service) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}
