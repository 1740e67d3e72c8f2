package job

import (
	"time"

	"github.com/parcelgate/parcelgate/internal/sweep"
)

// The transitions of a job's life, as pure functions: each returns the
// job as it is after the step and the statuses it may be taken from. A
// Store applies a step only if the stored job is still in one of them
// (decide once, then apply: the store holds no rule of its own).
//
//	ACCEPTED                      ─Queue──▶  QUEUED
//	ACCEPTED                      ─Refuse─▶  NOT_ACCEPTED ─Retry─▶ ACCEPTED
//	ACCEPTED, QUEUED, IN_PROGRESS ─Start──▶  IN_PROGRESS (again, on a redelivery)
//	any but COMPLETED or FAILED   ─Complete▶ COMPLETED, ─Fail▶ FAILED (Store.Finish)

// Queue is j handed to the queue.
func (j Job) Queue() (Job, []Status) {
	j.Status = Queued
	return j, []Status{Accepted}
}

// Refuse is j that could not be queued: the caller must send it again,
// so the sweeper no longer watches it.
func (j Job) Refuse(at time.Time) (Job, []Status) {
	j.Status, j.FailureReason, j.CompletedAt, j.SweepAt = NotAccepted, "queue unavailable", at, time.Time{}
	return j, []Status{Accepted}
}

// Retry is a NOT_ACCEPTED j sent again, accepted anew at at.
func (j Job) Retry(at time.Time) (Job, []Status) {
	j.Status, j.FailureReason, j.CompletedAt, j.SweepAt = Accepted, "", time.Time{}, sweep.Deadline(sweep.Waiting, at)
	return j, []Status{NotAccepted}
}

// Start is j being processed by an attempt at at: every attempt moves
// its sweep deadline, since a job whose attempts keep coming is not
// stuck; only the first one's start time counts (Store.Start keeps it).
func (j Job) Start(at time.Time) (Job, []Status) {
	j.Status, j.SweepAt = InProgress, sweep.Deadline(sweep.Running, at)
	if j.StartedAt.IsZero() {
		j.StartedAt = at
	}
	return j, []Status{Accepted, Queued, InProgress}
}

// Complete is j with its outcomes counted, at at.
func (j Job) Complete(results []Result, at time.Time) Job {
	j.Status, j.Counts, j.CompletedAt, j.SweepAt = Completed, countResults(results), at, time.Time{}
	return j
}

// Fail is j given up on, at at, for reason.
func (j Job) Fail(reason string, at time.Time) Job {
	j.Status, j.CompletedAt, j.FailureReason, j.SweepAt = Failed, at, reason, time.Time{}
	return j
}
