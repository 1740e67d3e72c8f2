package memory

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/parcelgate/parcelgate/internal/outbox"
)

var _ outbox.Store = (*Outbox)(nil)

// Outbox implements outbox.Store in memory.
type Outbox struct {
	mu sync.Mutex
	// Every map is keyed by project first, so no read crosses projects.
	items    map[string]map[string]outboxEntry
	docs     map[string]map[string]outboxDoc
	archives map[string]map[string]outbox.Item
}

// outboxDoc is a stored document and its expiry.
type outboxDoc struct {
	pdf       []byte
	expiresAt time.Time
}

// outboxEntry keeps the request as JSON, as DynamoDB does: a caller's
// later change to a slice it gave or got changes nothing stored.
type outboxEntry struct {
	item    outbox.Item
	request []byte
}

func (e outboxEntry) decode() (outbox.Item, error) {
	it := e.item
	if err := json.Unmarshal(e.request, &it.Request); err != nil {
		return outbox.Item{}, fmt.Errorf("outbox item %s: request: %w", it.ID, err)
	}
	return it, nil
}

// CreateOutboxItem implements outbox.Store.
func (s *Outbox) CreateOutboxItem(_ context.Context, it outbox.Item) error {
	req, err := json.Marshal(it.Request)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.items[it.ProjectID][it.ID]; ok {
		return fmt.Errorf("outbox item %s of project %s exists", it.ID, it.ProjectID)
	}
	if s.items == nil {
		s.items = map[string]map[string]outboxEntry{}
	}
	if s.items[it.ProjectID] == nil {
		s.items[it.ProjectID] = map[string]outboxEntry{}
	}
	// A new item holds its request and status only, as DynamoDB stores it.
	stored := outbox.Item{ID: it.ID, ProjectID: it.ProjectID, Status: it.Status, CreatedAt: it.CreatedAt.UTC(), UpdatedAt: it.UpdatedAt.UTC(), ExpiresAt: epoch(it.ExpiresAt)}
	s.items[it.ProjectID][it.ID] = outboxEntry{item: stored, request: req}
	return nil
}

// OutboxItem implements outbox.Store.
func (s *Outbox) OutboxItem(_ context.Context, projectID, id string) (outbox.Item, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.items[projectID][id]
	if !ok {
		return outbox.Item{}, outbox.ErrNotFound
	}
	return e.decode()
}

// epoch is t as the table's TTL attribute keeps it: whole seconds.
func epoch(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return time.Unix(t.Unix(), 0).UTC()
}

// SaveOutboxDocument implements outbox.Store.
func (s *Outbox) SaveOutboxDocument(_ context.Context, projectID, docID string, pdf []byte, expiresAt time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.docs == nil {
		s.docs = map[string]map[string]outboxDoc{}
	}
	if s.docs[projectID] == nil {
		s.docs[projectID] = map[string]outboxDoc{}
	}
	s.docs[projectID][docID] = outboxDoc{pdf: slices.Clone(pdf), expiresAt: epoch(expiresAt)}
	return nil
}

// OutboxDocument implements outbox.Store.
func (s *Outbox) OutboxDocument(_ context.Context, projectID, docID string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	doc, ok := s.docs[projectID][docID]
	if !ok {
		return nil, outbox.ErrNoDocument
	}
	return slices.Clone(doc.pdf), nil
}

// update changes a stored item if ok says its current state allows,
// else returns refused (also for an unknown item).
func (s *Outbox) update(projectID, id string, refused error, ok func(outbox.Item) bool, change func(*outbox.Item)) error {
	e, found := s.items[projectID][id]
	if !found || !ok(e.item) {
		return refused
	}
	change(&e.item)
	s.items[projectID][id] = e
	return nil
}

