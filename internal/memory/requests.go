package memory

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/parcelgate/parcelgate/internal/request"
	"github.com/parcelgate/parcelgate/internal/sweep"
)

var _ request.Store = (*Requests)(nil)

// Requests is request.Store in memory. Message injections live here; a
// job's request is read from Jobs, when set, as DynamoDB reads a job's
// item: the same job seen as a request (see job.Request).
type Requests struct {
	// Jobs, when set, holds the jobs that are requests too.
	Jobs *Jobs

	mu       sync.Mutex
	requests map[string]request.Request
	messages map[string][]request.Message
	outcomes map[string][]request.Message
	// deadlines holds the sweeper's view of each unfinished request, as
	// the request's item holds the sweep index's keys on DynamoDB.
	deadlines map[string]deadline
}

// deadline is when unfinished work counts as stuck, and how often the
// sweeper sent it again.
type deadline struct {
	at       time.Time
	requeues int
}

// NewRequests returns an empty store.
func NewRequests() *Requests {
	return &Requests{
		requests: map[string]request.Request{},
		messages: map[string][]request.Message{},
		outcomes: map[string][]request.Message{},

		deadlines: map[string]deadline{},
	}
}

// CreateRequest implements request.Store.
func (s *Requests) CreateRequest(_ context.Context, r request.Request, msgs []request.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.requests[r.ID]; ok {
		return fmt.Errorf("request %s exists", r.ID)
	}
	r.Facets = slices.Clone(r.Facets)
	s.requests[r.ID] = r
	s.messages[r.ID] = cloneMessages(msgs)
	s.deadlines[r.ID] = deadline{at: sweep.Deadline(sweep.Waiting, r.ReceivedAt).UTC()}
	return nil
}

// Request implements request.Store.
func (s *Requests) Request(_ context.Context, id string) (request.Request, error) {
	if r, ok := s.request(id); ok {
		return r, nil
	}
	return request.Request{}, request.ErrNotFound
}

func (s *Requests) request(id string) (request.Request, bool) {
	s.mu.Lock()
	r, ok := s.requests[id]
	s.mu.Unlock()
	if ok {
		r.Facets = slices.Clone(r.Facets)
		return r, true
	}
	if s.Jobs != nil {
		if j, ok := s.Jobs.job(id); ok {
			return j.Request(), true
		}
	}
	return request.Request{}, false
}

// StartRequest implements request.Store.
func (s *Requests) StartRequest(_ context.Context, r request.Request, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	stored, ok := s.requests[r.ID]
	if !ok || stored.Finished() || (stored.Status() != request.Queued && stored.Status() != request.Processing) {
		return request.ErrStatusConflict
	}
	started := r.Started()
	stored.Summary, stored.Facets = started.Summary, started.Facets
	s.requests[r.ID] = stored
	d := s.deadlines[r.ID]
	d.at = sweep.Deadline(sweep.Running, at).UTC()
	s.deadlines[r.ID] = d
	return nil
}

// Messages implements request.Store.
func (s *Requests) Messages(_ context.Context, r request.Request) ([]request.Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return cloneMessages(s.messages[r.ID]), nil
}

// SaveOutcomes implements request.Store.
func (s *Requests) SaveOutcomes(_ context.Context, r request.Request, msgs []request.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.outcomes[r.ID]; ok {
		return request.ErrOutcomesExist
	}
	out := cloneMessages(msgs)
	for i := range out {
		out[i].Payload = ""
	}
	s.outcomes[r.ID] = out
	return nil
}

// Outcomes implements request.Store.
func (s *Requests) Outcomes(_ context.Context, r request.Request) ([]request.Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return cloneMessages(s.outcomes[r.ID]), nil
}

