package job

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/parcelgate/parcelgate/internal/carrier"
	"github.com/parcelgate/parcelgate/internal/input"
	"github.com/parcelgate/parcelgate/internal/page"
	"github.com/parcelgate/parcelgate/internal/project"
	"github.com/parcelgate/parcelgate/internal/sweep"
	"github.com/parcelgate/parcelgate/internal/tag"
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
	// SetStatus stores j's status, failure reason, completion time and
	// sweep deadline (each cleared when zero) if the stored job's status
	// is one of from, else returns ErrStatusConflict.
	SetStatus(ctx context.Context, j Job, from ...Status) error
	// Start stores j's status and sweep deadline if the stored job's
	// status is one of from, else returns ErrStatusConflict; j's start
	// time is kept only if none is stored. It returns the stored start
	// time.
	Start(ctx context.Context, j Job, from ...Status) (time.Time, error)
	// Items returns a job's submitted numbers in order.
	Items(ctx context.Context, j Job) ([]Item, error)
	// Associations returns the stored associations of numbers in a project.
	Associations(ctx context.Context, projectID string, numbers []string) (map[string]Association, error)
	// AddAssociations stores each association unless its project holds a
	// live association of its number at its AddedAt, each in one
	// conditional write, and returns the associations stored afterwards,
	// in order (the one given, or the live one).
	AddAssociations(ctx context.Context, as []Association) ([]Association, error)
	// SaveResults stores a job's results once: when they exist it stores
	// nothing and returns ErrResultsExist.
	SaveResults(ctx context.Context, j Job, results []Result) error
	// Results returns a job's saved results in submission order.
	Results(ctx context.Context, j Job) ([]Result, error)
	// Apply renews associations whose expiry is earlier than the
	// renewal's, and deletes the removed numbers' associations unless they
	// were (re)added after at. It is idempotent, and never undoes the
	// changes of a job decided later.
	Apply(ctx context.Context, projectID string, renew []Association, remove []string, at time.Time) error
	// Abandon settles what job j, given up on while in progress, may
	// have left between an association's writes for numbers (normalised):
	// for an ADD, the numbers it submitted; for a REMOVE, those it
	// decided REMOVED. A store writing each association at once has
	// nothing to settle.
	Abandon(ctx context.Context, j Job, numbers []string) error
	// ClaimRequeue counts one more send of an open job's task and moves
	// its sweep deadline to next, if the deadline is still w.Due; else it
	// returns sweep.ErrMoved.
	ClaimRequeue(ctx context.Context, w sweep.Work, next time.Time) error
	// Finish records a COMPLETED or FAILED job (status, counts, times,
	// reason; no sweep deadline) unless the stored job is COMPLETED or
	// FAILED already, then ErrStatusConflict.
	Finish(ctx context.Context, j Job) error
	// Associated lists a project's unexpired associations; with tag,
	// only those whose Tag it is.
	Associated(ctx context.Context, projectID string, now time.Time, tag string, req page.Request) (page.Page[Association], error)
	// SetTags applies each update to its association, if the association
	// exists and holds an older tag sequence.
	SetTags(ctx context.Context, updates []TagUpdate) error
}

// Tags reads the current tag of numbers, for the associations a job
// adds: a number is listed under its tag from the moment it is added.
type Tags interface {
	// CurrentTags returns each number's current tag and the sequence of
	// the change that set it; numbers without a status are absent.
	CurrentTags(ctx context.Context, numbers []string) (map[string]TagUpdate, error)
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
	// Tags, when set, gives added numbers their current tag (else
	// Pending until their next status change).
	Tags Tags
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
	// The shape is fixed: stored jobs keep the hash of their submission.
	type item struct {
		N string `json:"n"`
		C string `json:"c,omitempty"`
	}
	items := make([]item, len(s.Items))
	for i, it := range s.Items {
		items[i] = item{it.TrackingNumber, it.Carrier}
	}
	b, _ := json.Marshal(struct {
		A Action
		I []item
		R string
	}{s.Action, items, s.ExternalReference})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// NotQueuedError reports a stored job that could not be queued; Job holds
// it, NOT_ACCEPTED, for the caller to see.
type NotQueuedError struct {
	Job   Job
	Cause error
}

func (e *NotQueuedError) Error() string { return "job not queued: " + e.Cause.Error() }
func (e *NotQueuedError) Unwrap() error { return e.Cause }

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
		SweepAt: sweep.Deadline(sweep.Waiting, now),
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
	queued, from := j.Queue()
	switch err := s.Store.SetStatus(ctx, queued, from...); {
	case err == nil:
		j = queued
	case errors.Is(err, ErrStatusConflict):
		return s.Store.Job(ctx, j.ID)
	default:
		return Job{}, err
	}
	return j, nil
}

