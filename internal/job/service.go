package job

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/parcelgate/parcelgate/internal/page"
	"github.com/parcelgate/parcelgate/internal/project"
)

// Store persists jobs, their numbers and results, and associations.
type Store interface {
	// CreateJob stores j with its items atomically; with an idempotency
	// key already used it stores nothing and returns ErrKeyTaken.
	CreateJob(ctx context.Context, j Job, items []Item) error
	// JobByKey returns the job an idempotency key names, or ErrNotFound.
	JobByKey(ctx context.Context, clientID, projectID, key string) (Job, error)
	// Job returns the job or ErrNotFound.
	Job(ctx context.Context, id string) (Job, error)
	// Jobs lists a project's unexpired jobs, newest first.
	Jobs(ctx context.Context, projectID string, now time.Time, req page.Request) (page.Page[Job], error)
	// SetStatus moves a job to status if its status is one of from, else
	// returns ErrStatusConflict. Moving to IN_PROGRESS sets StartedAt once.
	SetStatus(ctx context.Context, id string, status Status, at time.Time, from ...Status) error
	// Items returns a job's submitted numbers in order.
	Items(ctx context.Context, j Job) ([]Item, error)
	// Associations returns the stored associations of numbers in a project.
	Associations(ctx context.Context, projectID string, numbers []string) (map[string]Association, error)
	// SaveResults stores a job's results once: when they exist it stores
	// nothing and returns ErrResultsExist.
	SaveResults(ctx context.Context, j Job, results []Result) error
	// Results returns a job's saved results in submission order.
	Results(ctx context.Context, j Job) ([]Result, error)
	// Apply writes and deletes associations; it is idempotent.
	Apply(ctx context.Context, projectID string, put []Association, remove []string) error
	// Finish records a COMPLETED or FAILED job (status, counts, times,
	// reason) unless the job is already final, then ErrStatusConflict.
	Finish(ctx context.Context, j Job) error
	// Associated lists a project's unexpired associations.
	Associated(ctx context.Context, projectID string, now time.Time, req page.Request) (page.Page[Association], error)
}

// Queue hands jobs to the processor.
type Queue interface {
	EnqueueJob(ctx context.Context, jobID string) error
}

// Authorizer checks a caller's role in a project.
type Authorizer interface {
	Authorize(ctx context.Context, c project.Caller, projectID string, allowed func(project.Role) bool) (project.Membership, error)
}

// Service runs jobs.
type Service struct {
	Store    Store
	Queue    Queue
	Projects Authorizer
	Now      func() time.Time
	NewID    func() string
}

// Submission is a job as the caller sends it.
type Submission struct {
	Action            Action
	Items             []Item
	ExternalReference string
	IdempotencyKey    string
}