// FinishRequest implements request.Store.
func (s *Requests) FinishRequest(_ context.Context, r request.Request) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	stored, ok := s.requests[r.ID]
	if !ok || stored.Finished() {
		return request.ErrStatusConflict
	}
	stored.Summary, stored.Facets, stored.ProcessedAt = r.Summary, slices.Clone(r.Facets), r.ProcessedAt
	if r.FailureReason != "" {
		stored.FailureReason = r.FailureReason
	}
	s.requests[r.ID] = stored
	delete(s.deadlines, r.ID)
	return nil
}

// CompleteFinish implements request.Store: there is nothing to complete,
// FinishRequest being one step and Lookup reading each request's own
// facets.
func (s *Requests) CompleteFinish(context.Context, request.Request) error { return nil }

// Lookup implements request.Store.
func (s *Requests) Lookup(_ context.Context, clientID string, key request.Key, from, to time.Time, limit int) ([]request.Entry, error) {
	var out []request.Entry
	for _, r := range s.all() {
		if r.ClientID != clientID || r.ReceivedAt.Before(from) || (!to.IsZero() && !r.ReceivedAt.Before(to)) || !s.answers(r, key) {
			continue
		}
		out = append(out, request.Entry{ID: r.ID, ReceivedAt: r.ReceivedAt})
	}
	slices.SortFunc(out, func(a, b request.Entry) int {
		if c := b.ReceivedAt.Compare(a.ReceivedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	return out[:min(len(out), limit)], nil
}

// answers reports whether r is found under key.
func (s *Requests) answers(r request.Request, key request.Key) bool {
	switch {
	case key.Ref != "":
		if r.BatchReference == key.Ref {
			return true
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		return slices.ContainsFunc(s.messages[r.ID], func(m request.Message) bool { return m.ExternalReference == key.Ref })
	case key.Facet != (request.Facet{}):
		return slices.ContainsFunc(r.Facets, func(f request.Facet) bool {
			return f.Status == key.Facet.Status && (key.Facet.Type == request.AnyType || f.Type == key.Facet.Type)
		})
	}
	return true
}

// all lists every request, jobs included.
func (s *Requests) all() []request.Request {
	s.mu.Lock()
	out := make([]request.Request, 0, len(s.requests))
	for _, r := range s.requests {
		out = append(out, r)
	}
	s.mu.Unlock()
	if s.Jobs != nil {
		for _, j := range s.Jobs.all() {
			out = append(out, j.Request())
		}
	}
	return out
}

// Requests implements request.Store.
func (s *Requests) Requests(_ context.Context, ids []string) ([]request.Request, error) {
	var out []request.Request
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		if r, ok := s.request(id); ok {
			out = append(out, r)
		}
	}
	return out, nil
}

// RequestMessages implements request.Store.
func (s *Requests) RequestMessages(ctx context.Context, r request.Request) ([]request.Message, error) {
	if r.Kind == request.KindJob && s.Jobs != nil {
		return s.Jobs.requestMessages(r.ID)
	}
	msgs, _ := s.Outcomes(ctx, r)
	if len(msgs) == 0 {
		return s.Messages(ctx, r)
	}
	return msgs, nil
}

func cloneMessages(msgs []request.Message) []request.Message {
	if msgs == nil {
		return nil
	}
	out := make([]request.Message, len(msgs))
	for i, m := range msgs {
		m.Errors = slices.Clone(m.Errors)
		out[i] = m
	}
	return out
}

// claimRequeue implements sweep.Store.ClaimRequeue for a message request.
func (s *Requests) claimRequeue(w sweep.Work, next time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.deadlines[w.ID]
	if !ok {
		return sweep.ErrMoved
	}
	if err := requeue(&d.at, &d.requeues, w, next); err != nil {
		return err
	}
	s.deadlines[w.ID] = d
	return nil
}

// open lists the unfinished message requests.
func (s *Requests) open() []sweep.Work {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]sweep.Work, 0, len(s.deadlines))
	for id, d := range s.deadlines {
		out = append(out, sweep.Work{Kind: sweep.KindMessages, ID: id, Due: d.at, Requeues: d.requeues})
	}
	return out
}
