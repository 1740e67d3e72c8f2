package outbox

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/parcelgate/parcelgate/internal/data"
	"github.com/parcelgate/parcelgate/internal/input"
	"github.com/parcelgate/parcelgate/internal/outage"
	"github.com/parcelgate/parcelgate/internal/project"
)

// Store keeps outbox items, their documents and the archive.
type Store interface {
	// CreateOutboxItem stores a new item; an id already taken in the
	// project is an error and changes nothing.
	CreateOutboxItem(ctx context.Context, it Item) error
	// OutboxItem returns an item of the project, or ErrNotFound.
	OutboxItem(ctx context.Context, projectID, id string) (Item, error)
	// SaveOutboxDocument stores a generated document under its own id,
	// expiring at expiresAt.
	SaveOutboxDocument(ctx context.Context, projectID, docID string, pdf []byte, expiresAt time.Time) error
	// OutboxDocument returns a stored document, or ErrNoDocument.
	OutboxDocument(ctx context.Context, projectID, docID string) ([]byte, error)
	// MarkGenerated records the item's document (it.Document, DocumentSize,
	// Pages, FromArchive, GeneratedAt) if the item is still QUEUED (else
	// ErrConflict); archiveKey, when not empty, makes the document the
	// archived one of that key, in the same write, expiring with the item.
	MarkGenerated(ctx context.Context, it Item, archiveKey string) error
	// Archived returns the item holding the archived document of key,
	// its size, pages and expiry, or ErrNotFound.
	Archived(ctx context.Context, projectID, key string) (Item, error)
	// KeepArchived moves the expiry of the archived document a (as
	// Archived returned it) and of its archive entry of key to until, so
	// that a newer item can take it. ErrNoDocument: the document expired
	// at now, or is gone.
	KeepArchived(ctx context.Context, a Item, key string, now, until time.Time) error
	// ClaimSend sets the item's send claim if it is GENERATED and has
	// none (else ErrClaimed, also for an unknown item).
	ClaimSend(ctx context.Context, projectID, id, claim string, at time.Time) error
	// ReleaseSend removes claim, if it is still the item's; otherwise it
	// does nothing.
	ReleaseSend(ctx context.Context, projectID, id, claim string) error
	// MarkSent records the mail of the holder of claim, if the item is
	// GENERATED and claim is its send claim (else ErrConflict).
	MarkSent(ctx context.Context, projectID, id, claim, messageID string, at time.Time) error
	// MarkFailed fails an item that is not SENT or FAILED yet (else
	// ErrConflict, also for an unknown item).
	MarkFailed(ctx context.Context, projectID, id, reason string, at time.Time) error
}

// Queue sends an item's task to the report worker.
type Queue interface {
	SendReport(ctx context.Context, t Task) error
}

// Records reads the data exchange's records.
type Records interface {
	Access(ctx context.Context, c project.Caller, projectID, entity string, write bool) (*data.Entity, error)
	Get(ctx context.Context, projectID string, e *data.Entity, code string) (data.Record, error)
}

// Service takes outbox requests and serves their items.
type Service struct {
	Store   Store
	Queue   Queue
	Records Records
	Catalog *data.Catalog
	Now     func() time.Time
	NewID   func() string
}

// Entities the outbox reads.
const (
	ReportEntity = "confreport"
	UserEntity   = "baseuser"
)

