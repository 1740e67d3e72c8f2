package memory

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/parcelgate/parcelgate/internal/sorttime"

	"github.com/parcelgate/parcelgate/internal/page"
	"github.com/parcelgate/parcelgate/internal/webhook"
)

var _ webhook.Store = (*Webhooks)(nil)

// errWebhookTaken refuses a second endpoint with an id already in use.
var errWebhookTaken = errors.New("webhook id already in use")

// Webhooks is webhook.Store in memory. The zero value is ready to use.
type Webhooks struct {
	mu sync.Mutex
	// endpoints by project, then id; a lease lives on its endpoint, so
	// replacing or deleting the endpoint ends it, as on its item.
	endpoints map[string]map[string]webhookEndpoint
	// events by project, then key (see webhookEventKey).
	events   map[string]map[string]webhookEvent
	attempts map[string][]webhookAttempt
	seq      int
}

type webhookEndpoint struct {
	webhook.Endpoint
	leaseUntil time.Time
}

type webhookEvent struct {
	ev        webhook.Event
	expiresAt int64 // Unix seconds, as the table's TTL attribute
}

type webhookAttempt struct {
	key string // newest first is descending key order
	webhook.Attempt
}

func (s *Webhooks) project(projectID string) map[string]webhookEndpoint {
	if s.endpoints == nil {
		s.endpoints = map[string]map[string]webhookEndpoint{}
	}
	if s.endpoints[projectID] == nil {
		s.endpoints[projectID] = map[string]webhookEndpoint{}
	}
	return s.endpoints[projectID]
}

// copyEndpoint keeps callers from sharing the stored slice, and gives
// times in UTC, as read back from the table.
func copyEndpoint(e webhook.Endpoint) webhook.Endpoint {
	e.Events = slices.Clone(e.Events)
	for _, t := range []*time.Time{&e.CreatedAt, &e.PreviousSecretExpiresAt, &e.FailingSince, &e.SlowUntil, &e.DisabledAt} {
		*t = t.UTC()
	}
	return e
}

// PutEndpoint implements webhook.Store.
func (s *Webhooks) PutEndpoint(_ context.Context, e webhook.Endpoint) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.project(e.ProjectID)
	if _, ok := p[e.ID]; ok {
		return errWebhookTaken
	}
	p[e.ID] = webhookEndpoint{Endpoint: copyEndpoint(e)}
	return nil
}

// UpdateEndpoint implements webhook.Store.
func (s *Webhooks) UpdateEndpoint(_ context.Context, e webhook.Endpoint) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.project(e.ProjectID)
	if _, ok := p[e.ID]; !ok {
		return webhook.ErrNotFound
	}
	p[e.ID] = webhookEndpoint{Endpoint: copyEndpoint(e)}
	return nil
}

// Endpoint implements webhook.Store.
func (s *Webhooks) Endpoint(_ context.Context, projectID, id string) (webhook.Endpoint, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.project(projectID)[id]
	if !ok {
		return webhook.Endpoint{}, webhook.ErrNotFound
	}
	return copyEndpoint(e.Endpoint), nil
}

