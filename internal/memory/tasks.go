package memory

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/parcelgate/parcelgate/internal/page"
	"github.com/parcelgate/parcelgate/internal/sweep"
	"github.com/parcelgate/parcelgate/internal/task"
)

var _ task.Store = (*Tasks)(nil)

// Tasks implements task.Store in memory.
type Tasks struct {
	mu    sync.Mutex
	tasks map[string]map[string]task.Task // project → id → task
	// pending is each project's pending item per code: the task that
	// waits in the queue and when it was queued.
	pending map[string]map[string]pendingTask
}

type pendingTask struct {
	taskID   string
	queuedAt time.Time
}

// CreateTask implements task.Store.
func (s *Tasks) CreateTask(_ context.Context, t task.Task, staleBefore time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.pending[t.ProjectID][t.Code]; ok && !p.queuedAt.Before(staleBefore) {
		return task.ErrPending
	}
	if _, ok := s.tasks[t.ProjectID][t.ID]; ok {
		return fmt.Errorf("task %s of project %s exists", t.ID, t.ProjectID)
	}
	if s.tasks == nil {
		s.tasks, s.pending = map[string]map[string]task.Task{}, map[string]map[string]pendingTask{}
	}
	if s.tasks[t.ProjectID] == nil {
		s.tasks[t.ProjectID], s.pending[t.ProjectID] = map[string]task.Task{}, map[string]pendingTask{}
	}
	// As stored by DynamoDB: a new task has not started, ended or failed.
	t.CreatedAt, t.SweepAt = t.CreatedAt.UTC(), t.SweepAt.UTC()
	t.StartedAt, t.FinishedAt, t.Error = time.Time{}, time.Time{}, ""
	s.tasks[t.ProjectID][t.ID] = t
	s.pending[t.ProjectID][t.Code] = pendingTask{taskID: t.ID, queuedAt: t.CreatedAt}
	return nil
}

// Task implements task.Store.
func (s *Tasks) Task(_ context.Context, projectID, id string) (task.Task, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tasks[projectID][id]
	if !ok {
		return task.Task{}, task.ErrNotFound
	}
	return t, nil
}

// Tasks implements task.Store: newest first, by their time-ordered ids.
func (s *Tasks) Tasks(_ context.Context, projectID, cursor string, limit int) ([]task.Task, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tasks := s.tasks[projectID]
	ids := make([]string, 0, len(tasks))
	for id := range tasks {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	slices.Reverse(ids)
	got, next, err := partitionPage("tasks/"+projectID, ids, true, page.Request{Cursor: cursor, Limit: limit})
	if err != nil {
		return nil, "", err
	}
	out := make([]task.Task, len(got))
	for i, id := range got {
		out[i] = tasks[id]
	}
	return out, next, nil
}

// StartTask implements task.Store.
func (s *Tasks) StartTask(_ context.Context, t task.Task, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.tasks[t.ProjectID][t.ID]
	if !ok || (cur.Status != task.Queued && cur.Status != task.Running) {
		return task.ErrMoved
	}
	cur.Status = task.Running
	if !t.SweepAt.IsZero() {
		cur.SweepAt = t.SweepAt.UTC()
	}
	if cur.StartedAt.IsZero() {
		cur.StartedAt = at.UTC()
	}
	s.tasks[t.ProjectID][t.ID] = cur
	s.freePending(t)
	return nil
}

// freePending deletes the pending item of t's code if it still names t
// (a stale one may have been taken over by a newer task).
func (s *Tasks) freePending(t task.Task) {
	if p, ok := s.pending[t.ProjectID][t.Code]; ok && p.taskID == t.ID {
		delete(s.pending[t.ProjectID], t.Code)
	}
}

// SaveProgress implements task.Store.
func (s *Tasks) SaveProgress(_ context.Context, t task.Task, from string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.tasks[t.ProjectID][t.ID]
	if !ok || cur.Status != task.Running || cur.Cursor != from {
		return task.ErrMoved
	}
	cur.Cursor, cur.Counts = t.Cursor, t.Counts
	if !t.SweepAt.IsZero() {
		cur.SweepAt = t.SweepAt.UTC()
	}
	s.tasks[t.ProjectID][t.ID] = cur
	return nil
}

// FinishTask implements task.Store.
func (s *Tasks) FinishTask(_ context.Context, t task.Task, from string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.tasks[t.ProjectID][t.ID]
	if !ok || (cur.Status != task.Queued && cur.Status != task.Running) || cur.Cursor != from {
		return task.ErrMoved
	}
	cur.Status, cur.FinishedAt, cur.Cursor, cur.Counts = t.Status, t.FinishedAt.UTC(), t.Cursor, t.Counts
	cur.SweepAt = time.Time{}
	if t.Error != "" {
		cur.Error = t.Error
	}
	s.tasks[t.ProjectID][t.ID] = cur
	s.freePending(t)
	return nil
}

// DeleteTask implements task.Store.
func (s *Tasks) DeleteTask(_ context.Context, t task.Task) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tasks[t.ProjectID], t.ID)
	s.freePending(t)
	return nil
}

// claimRequeue implements sweep.Store.ClaimRequeue for a task.
func (s *Tasks) claimRequeue(w sweep.Work, next time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tasks[w.ProjectID][w.ID]
	if !ok {
		return sweep.ErrMoved
	}
	if err := requeue(&t.SweepAt, &t.Requeues, w, next); err != nil {
		return err
	}
	s.tasks[w.ProjectID][w.ID] = t
	return nil
}

// open lists the tasks with a deadline: those not finished.
func (s *Tasks) open() []sweep.Work {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []sweep.Work
	for projectID, tasks := range s.tasks {
		for _, t := range tasks {
			if !t.SweepAt.IsZero() {
				out = append(out, sweep.Work{Kind: sweep.KindTask, ProjectID: projectID, ID: t.ID, Due: t.SweepAt, Requeues: t.Requeues})
			}
		}
	}
	return out
}