func (s Service) notQueued(ctx context.Context, j Job, cause error) (Job, error) {
	j, from := j.Refuse(s.Now().UTC())
	err := s.Store.SetStatus(ctx, j, from...)
	if errors.Is(err, ErrStatusConflict) {
		// The send did reach the queue after all: the job is running.
		return s.Store.Job(ctx, j.ID)
	}
	if err != nil {
		return Job{}, errors.Join(cause, err)
	}
	return j, &NotQueuedError{Job: j, Cause: cause}
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
	if j.Status.Open() && !j.SweepAt.IsZero() && sweep.Decide(j.sweepWork(), now) == sweep.Requeue {
		return s.requeue(ctx, j, now)
	}
	if j.Status != NotAccepted {
		return j, nil
	}
	// The first attempt was stored but never queued; the retry queues it.
	retried, from := j.Retry(now)
	switch err := s.Store.SetStatus(ctx, retried, from...); {
	case errors.Is(err, ErrStatusConflict):
		return s.Store.Job(ctx, j.ID)
	case err != nil:
		return Job{}, err
	}
	return s.enqueue(ctx, retried, now)
}

// requeue sends a stuck job's task again, as the sweeper would; the job
// keeps its status. When the send fails the caller hears so, and the
// claim's new deadline brings the job back to the sweeper anyway.
func (s Service) requeue(ctx context.Context, j Job, now time.Time) (Job, error) {
	w := j.sweepWork()
	switch err := s.Store.ClaimRequeue(ctx, w, sweep.Deadline(sweep.Waiting, now)); {
	case errors.Is(err, sweep.ErrMoved):
		return s.Store.Job(ctx, j.ID)
	case err != nil:
		return Job{}, err
	}
	if err := s.Queue.EnqueueJob(ctx, j.ID); err != nil {
		return Job{}, err
	}
	j.Requeues++
	return j, nil
}

func (j Job) sweepWork() sweep.Work {
	return sweep.Work{Kind: sweep.KindJob, ID: j.ID, Due: j.SweepAt, Requeues: j.Requeues}
}

// Process runs a queued job to COMPLETED. It is safe to run more than once
// and concurrently: outcomes are decided once and saved before any
// renewal or removal, a retry applies the saved outcomes again, and every
// time written comes from the job's start time, so a retry makes exactly
// the same changes.
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
	var (
		started  time.Time
		proposed []Result
		existing map[string]Association
		saved    bool
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		running, from := j.Start(now)
		started, err = s.Store.Start(gctx, running, from...)
		return err
	})
	g.Go(func() (err error) {
		// Only a job already IN_PROGRESS can have saved results to reuse.
		proposed, existing, saved, err = s.propose(gctx, j, j.Status == InProgress)
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
		if err := s.settle(ctx, j, results, existing, started); err != nil {
			return err
		}
		if results, err = s.saveOnce(ctx, j, results); err != nil {
			return err
		}
	}
	renew, remove := changes(j, results, started)
	if err := s.Store.Apply(ctx, j.ProjectID, renew, remove, started); err != nil {
		return err
	}
	if err := s.Store.Finish(ctx, j.Complete(results, s.Now().UTC())); err != nil && !errors.Is(err, ErrStatusConflict) {
		return err
	}
	return nil
}

