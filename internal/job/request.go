package job

import "github.com/parcelgate/parcelgate/internal/request"

// Summary is the job seen as a request whose messages are its numbers.
// It is derived from the job's status and counts, so the job status API
// and the tracker cannot disagree.
func (j Job) Summary() request.Summary {
	s := request.Summary{Total: j.Counts.Total}
	switch j.Status {
	case Submitted, Accepted, Queued:
		s.Queued = s.Total
	case InProgress:
		s.Processing = s.Total
	case NotAccepted:
		s.Cancelled = s.Total
	case Failed:
		s.Failed = s.Total
	case Completed:
		c := j.Counts
		s.Complete = c.Added + c.Renewed + c.Removed + c.NotAssociated
		s.Invalid = c.Invalid + c.Duplicate
		s.Failed = c.Failed
	}
	return s
}

// MessageType is the type of a job's messages, its numbers, in the tracker.
const MessageType = "TrackingNumber"

// Facets are the message statuses of the job seen as a request.
func (j Job) Facets() []request.Facet {
	s := j.Summary()
	var out []request.Facet
	for _, c := range []struct {
		n      int
		status request.MessageStatus
	}{{s.Queued, request.Queued}, {s.Processing, request.Processing}, {s.Cancelled, request.Cancelled}, {s.Failed, request.Failed}, {s.Invalid, request.Invalid}, {s.Complete, request.Complete}} {
		if c.n > 0 {
			out = append(out, request.Facet{Type: MessageType, Status: c.status})
		}
	}
	return out
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
