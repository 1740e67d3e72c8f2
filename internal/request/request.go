// Package request holds the model every asynchronous submission shares
// (message gateway): a request holds messages, each with a status, and the
// request's summary counts its messages by status. A message injection is
// a request whose messages are tracking events or shipment records; a
// tracking-number job is a request whose messages are its numbers (see
// package job for how a job's statuses map onto them).
//
// The rules of a request's life live here, as pure functions: a request
// starts (Queued → Processing) and finishes (every message Complete,
// Failed, Invalid or Cancelled), its status derives from its summary, and
// its facets from its messages. A Store only persists what they decide.
package request

import (
	"errors"
	"time"
)

// MessageStatus is the state of one message.
type MessageStatus string

// Message statuses.
const (
	Queued     MessageStatus = "Queued"
	Processing MessageStatus = "Processing"
	Cancelled  MessageStatus = "Cancelled"
	Failed     MessageStatus = "Failed"
	Invalid    MessageStatus = "Invalid"
	Complete   MessageStatus = "Complete"
)

// Statuses lists the message statuses.
var Statuses = []MessageStatus{Queued, Processing, Cancelled, Failed, Invalid, Complete}

// Final reports whether a message in this status is done with.
func (s MessageStatus) Final() bool { return s != Queued && s != Processing }

// Kind tells what a request's messages are.
type Kind string

// Kinds.
const (
	// KindJob is a tracking-number job: its messages are its numbers.
	KindJob Kind = "job"
	// KindMessages is a message injection.
	KindMessages Kind = "messages"
)

// Errors of the request domain.
var (
	ErrNotFound = errors.New("request not found")
	// ErrOutcomesExist is what a Store returns when outcomes were saved before.
	ErrOutcomesExist = errors.New("outcomes already saved")
	// ErrStatusConflict is what a Store returns when a status precondition fails.
	ErrStatusConflict = errors.New("request status changed concurrently")
)

// Request is one accepted submission.
type Request struct {
	ID       string
	Kind     Kind
	ClientID string
	// BatchReference is the caller's reference of the whole request (a
	// job's external reference).
	BatchReference string
	ReceivedAt     time.Time
	ProcessedAt    time.Time // zero until every message is final
	ExpiresAt      time.Time
	Summary        Summary
	// Facets are the message types and statuses that occur together.
	Facets        []Facet
	FailureReason string
}

// Status is the request's status, derived from its summary.
func (r Request) Status() MessageStatus { return r.Summary.Status() }

// Finished reports whether the request reached its final state.
func (r Request) Finished() bool { return !r.ProcessedAt.IsZero() }

// Expired reports whether the request is past its lifetime.
func (r Request) Expired(now time.Time) bool { return !now.Before(r.ExpiresAt) }

// Started is r once processing began: its queued messages are
// processing. A redelivery starts a processing request again, unchanged.
func (r Request) Started() Request {
	r.Summary.Processing, r.Summary.Queued = r.Summary.Processing+r.Summary.Queued, 0
	facets := make([]Facet, 0, len(r.Facets))
	seen := map[Facet]bool{}
	for _, f := range r.Facets {
		if f.Status == Queued {
			f.Status = Processing
		}
		if !seen[f] {
			seen[f] = true
			facets = append(facets, f)
		}
	}
	r.Facets = facets
	return r
}

// Finish is r closed at at with its messages in their final state; reason
// says why, when the request could not be processed.
func (r Request) Finish(msgs []Message, at time.Time, reason string) Request {
	r.Summary, r.Facets, r.ProcessedAt = Summarize(msgs), FacetsOf(msgs), at
	if reason != "" {
		r.FailureReason = reason
	}
	return r
}

// Message is one message of a request.
type Message struct {
	ID                string
	ExternalReference string
	Type              string
	// Payload is the message as applied; only messages as received keep it.
	Payload     string
	Status      MessageStatus
	Errors      []string
	ProcessedAt time.Time
}

// Reject makes a queued message Invalid at at, for the reasons given.
func (m Message) Reject(at time.Time, reasons ...string) Message {
	m.Status, m.ProcessedAt, m.Errors = Invalid, at, reasons
	return m
}

// Settle ends an open message: a queued or processing message becomes
// status at at, with note added to its errors when given; a final one
// stays as it is.
func (m Message) Settle(status MessageStatus, at time.Time, note string) Message {
	if m.Status.Final() {
		return m
	}
	m.Status, m.ProcessedAt = status, at
	if note != "" {
		m.Errors = append(append([]string(nil), m.Errors...), note)
	}
	return m
}

// SettleAll settles every open message of msgs, in place.
func SettleAll(msgs []Message, status MessageStatus, at time.Time, note string) {
	for i := range msgs {
		msgs[i] = msgs[i].Settle(status, at, note)
	}
}

// Shown is how a message of r stands now: a queued message of a request
// being processed is processing.
func (r Request) Shown(m Message) Message {
	if m.Status == Queued && r.Summary.Processing > 0 {
		m.Status = Processing
	}
	return m
}

// Summary counts a request's messages by status.
type Summary struct {
	Total      int
	Queued     int
	Processing int
	Cancelled  int
	Failed     int
	Invalid    int
	Complete   int
}

// Summarize counts msgs by status.
func Summarize(msgs []Message) Summary {
	s := Summary{Total: len(msgs)}
	for _, m := range msgs {
		s.add(m.Status, 1)
	}
	return s
}

func (s *Summary) add(status MessageStatus, n int) {
	switch status {
	case Queued:
		s.Queued += n
	case Processing:
		s.Processing += n
	case Cancelled:
		s.Cancelled += n
	case Failed:
		s.Failed += n
	case Invalid:
		s.Invalid += n
	case Complete:
		s.Complete += n
	}
}

// Count is the number of messages in status.
func (s Summary) Count(status MessageStatus) int {
	switch status {
	case Queued:
		return s.Queued
	case Processing:
		return s.Processing
	case Cancelled:
		return s.Cancelled
	case Failed:
		return s.Failed
	case Invalid:
		return s.Invalid
	case Complete:
		return s.Complete
	}
	return 0
}

// Status is the state of a whole request, derived from its summary: it is
// Queued or Processing while any message is, else Failed if any message
// failed, Cancelled if all were cancelled, and Complete otherwise.
func (s Summary) Status() MessageStatus {
	switch {
	case s.Processing > 0:
		return Processing
	case s.Queued > 0:
		return Queued
	case s.Failed > 0:
		return Failed
	case s.Total > 0 && s.Cancelled == s.Total:
		return Cancelled
	}
	return Complete
}

// Facet is a message type and status that occur together in a request.
// The tracker finds requests by facet, so a request is indexed under each.
type Facet struct {
	Type   string
	Status MessageStatus
}

// AnyType stands for every message type in a facet: searches by status
// alone use it.
const AnyType = "*"

// FacetsOf returns the facets of msgs, in order of first occurrence.
func FacetsOf(msgs []Message) []Facet {
	seen := map[Facet]bool{}
	var out []Facet
	for _, m := range msgs {
		f := Facet{Type: m.Type, Status: m.Status}
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}

// FacetsOfSummary returns the facets of a request whose messages are all
// of type messageType, in the order of Statuses.
func FacetsOfSummary(messageType string, s Summary) []Facet {
	var out []Facet
	for _, st := range Statuses {
		if s.Count(st) > 0 {
			out = append(out, Facet{Type: messageType, Status: st})
		}
	}
	return out
}
