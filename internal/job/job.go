// Package job holds tracking-number jobs: a caller submits up to 1,000
// numbers to ADD to or REMOVE from a project, the job is queued, and the
// processor decides one outcome per number. A job is also a request whose
// messages are its numbers (see Request), so the tracker sees jobs too.
package job

import (
	"errors"
	"fmt"
	"time"
)

// Limits and lifetimes of the business rules.
const (
	MaxNumbers     = 1000
	AssociationTTL = 40 * 24 * time.Hour
	JobTTL         = 90 * 24 * time.Hour
	// maxExternalReference bounds the caller's own reference.
	maxExternalReference = 128
	// maxNumberInput bounds one submitted number before normalisation.
	maxNumberInput = 64
)

// Errors of the job domain.
var (
	ErrNotFound = errors.New("job not found")
	// ErrNotCompleted: the report exists only once the job is COMPLETED.
	ErrNotCompleted = errors.New("job not completed")
	// ErrIdempotencyMismatch: the key was used before with another body.
	ErrIdempotencyMismatch = errors.New("idempotency key reused with a different body")
	// ErrKeyTaken is what a Store returns when an idempotency key exists.
	ErrKeyTaken = errors.New("idempotency key exists")
	// ErrStatusConflict is what a Store returns when a status change's
	// precondition does not hold.
	ErrStatusConflict = errors.New("job status changed concurrently")
	// ErrResultsExist is what a Store returns when results were saved before.
	ErrResultsExist = errors.New("job results already saved")
)

// Action is what a job does to its numbers.
type Action string

// Actions.
const (
	Add    Action = "ADD"
	Remove Action = "REMOVE"
)

// Status is a job's place in its life.
type Status string

// Statuses: SUBMITTED → ACCEPTED → QUEUED → IN_PROGRESS → COMPLETED | FAILED,
// or NOT_ACCEPTED when the job could not be queued.
const (
	Submitted   Status = "SUBMITTED"
	Accepted    Status = "ACCEPTED"
	NotAccepted Status = "NOT_ACCEPTED"
	Queued      Status = "QUEUED"
	InProgress  Status = "IN_PROGRESS"
	Completed   Status = "COMPLETED"
	Failed      Status = "FAILED"
)

// Final reports whether the status can no longer change.
func (s Status) Final() bool { return s == Completed || s == Failed || s == NotAccepted }

// Open reports whether the job was accepted and is not finished: the
// sweeper watches it until it is.
func (s Status) Open() bool { return s == Accepted || s == Queued || s == InProgress }

// Outcome is what happened to one number.
type Outcome string

// Outcomes.
const (
	Added         Outcome = "ADDED"
	Renewed       Outcome = "RENEWED"
	Removed       Outcome = "REMOVED"
	NotAssociated Outcome = "NOT_ASSOCIATED"
	Invalid       Outcome = "INVALID"
	Duplicate     Outcome = "DUPLICATE_IN_REQUEST"
	FailedOutcome Outcome = "FAILED"
)

// Item is one submitted number, as the caller sent it.
type Item struct {
	TrackingNumber string
	Carrier        string
}

// Result is the outcome of one number, in submission order.
type Result struct {
	TrackingNumber string
	Carrier        string
	Outcome        Outcome
	Message        string
	// number is the normalised form that keys the association.
	number string
}

// Counts sum the outcomes of a job; every number is counted once.
type Counts struct {
	Total         int
	Added         int
	Renewed       int
	Removed       int
	Invalid       int
	Duplicate     int
	NotAssociated int
	Failed        int
}

func countResults(results []Result) Counts {
	c := Counts{Total: len(results)}
	for _, r := range results {
		switch r.Outcome {
		case Added:
			c.Added++
		case Renewed:
			c.Renewed++
		case Removed:
			c.Removed++
		case NotAssociated:
			c.NotAssociated++
		case Invalid:
			c.Invalid++
		case Duplicate:
			c.Duplicate++
		default:
			c.Failed++
		}
	}
	return c
}

// Job is one submission.
type Job struct {
	ID                string
	ProjectID         string
	ClientID          string
	PrincipalID       string
	Action            Action
	Status            Status
	ExternalReference string
	CreatedAt         time.Time
	StartedAt         time.Time // zero until processing starts
	CompletedAt       time.Time // zero until COMPLETED or FAILED
	ExpiresAt         time.Time
	Counts            Counts
	// FailureReason says why a job FAILED or was NOT_ACCEPTED.
	FailureReason string
	// IdempotencyKey and BodyHash tie a retried submission to this job.
	IdempotencyKey string
	BodyHash       string
	// SweepAt is when an open job counts as stuck (see package sweep);
	// Requeues counts its tasks sent again.
	SweepAt  time.Time
	Requeues int
}

// Expired reports whether the job is past its 90 days.
func (j Job) Expired(now time.Time) bool { return !now.Before(j.ExpiresAt) }

// Association is a number subscribed to a project.
type Association struct {
	ProjectID      string
	TrackingNumber string
	Carrier        string
	AddedAt        time.Time
	ExpiresAt      time.Time
	// JobID is the job that last (re)added it; AddedBy the job that
	// created it, the one whose report says ADDED.
	JobID   string
	AddedBy string
	// Tag is the number's current tag as last told to the project (one of
	// package tag's), and TagSequence the status change that set it (0:
	// the number had no status when added, and its tag is Pending). A
	// project's numbers are listed by it.
	Tag         string
	TagSequence int
}

// TagUpdate is a number's current tag, to be shown on its association
// with a project; it applies only over an older one (a smaller
// Sequence), so updates of one number may arrive in any order, and again.
type TagUpdate struct {
	ProjectID      string
	TrackingNumber string
	Tag            string
	Sequence       int
}

// Expired reports whether the association is past its 40 days.
func (a Association) Expired(now time.Time) bool { return !now.Before(a.ExpiresAt) }

// Message is a note on a job for the caller: what went well, what to fix.
type Message struct {
	Level string
	Code  string
	Text  string
}

// Messages explains the job's state.
func (j Job) Messages() []Message {
	switch j.Status {
	case Completed:
		c := j.Counts
		out := []Message{{Level: "INFO", Code: "JOB_COMPLETED", Text: fmt.Sprintf(
			"%d numbers processed: %d added, %d renewed, %d removed, %d not associated, %d invalid, %d duplicate, %d failed; the report has each number's outcome",
			c.Total, c.Added, c.Renewed, c.Removed, c.NotAssociated, c.Invalid, c.Duplicate, c.Failed)}}
		if c.Invalid > 0 {
			out = append(out, Message{Level: "WARNING", Code: "INVALID_NUMBERS", Text: fmt.Sprintf("%d numbers are not valid tracking numbers; fix them as the report says and submit them again", c.Invalid)})
		}
		if c.Duplicate > 0 {
			out = append(out, Message{Level: "WARNING", Code: "DUPLICATE_NUMBERS", Text: fmt.Sprintf("%d numbers repeat an earlier number of the same job and were processed once", c.Duplicate)})
		}
		return out
	case Failed:
		return []Message{{Level: "ERROR", Code: "JOB_FAILED", Text: "processing could not finish (" + j.FailureReason + "); submit the job again"}}
	case NotAccepted:
		return []Message{{Level: "ERROR", Code: "JOB_NOT_ACCEPTED", Text: "the job could not be queued; nothing was changed; submit it again"}}
	}
	return []Message{}
}
