// Package outbox is the report outbox of weavy: a request to generate
// the report a confreport record names, for one record of an entity, keep
// it in an archive and mail it. A request is queued (QUEUED), its report
// generated (GENERATED), then mailed (SENT), or it fails (FAILED) with a
// reason.
//
// An item, as a job and its report, is kept Retention after it was
// asked for, and its document as long as the item: the document of an
// item is saved with the item's expiry, and taking an archived document
// for a newer item keeps that document (and its archive entry) until the
// newer item expires. Nothing pending expires first: an item's task
// lives in the report queue 4 days at most (and 14 in its dead-letter
// queue), far within Retention.
package outbox

import (
	"errors"
	"time"
)

// Retention is how long an item is kept after it was asked for, as jobs,
// their reports and message requests are (90 days).
const Retention = 90 * 24 * time.Hour

// Status is where an outbox item stands.
type Status string

// Outbox statuses, in order.
const (
	Queued    Status = "QUEUED"
	Generated Status = "GENERATED"
	Sent      Status = "SENT"
	Failed    Status = "FAILED"
)

// Archive is the request's fromArchive: where the document comes from.
// Weavy lists "'2' = always from the archive, 1 = from the archive if
// available, 2 = always generated anew", with 2 twice; parcelgate reads
// the first as 0, the only value left.
type Archive int

// The fromArchive values.
const (
	// ArchiveOnly takes the archived document; without one the item fails.
	ArchiveOnly Archive = 0
	// ArchiveIfAvailable takes the archived document, else generates one.
	ArchiveIfAvailable Archive = 1
	// ArchiveNever always generates the document anew (the default).
	ArchiveNever Archive = 2
)

// Attachment is a document to join to the mail: the binary field
// DataColumn of record RowID of Entity.
type Attachment struct {
	Entity     string
	DataColumn string
	RowID      string
	Name       string
	MIMEType   string
}

// Request is what a caller asks for, checked.
type Request struct {
	EventActionCode string
	BaseOutboxID    string
	ConfReportID    string
	RowID           string
	SourceEntity    string
	BaseUserID      string
	FromArchive     Archive
	// Print is the number of printed copies asked for; parcelgate has no
	// printer and only records it.
	Print          int
	MessageSubject string
	MessageBody    string
	Filename       string
	PathExport     string
	IsBodyHTML     bool
	ReplyTo        []string
	EmailTo        []string
	Attachments    []Attachment
}

// Item is an outbox request and what became of it.
type Item struct {
	ID        string
	ProjectID string
	Request
	Status    Status
	Reason    string // why it FAILED
	CreatedAt time.Time
	UpdatedAt time.Time
	// Document names the item whose stored document this item sends: its
	// own when generated for it, an earlier item's when taken from the
	// archive. Empty until GENERATED.
	Document     string
	FromArchive  bool // the document came from the archive
	DocumentSize int
	Pages        int
	GeneratedAt  time.Time
	SentAt       time.Time
	// MessageID is the mail service's id of the mail sent.
	MessageID string
	// SendClaim is set by the worker that sends the mail, before it sends:
	// a redelivered task finding it set sends nothing.
	SendClaim string
	ClaimedAt time.Time
	// ExpiresAt is when the item (CreatedAt + Retention), or an archive
	// entry's document, expires; zero for items stored before expiry.
	ExpiresAt time.Time
}

// Expired says whether the item is past its expiry at now: the table
// deletes expired items lazily, so every read checks.
func (it Item) Expired(now time.Time) bool {
	return !it.ExpiresAt.IsZero() && !now.Before(it.ExpiresAt)
}

// Task is the queue message of an item.
type Task struct {
	ProjectID string
	OutboxID  string
}

// Errors of the outbox domain.
var (
	ErrNotFound = errors.New("outbox item not found")
	// ErrNoDocument: the item has no document (yet, or it failed first).
	ErrNoDocument = errors.New("outbox item has no document")
	// ErrConflict: the item is not in the status a change expected.
	ErrConflict = errors.New("outbox item changed")
	// ErrClaimed: another worker claimed the item's mail first.
	ErrClaimed = errors.New("outbox mail already claimed")
)