// propose returns the results an earlier attempt saved (saved is true),
// or the numbers classified, with the project's associations of the
// numbers still open.
func (s Service) propose(ctx context.Context, j Job, resumed bool) (results []Result, existing map[string]Association, saved bool, err error) {
	if resumed {
		if results, err := s.Store.Results(ctx, j); err != nil || len(results) > 0 {
			return results, nil, err == nil, err
		}
	}
	items, err := s.Store.Items(ctx, j)
	if err != nil {
		return nil, nil, false, err
	}
	results = classify(items)
	existing, err = s.Store.Associations(ctx, j.ProjectID, pending(results))
	if err != nil {
		return nil, nil, false, err
	}
	return results, existing, false, nil
}

// settle decides every open outcome at the job's decision time at: from
// the associations read, and for a number without a live association by
// a conditional write that creates it, so that of concurrent jobs adding
// the same number exactly one reports it ADDED. The write is also the
// addition itself; an attempt that repeats it finds the association it
// created and decides ADDED again.
func (s Service) settle(ctx context.Context, j Job, results []Result, existing map[string]Association, at time.Time) error {
	decide(j, results, existing, at)
	var open []int
	var adds []Association
	for i, r := range results {
		if r.Outcome == "" {
			open = append(open, i)
			adds = append(adds, newAssociation(j, r, at))
		}
	}
	if len(adds) == 0 {
		return nil
	}
	if err := s.tagged(ctx, adds); err != nil {
		return err
	}
	stored, err := s.Store.AddAssociations(ctx, adds)
	if err != nil {
		return err
	}
	for k, i := range open {
		results[i].Outcome = claimed(j, stored[k])
	}
	return nil
}

// tagged gives associations about to be added their number's current
// tag: Pending for a number without a status yet. A status moving
// between this read and the write is told to the project by its change
// (TagUpdate), as the project then subscribes the number.
func (s Service) tagged(ctx context.Context, adds []Association) error {
	current := map[string]TagUpdate{}
	if s.Tags != nil {
		numbers := make([]string, len(adds))
		for i, a := range adds {
			numbers[i] = a.TrackingNumber
		}
		var err error
		if current, err = s.Tags.CurrentTags(ctx, numbers); err != nil {
			return err
		}
	}
	for i := range adds {
		adds[i].Tag, adds[i].TagSequence = string(tag.Pending), 0
		if t, ok := current[adds[i].TrackingNumber]; ok {
			adds[i].Tag, adds[i].TagSequence = t.Tag, t.Sequence
		}
	}
	return nil
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
	// Settled before the job is FAILED: until then a failure here leaves
	// the job open, and the sweeper gives up on it again later.
	if err := s.abandon(ctx, j); err != nil {
		return err
	}
	if err := s.Store.Finish(ctx, j.Fail(reason, s.Now().UTC())); err != nil && !errors.Is(err, ErrStatusConflict) {
		return err
	}
	return nil
}

// abandon has the store settle the numbers a started job may have left
// half written.
func (s Service) abandon(ctx context.Context, j Job) error {
	if j.StartedAt.IsZero() {
		return nil
	}
	var numbers []string
	if j.Action == Add {
		items, err := s.Store.Items(ctx, j)
		if err != nil {
			return err
		}
		for _, it := range items {
			numbers = append(numbers, carrier.Normalize(it.TrackingNumber))
		}
	} else {
		results, err := s.Store.Results(ctx, j)
		if err != nil {
			return err
		}
		for _, r := range results {
			if r.Outcome == Removed {
				numbers = append(numbers, carrier.Normalize(r.TrackingNumber))
			}
		}
	}
	return s.Store.Abandon(ctx, j, numbers)
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
func (s Service) Numbers(ctx context.Context, c project.Caller, projectID, tagged string, req page.Request) (page.Page[Association], error) {
	if tagged != "" {
		if _, ok := tag.ParseTag(tagged); !ok {
			return page.Page[Association]{}, &input.Error{Code: "INVALID_TAG", Field: "tag", Labelled: true,
				Message: fmt.Sprintf("tag %q is not a tag: use one of %s", tagged, tag.List())}
		}
	}
	if _, err := s.Projects.Authorize(ctx, c, projectID, project.Role.CanRead); err != nil {
		return page.Page[Association]{}, err
	}
	return s.Store.Associated(ctx, projectID, s.Now(), tagged, req)
}