// Submit checks the request against the project's records, stores the
// item and queues it. Nothing is stored when a record it names is missing.
func (s Service) Submit(ctx context.Context, c project.Caller, projectID string, r Request) (Item, error) {
	if _, err := s.Records.Access(ctx, c, projectID, "", true); err != nil {
		return Item{}, err
	}
	reportDef, err := s.record(ctx, projectID, ReportEntity, r.ConfReportID, "confreport_ID")
	if err != nil {
		return Item{}, err
	}
	if err := CheckDefinition(reportDef, r.SourceEntity); err != nil {
		return Item{}, err
	}
	if _, err := s.record(ctx, projectID, r.SourceEntity, r.RowID, "rowID"); err != nil {
		return Item{}, err
	}
	if _, err := s.record(ctx, projectID, UserEntity, r.BaseUserID, "baseUser_ID"); err != nil {
		return Item{}, err
	}
	for i, a := range r.Attachments {
		field := fmt.Sprintf("attachments[%d]", i)
		e, ok := s.Catalog.Entity(a.Entity)
		if !ok {
			return Item{}, &input.Error{Field: field + ".entity", Message: fmt.Sprintf("%q is not an entity; GET /v1/data/{projectId}/entities lists them", a.Entity)}
		}
		if f, ok := e.Field(a.DataColumn); !ok || f.Type != data.Binary {
			return Item{}, &input.Error{Field: field + ".dataColumn", Message: fmt.Sprintf("%q is not a binary field of %s", a.DataColumn, a.Entity)}
		}
		if _, err := s.record(ctx, projectID, a.Entity, a.RowID, field+".rowID"); err != nil {
			return Item{}, err
		}
	}
	now := s.Now().UTC()
	it := Item{ID: s.NewID(), ProjectID: projectID, Request: r, Status: Queued, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(Retention)}
	if err := s.Store.CreateOutboxItem(ctx, it); err != nil {
		return Item{}, err
	}
	if err := s.Queue.SendReport(ctx, Task{ProjectID: projectID, OutboxID: it.ID}); err != nil {
		// The item must not wait for a task that never comes. Should this
		// fail too, the item stays QUEUED until it expires (Retention); the
		// caller was told to send it again.
		dctx, cancel := outage.Detach(ctx)
		defer cancel()
		_ = s.Store.MarkFailed(dctx, projectID, it.ID, "the request could not be queued; send it again", s.Now().UTC())
		return Item{}, err
	}
	return it, nil
}

// record returns a live record of entity, or an input.Missing error on field.
func (s Service) record(ctx context.Context, projectID, entity, code, field string) (data.Record, error) {
	e, ok := s.Catalog.Entity(entity)
	if !ok {
		return data.Record{}, &input.Error{Field: field, Message: fmt.Sprintf("names a record of %q, which is not an entity", entity)}
	}
	rec, err := s.Records.Get(ctx, projectID, e, code)
	var invalid *input.Error
	switch {
	case errors.Is(err, data.ErrNotFound):
		return data.Record{}, &input.Error{Field: field, Message: fmt.Sprintf("%q: no %s record has this code", code, entity), Kind: input.Missing}
	case errors.As(err, &invalid):
		return data.Record{}, &input.Error{Field: field, Message: invalid.Message}
	}
	return rec, err
}

// CheckDefinition refuses a report definition made for another entity or
// another format than PDF. Each message continues its field's name, as
// the API and a failed item's reason show them.
func CheckDefinition(def data.Record, sourceEntity string) error {
	if want, _ := def.Values["sourceEntity"].(string); want != "" && want != sourceEntity {
		return &input.Error{Field: "sourceEntity", Message: fmt.Sprintf("is %q, but report %s is defined for %q", sourceEntity, def.Code, want)}
	}
	if format, _ := def.Values["format"].(string); format != "" && !strings.EqualFold(format, "pdf") {
		return &input.Error{Field: "confreport_ID", Message: fmt.Sprintf("names report %s, whose format is %q; the outbox generates PDF reports only", def.Code, format)}
	}
	return nil
}

// Get returns an item of the project; an expired one is not found.
func (s Service) Get(ctx context.Context, c project.Caller, projectID, id string) (Item, error) {
	if _, err := s.Records.Access(ctx, c, projectID, "", false); err != nil {
		return Item{}, err
	}
	it, err := s.Store.OutboxItem(ctx, projectID, id)
	if err == nil && it.Expired(s.Now()) {
		return Item{}, ErrNotFound
	}
	return it, err
}

// Document returns an item and its document.
func (s Service) Document(ctx context.Context, c project.Caller, projectID, id string) (Item, []byte, error) {
	it, err := s.Get(ctx, c, projectID, id)
	if err != nil {
		return Item{}, nil, err
	}
	if it.Document == "" {
		return Item{}, nil, ErrNoDocument
	}
	pdf, err := s.Store.OutboxDocument(ctx, projectID, it.Document)
	return it, pdf, err
}
