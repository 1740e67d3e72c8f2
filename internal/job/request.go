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