// hash identifies the submission's content for idempotent retries.
func (s Submission) hash() string {
	b, _ := json.Marshal(struct {
		A Action
		I []Item
		R string
	}{s.Action, s.Items, s.ExternalReference})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// ErrNotQueued reports a stored job that could not be queued; Job holds
// it, NOT_ACCEPTED, for the caller to see.
type ErrNotQueued struct {
	Job   Job
	Cause error
}

func (e *ErrNotQueued) Error() string { return "job not queued: " + e.Cause.Error() }
func (e *ErrNotQueued) Unwrap() error { return e.Cause }

// Submit validates, stores and queues a job. A submission repeating an
// earlier idempotency key returns the earlier job.
func (s Service) Submit(ctx context.Context, c project.Caller, projectID string, sub Submission) (Job, error) {
	if _, err := s.Projects.Authorize(ctx, c, projectID, project.Role.CanSubmit); err != nil {
		return Job{}, err
	}
	if err := checkSubmission(sub); err != nil {
		return Job{}, err
	}
	now := s.Now().UTC()
	j := Job{
		ID: s.NewID(), ProjectID: projectID, ClientID: c.ClientID, PrincipalID: c.PrincipalID,
		Action: sub.Action, Status: Accepted, ExternalReference: sub.ExternalReference,
		CreatedAt: now, ExpiresAt: now.Add(JobTTL), Counts: Counts{Total: len(sub.Items)},
		IdempotencyKey: sub.IdempotencyKey, BodyHash: sub.hash(),
	}
	err := s.Store.CreateJob(ctx, j, sub.Items)
	if errors.Is(err, ErrKeyTaken) {
		return s.replay(ctx, c, projectID, sub, now)
	}
	if err != nil {
		return Job{}, err
	}
	return s.enqueue(ctx, j, now)
}

// enqueue queues an ACCEPTED job and marks it QUEUED.
func (s Service) enqueue(ctx context.Context, j Job, now time.Time) (Job, error) {
	if err := s.Queue.EnqueueJob(ctx, j.ID); err != nil {
		return s.notQueued(ctx, j, err)
	}
	// The processor may already have moved the job on; then it stays there.
	switch err := s.Store.SetStatus(ctx, j.ID, Queued, now, Accepted); {
	case err == nil:
		j.Status = Queued
	case errors.Is(err, ErrStatusConflict):
		return s.Store.Job(ctx, j.ID)
	default:
		return Job{}, err
	}
	return j, nil
}

func (s Service) notQueued(ctx context.Context, j Job, cause error) (Job, error) {
	err := s.Store.SetStatus(ctx, j.ID, NotAccepted, s.Now().UTC(), Accepted)
	if errors.Is(err, ErrStatusConflict) {
		// The send did reach the queue after all: the job is running.
		return s.Store.Job(ctx, j.ID)
	}
	if err != nil {
		return Job{}, errors.Join(cause, err)
	}
	j.Status = NotAccepted
	j.FailureReason = "queue unavailable"
	return j, &ErrNotQueued{Job: j, Cause: cause}
}

func (s Service) replay(ctx context.Context, c project.Caller, projectID string, sub Submission, now time.Time) (Job, error) {
	j, err := s.Store.JobByKey(ctx, c.ClientID, projectID, sub.IdempotencyKey)
	if err != nil {
		return Job{}, err
	}
	if j.BodyHash != sub.hash() {
		return Job{}, ErrIdempotencyMismatch
	}
	if j.Expired(now) {
		return Job{}, ErrNotFound
	}
	if j.Status != NotAccepted {
		return j, nil
	}
	// The first attempt was stored but never queued; the retry queues it.
	switch err := s.Store.SetStatus(ctx, j.ID, Accepted, now, NotAccepted); {
	case errors.Is(err, ErrStatusConflict):
		return s.Store.Job(ctx, j.ID)
	case err != nil:
		return Job{}, err
	}
	j.Status, j.FailureReason = Accepted, ""
	return s.enqueue(ctx, j, now)
}

// Process runs a queued job to COMPLETED. It is safe to run more than once
// and concurrently: outcomes are decided once and saved before any
// association changes, and a retry applies the saved outcomes again.
func (s Service) Process(ctx context.Context, jobID string) error {
	j, err := s.Store.Job(ctx, jobID)
	if errors.Is(err, ErrNotFound) {
		return nil // expired or never stored: nothing to do
	}
	if err != nil {
		return err
	}
	if j.Status.Final() || j.Expired(s.Now()) {
		return nil
	}
	now := s.Now().UTC()
	// Marking the job IN_PROGRESS and reading what the decisions need do
	// not depend on each other: they run together, and nothing is written
	// from the reads if the job has moved on meanwhile.
	var proposed []Result
	var saved bool
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return s.Store.SetStatus(gctx, j.ID, InProgress, now, Accepted, Queued, InProgress) })
	g.Go(func() (err error) {
		// Only a job already IN_PROGRESS can have saved results to reuse.
		proposed, saved, err = s.propose(gctx, j, j.Status == InProgress, now)
		return err
	})
	err = g.Wait()
	if errors.Is(err, ErrStatusConflict) {
		return nil // finished or refused meanwhile
	}
	if err != nil {
		return err
	}
	results := proposed
	if !saved {
		if results, err = s.saveOnce(ctx, j, proposed); err != nil {
			return err
		}
	}
	put, remove := changes(j, results, now)
	if err := s.Store.Apply(ctx, j.ProjectID, put, remove); err != nil {
		return err
	}
	j.Status, j.Counts, j.CompletedAt = Completed, countResults(results), s.Now().UTC()
	if err := s.Store.Finish(ctx, j); err != nil && !errors.Is(err, ErrStatusConflict) {
		return err
	}
	return nil
}