// Endpoints implements webhook.Store.
func (s *Webhooks) Endpoints(_ context.Context, projectID string) ([]webhook.Endpoint, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []webhook.Endpoint{}
	for _, e := range s.project(projectID) {
		out = append(out, copyEndpoint(e.Endpoint))
	}
	slices.SortFunc(out, func(a, b webhook.Endpoint) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// DeleteEndpoint implements webhook.Store.
func (s *Webhooks) DeleteEndpoint(_ context.Context, projectID, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.project(projectID), id)
	return nil
}

// DisableEndpoint implements webhook.Store.
func (s *Webhooks) DisableEndpoint(_ context.Context, projectID, id, reason string, ev webhook.Event, ref webhook.Ref, ttl time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.project(projectID)
	e, ok := p[id]
	if !ok || !e.Enabled {
		return false, nil
	}
	e.Enabled, e.DisabledEvent, e.DisabledReason, e.DisabledAt = false, ev.ID, reason, ev.CreatedAt.UTC()
	p[id] = e
	s.putEvent(ev, ref, ttl)
	return true, nil
}

// updateEndpoint changes an existing endpoint; a missing one is left
// alone, as the table's conditional updates do.
func (s *Webhooks) updateEndpoint(projectID, id string, change func(*webhookEndpoint)) {
	p := s.project(projectID)
	if e, ok := p[id]; ok {
		change(&e)
		p[id] = e
	}
}

// DisabledAnnounced implements webhook.Store.
func (s *Webhooks) DisabledAnnounced(_ context.Context, projectID, id, eventID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.updateEndpoint(projectID, id, func(e *webhookEndpoint) {
		if e.DisabledEvent == eventID {
			e.DisabledEvent = ""
		}
	})
	return nil
}

// MarkSlow implements webhook.Store.
func (s *Webhooks) MarkSlow(_ context.Context, projectID, id string, until time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.updateEndpoint(projectID, id, func(e *webhookEndpoint) { e.SlowUntil = until })
	return nil
}

// Lease implements webhook.Store.
func (s *Webhooks) Lease(_ context.Context, projectID, id string, now, until time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.project(projectID)
	e, ok := p[id]
	if !ok || (!e.leaseUntil.IsZero() && !e.leaseUntil.Before(now)) {
		return false, nil
	}
	e.leaseUntil = until
	p[id] = e
	return true, nil
}

// Release implements webhook.Store.
func (s *Webhooks) Release(_ context.Context, projectID, id string, until time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.updateEndpoint(projectID, id, func(e *webhookEndpoint) {
		if e.leaseUntil.Equal(until) {
			e.leaseUntil = time.Time{}
		}
	})
	return nil
}

// MarkFailing implements webhook.Store.
func (s *Webhooks) MarkFailing(_ context.Context, projectID, id string, at time.Time) (time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	since := at
	s.updateEndpoint(projectID, id, func(e *webhookEndpoint) {
		if e.FailingSince.IsZero() {
			e.FailingSince = at
		}
		since = e.FailingSince
	})
	return since.UTC(), nil
}

// ClearFailing implements webhook.Store.
func (s *Webhooks) ClearFailing(_ context.Context, projectID, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.updateEndpoint(projectID, id, func(e *webhookEndpoint) { e.FailingSince = time.Time{} })
	return nil
}

// webhookEventKey orders a project's events by time, then subject; the
// ref names one event, so writing it again replaces it with itself. A
// tracking.exception event follows its change's tracking.updated, as in
// the table.
func webhookEventKey(ref webhook.Ref) string {
	typ, suffix := ref.Type, ""
	if typ == webhook.TrackingException {
		typ, suffix = webhook.TrackingUpdated, "#exception"
	}
	return fmt.Sprintf("%s#%s#%s#%010d%s", sorttime.Format(ref.At), ref.Subject, typ, ref.Sequence, suffix)
}

func (s *Webhooks) putEvent(ev webhook.Event, ref webhook.Ref, ttl time.Duration) {
	if s.events == nil {
		s.events = map[string]map[string]webhookEvent{}
	}
	if s.events[ev.ProjectID] == nil {
		s.events[ev.ProjectID] = map[string]webhookEvent{}
	}
	ev.ID = ref.ID()
	ev.CreatedAt = ref.At.UTC()
	ev.Data = slices.Clone(ev.Data)
	s.events[ev.ProjectID][webhookEventKey(ref)] = webhookEvent{ev: ev, expiresAt: ev.CreatedAt.Add(ttl).Unix()}
}

// PutEvent implements webhook.Store.
func (s *Webhooks) PutEvent(_ context.Context, ev webhook.Event, ref webhook.Ref, ttl time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.putEvent(ev, ref, ttl)
	return nil
}

// live tells whether an event is still kept at now: the table hides an
// item past its expiry before its TTL deletes it.
func (e webhookEvent) live(now time.Time) bool { return e.expiresAt >= now.Unix() }

// FeedEvent implements webhook.Store.
func (s *Webhooks) FeedEvent(_ context.Context, projectID string, ref webhook.Ref) (webhook.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.events[projectID][webhookEventKey(ref)]
	if !ok || !e.live(time.Now()) {
		return webhook.Event{}, webhook.ErrEventNotFound
	}
	e.ev.Data = slices.Clone(e.ev.Data)
	return e.ev, nil
}

// FeedEvents implements webhook.Store.
func (s *Webhooks) FeedEvents(_ context.Context, projectID string, after webhook.Ref, since time.Time, limit int) ([]webhook.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	start := sorttime.Format(since)
	if !after.IsZero() {
		start = webhookEventKey(after)
	}
	now := time.Now()
	var keys []string
	for k, e := range s.events[projectID] {
		if k > start && e.live(now) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	out := make([]webhook.Event, 0, min(limit, len(keys)))
	for _, k := range keys[:min(limit, len(keys))] {
		ev := s.events[projectID][k].ev
		ev.Data = slices.Clone(ev.Data)
		out = append(out, ev)
	}
	return out, nil
}

// PutAttempt implements webhook.Store: each attempt is its own record,
// even two of one instant.
func (s *Webhooks) PutAttempt(_ context.Context, a webhook.Attempt, _ time.Duration) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.attempts == nil {
		s.attempts = map[string][]webhookAttempt{}
	}
	s.seq++
	// Kept as the table keeps them: UTC, whole milliseconds of duration.
	a.At, a.Duration = a.At.UTC(), a.Duration.Truncate(time.Millisecond)
	key := fmt.Sprintf("%s#%04d#%016d", sorttime.Format(a.At), a.Attempt, s.seq)
	s.attempts[a.WebhookID] = append(s.attempts[a.WebhookID], webhookAttempt{key: key, Attempt: a})
	return key, nil
}

// SettleAttempt implements webhook.Store.
func (s *Webhooks) SettleAttempt(_ context.Context, webhookID, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, a := range s.attempts[webhookID] {
		if a.key == key && a.Status == webhook.Pending {
			s.attempts[webhookID][i].Status = webhook.Failed
		}
	}
	return nil
}

// attemptCursor is where a page of a webhook's attempts ends; it names
// the webhook, so it cannot page through another one's.
type attemptCursor struct {
	WebhookID string `json:"w"`
	After     string `json:"k"`
}

// Attempts implements webhook.Store: newest first.
func (s *Webhooks) Attempts(_ context.Context, webhookID string, req page.Request) (page.Page[webhook.Attempt], error) {
	after := ""
	if req.Cursor != "" {
		var c attemptCursor
		b, err := base64.RawURLEncoding.DecodeString(req.Cursor)
		if err != nil || json.Unmarshal(b, &c) != nil || c.WebhookID != webhookID || c.After == "" {
			return page.Page[webhook.Attempt]{}, page.ErrBadCursor
		}
		after = c.After
	}
	limit := req.Limit
	if limit <= 0 || limit > page.MaxLimit {
		limit = page.DefaultLimit
	}
	s.mu.Lock()
	all := slices.Clone(s.attempts[webhookID])
	s.mu.Unlock()
	slices.SortFunc(all, func(a, b webhookAttempt) int { return strings.Compare(b.key, a.key) })
	var out page.Page[webhook.Attempt]
	for i, a := range all {
		if after != "" && a.key >= after {
			continue
		}
		if len(out.Items) == limit {
			b, _ := json.Marshal(attemptCursor{WebhookID: webhookID, After: all[i-1].key})
			out.NextCursor = base64.RawURLEncoding.EncodeToString(b)
			break
		}
		a.WebhookID = webhookID
		out.Items = append(out.Items, a.Attempt)
	}
	return out, nil
}