// MarkGenerated implements outbox.Store.
func (s *Outbox) MarkGenerated(_ context.Context, it outbox.Item, archiveKey string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	at := it.GeneratedAt.UTC()
	err := s.update(it.ProjectID, it.ID, outbox.ErrConflict,
		func(cur outbox.Item) bool { return cur.Status == outbox.Queued },
		func(cur *outbox.Item) {
			cur.Status, cur.Document, cur.DocumentSize, cur.Pages = outbox.Generated, it.Document, it.DocumentSize, it.Pages
			cur.FromArchive, cur.GeneratedAt, cur.UpdatedAt = it.FromArchive, at, at
		})
	if err != nil || archiveKey == "" {
		return err
	}
	if s.archives == nil {
		s.archives = map[string]map[string]outbox.Item{}
	}
	if s.archives[it.ProjectID] == nil {
		s.archives[it.ProjectID] = map[string]outbox.Item{}
	}
	s.archives[it.ProjectID][archiveKey] = outbox.Item{
		ID: it.ID, ProjectID: it.ProjectID, Document: it.Document, DocumentSize: it.DocumentSize, Pages: it.Pages, GeneratedAt: at,
		ExpiresAt: epoch(it.ExpiresAt),
	}
	return nil
}

// KeepArchived implements outbox.Store.
func (s *Outbox) KeepArchived(_ context.Context, a outbox.Item, key string, now, until time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	doc, ok := s.docs[a.ProjectID][a.Document]
	if !ok || (!doc.expiresAt.IsZero() && doc.expiresAt.Unix() <= now.Unix()) {
		return outbox.ErrNoDocument
	}
	doc.expiresAt = epoch(until)
	s.docs[a.ProjectID][a.Document] = doc
	if cur, ok := s.archives[a.ProjectID][key]; ok && cur.Document == a.Document && (cur.ExpiresAt.IsZero() || cur.ExpiresAt.Unix() > now.Unix()) {
		cur.ExpiresAt = epoch(until)
		s.archives[a.ProjectID][key] = cur
	}
	return nil
}

// Archived implements outbox.Store.
func (s *Outbox) Archived(_ context.Context, projectID, key string) (outbox.Item, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.archives[projectID][key]
	if !ok {
		return outbox.Item{}, outbox.ErrNotFound
	}
	return a, nil
}

// ClaimSend implements outbox.Store.
func (s *Outbox) ClaimSend(_ context.Context, projectID, id, claim string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.update(projectID, id, outbox.ErrClaimed,
		func(cur outbox.Item) bool { return cur.Status == outbox.Generated && cur.SendClaim == "" },
		func(cur *outbox.Item) { cur.SendClaim, cur.ClaimedAt = claim, at.UTC() })
}

// ReleaseSend implements outbox.Store.
func (s *Outbox) ReleaseSend(_ context.Context, projectID, id, claim string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_ = s.update(projectID, id, nil,
		func(cur outbox.Item) bool { return cur.SendClaim != "" && cur.SendClaim == claim },
		func(cur *outbox.Item) { cur.SendClaim, cur.ClaimedAt = "", time.Time{} })
	return nil
}

// MarkSent implements outbox.Store.
func (s *Outbox) MarkSent(_ context.Context, projectID, id, claim, messageID string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.update(projectID, id, outbox.ErrConflict,
		func(cur outbox.Item) bool {
			return cur.Status == outbox.Generated && cur.SendClaim != "" && cur.SendClaim == claim
		},
		func(cur *outbox.Item) {
			cur.Status, cur.MessageID, cur.SentAt, cur.UpdatedAt = outbox.Sent, messageID, at.UTC(), at.UTC()
		})
}

// MarkFailed implements outbox.Store.
func (s *Outbox) MarkFailed(_ context.Context, projectID, id, reason string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.update(projectID, id, outbox.ErrConflict,
		func(cur outbox.Item) bool { return cur.Status == outbox.Queued || cur.Status == outbox.Generated },
		func(cur *outbox.Item) { cur.Status, cur.Reason, cur.UpdatedAt = outbox.Failed, reason, at.UTC() })
}
