package job

import (
	"fmt"

	"github.com/parcelgate/parcelgate/internal/request"
)

// This file maps a job onto the request model, in one place: the job
// status API and the tracker read the same job, so they cannot disagree.
//
//	job status                  its numbers as messages
//	SUBMITTED, ACCEPTED, QUEUED  Queued
//	IN_PROGRESS                  Processing
//	NOT_ACCEPTED                 Cancelled
//	FAILED                       Failed
//	COMPLETED                    per outcome (Outcome.MessageStatus)

// MessageType is the type of a job's messages, its numbers, in the tracker.
const MessageType = "TrackingNumber"

// MessageStatus is the status of every number of a job in status s that
// is not COMPLETED.
func (s Status) MessageStatus() request.MessageStatus {
	switch s {
	case InProgress:
		return request.Processing
	case NotAccepted:
		return request.Cancelled
	case Failed:
		return request.Failed
	}
	return request.Queued
}

// Summary is the job seen as a request whose messages are its numbers.
func (j Job) Summary() request.Summary {
	s := request.Summary{Total: j.Counts.Total}
	switch j.Status {
	case Completed:
		c := j.Counts
		s.Complete = c.Added + c.Renewed + c.Removed + c.NotAssociated
		s.Invalid = c.Invalid + c.Duplicate
		s.Failed = c.Failed
	case InProgress:
		s.Processing = s.Total
	case NotAccepted:
		s.Cancelled = s.Total
	case Failed:
		s.Failed = s.Total
	default:
		s.Queued = s.Total
	}
	return s
}

// Facets are the message statuses of the job seen as a request.
func (j Job) Facets() []request.Facet { return request.FacetsOfSummary(MessageType, j.Summary()) }

// Request is the job seen as a request.
func (j Job) Request() request.Request {
	return request.Request{
		ID: j.ID, Kind: request.KindJob, ClientID: j.ClientID, BatchReference: j.ExternalReference,
		ReceivedAt: j.CreatedAt, ProcessedAt: j.CompletedAt, ExpiresAt: j.ExpiresAt,
		Summary: j.Summary(), Facets: j.Facets(), FailureReason: j.FailureReason,
	}
}

// MessageStatus is the status of a number with this outcome, as a message.
func (o Outcome) MessageStatus() request.MessageStatus {
	switch o {
	case Added, Renewed, Removed, NotAssociated:
		return request.Complete
	case Invalid, Duplicate:
		return request.Invalid
	}
	return request.Failed
}

// RequestMessages shows a job's numbers as messages: its results once it
// is COMPLETED, else its submitted numbers in the job's state.
func RequestMessages(j Job, items []Item, results []Result) []request.Message {
	id := func(i int) string { return fmt.Sprintf("%s-%d", j.ID, i+1) }
	if j.Status == Completed {
		out := make([]request.Message, len(results))
		for i, r := range results {
			m := request.Message{ID: id(i), ExternalReference: r.TrackingNumber, Type: MessageType, Status: r.Outcome.MessageStatus(), ProcessedAt: j.CompletedAt}
			if m.Status != request.Complete && r.Message != "" {
				m.Errors = []string{r.Message}
			}
			out[i] = m
		}
		return out
	}
	status := j.Status.MessageStatus()
	out := make([]request.Message, len(items))
	for i, it := range items {
		out[i] = request.Message{ID: id(i), ExternalReference: it.TrackingNumber, Type: MessageType, Status: status, ProcessedAt: j.CompletedAt}
		if status == request.Failed || status == request.Cancelled {
			out[i].Errors = []string{j.Messages()[0].Text}
		}
	}
	return out
}