// propose returns the results an earlier attempt saved (saved is true),
// or decides them from the job's numbers and the project's associations.
func (s Service) propose(ctx context.Context, j Job, resumed bool, now time.Time) (results []Result, saved bool, err error) {
	if resumed {
		if results, err := s.Store.Results(ctx, j); err != nil || len(results) > 0 {
			return results, err == nil, err
		}
	}
	items, err := s.Store.Items(ctx, j)
	if err != nil {
		return nil, false, err
	}
	results = classify(items)
	existing, err := s.Store.Associations(ctx, j.ProjectID, pending(results))
	if err != nil {
		return nil, false, err
	}
	decide(j.Action, results, existing, now)
	return results, false, nil
}

// saveOnce saves decided results; when a concurrent delivery saved first,
// its decisions stand and are returned instead.
func (s Service) saveOnce(ctx context.Context, j Job, results []Result) ([]Result, error) {
	switch err := s.Store.SaveResults(ctx, j, results); {
	case errors.Is(err, ErrResultsExist):
		return s.Store.Results(ctx, j)
	case err != nil:
		return nil, err
	}
	return results, nil
}

// Fail marks a job FAILED after its retries ran out.
func (s Service) Fail(ctx context.Context, jobID, reason string) error {
	j, err := s.Store.Job(ctx, jobID)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if j.Status.Final() {
		return nil
	}
	j.Status, j.CompletedAt, j.FailureReason = Failed, s.Now().UTC(), reason
	if err := s.Store.Finish(ctx, j); err != nil && !errors.Is(err, ErrStatusConflict) {
		return err
	}
	return nil
}

// Get returns one job of a project the caller may read.
func (s Service) Get(ctx context.Context, c project.Caller, projectID, jobID string) (Job, error) {
	if _, err := s.Projects.Authorize(ctx, c, projectID, project.Role.CanRead); err != nil {
		return Job{}, err
	}
	j, err := s.Store.Job(ctx, jobID)
	if err != nil {
		return Job{}, err
	}
	if j.ProjectID != projectID || j.Expired(s.Now()) {
		return Job{}, ErrNotFound
	}
	return j, nil
}

// List returns a project's jobs, newest first.
func (s Service) List(ctx context.Context, c project.Caller, projectID string, req page.Request) (page.Page[Job], error) {
	if _, err := s.Projects.Authorize(ctx, c, projectID, project.Role.CanRead); err != nil {
		return page.Page[Job]{}, err
	}
	return s.Store.Jobs(ctx, projectID, s.Now(), req)
}

// Report returns a COMPLETED job and its results in submission order.
func (s Service) Report(ctx context.Context, c project.Caller, projectID, jobID string) (Job, []Result, error) {
	j, err := s.Get(ctx, c, projectID, jobID)
	if err != nil {
		return Job{}, nil, err
	}
	if j.Status != Completed {
		return j, nil, ErrNotCompleted
	}
	results, err := s.Store.Results(ctx, j)
	return j, results, err
}

// Numbers lists a project's associated numbers.
func (s Service) Numbers(ctx context.Context, c project.Caller, projectID string, req page.Request) (page.Page[Association], error) {
	if _, err := s.Projects.Authorize(ctx, c, projectID, project.Role.CanRead); err != nil {
		return page.Page[Association]{}, err
	}
	return s.Store.Associated(ctx, projectID, s.Now(), req)
}
