package data

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/parcelgate/parcelgate/internal/input"
	"github.com/parcelgate/parcelgate/internal/project"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

// Errors of the data domain.
var (
	ErrEntityNotFound = errors.New("entity not found")
	ErrNotFound       = errors.New("record not found")
	// ErrExists: a record with this code exists; update it with PUT.
	ErrExists = errors.New("record exists")
	// ErrChanged: the record is not the version the caller named (If-Match).
	ErrChanged = errors.New("record changed")
	// ErrReferenced: a physical delete of a record other records refer to.
	ErrReferenced = errors.New("record is referenced")
	// ErrContended: concurrent writers kept changing the record; retry.
	ErrContended = errors.New("record changed concurrently")
	// ErrLocked: an import is writing the record, or needs it unchanged
	// until it commits; retry in a few seconds.
	ErrLocked = errors.New("record locked by an import")
)

// Index says which key order a read follows.
type Index int

// The orders records can be read in.
const (
	// ByCode reads the entity's records in code order.
	ByCode Index = iota
	// ByExportDate reads the records with srvExport = 0 by srvDateUTC.
	ByExportDate
)

// Read is one bounded read of an entity's records.
type Read struct {
	ProjectID  string
	Entity     *Entity
	Index      Index
	Descending bool
	Cursor     string
	// Limit is the most records returned.
	Limit int
	// MaxScanned bounds the items read when Match rejects some (at
	// least Limit+1, logically deleted items included): a read that
	// reaches it returns what it found and a cursor, which may lead to
	// an empty page.
	MaxScanned int
	// Match selects records; nil selects all. Logically deleted records
	// are never returned.
	Match func(Record) bool
}

// Store persists records. Writes are atomic: a record, the references it
// holds and the foreign-key checks commit together or not at all.
type Store interface {
	// Record returns a record, logically deleted ones included, or ErrNotFound.
	Record(ctx context.Context, projectID string, e *Entity, code string) (Record, error)
	// SaveRecord writes rec over old (nil: the code must be free), on the
	// condition that old is still the stored version (else ErrChanged)
	// and that every foreign key of rec that differs from old's names a
	// live record (else an *input.Error naming the field).
	SaveRecord(ctx context.Context, projectID string, e *Entity, old *Record, rec Record) error
	// RemoveRecord deletes old physically if it is still the stored
	// version (else ErrChanged) and no record refers to it (else ErrReferenced).
	RemoveRecord(ctx context.Context, projectID string, e *Entity, old Record) error
	// ReadRecords returns up to r.Limit records and the cursor of the rest.
	ReadRecords(ctx context.Context, r Read) ([]Record, string, error)
	// MarkExported sets srvExport if the record's srvDateUTC is still
	// stamp; otherwise it reports the conflict and the current stamp.
	MarkExported(ctx context.Context, projectID string, e *Entity, code string, stamp time.Time, value int64) (Conflict, error)
	// TrackedRecords lists the records following a tracking number.
	TrackedRecords(ctx context.Context, number string) ([]TrackedRecord, error)
}

// Projects authorizes callers.
type Projects interface {
	Authorize(ctx context.Context, c project.Caller, projectID string, allowed func(project.Role) bool) (project.Membership, error)
}

// Service applies the data exchange rules.
type Service struct {
	Store    Store
	Projects Projects
	Catalog  *Catalog
	Now      func() time.Time
	NewID    func() string
	// Imports and ImportQueue run imports, deletes and merges.
	Imports     ImportStore
	ImportQueue ImportQueue
}

// MaxIDBytes bounds every id in a path.
const MaxIDBytes = 200

// Access checks the caller's role on the project and finds the entity:
// reading needs any role, writing admin or contributor.
func (s Service) Access(ctx context.Context, c project.Caller, projectID, entity string, write bool) (*Entity, error) {
	if len(projectID) > MaxIDBytes {
		return nil, &input.Error{Field: "projectId", Message: "is at most 200 bytes", Labelled: true}
	}
	allowed := project.Role.CanRead
	if write {
		allowed = project.Role.CanSubmit
	}
	if _, err := s.Projects.Authorize(ctx, c, projectID, allowed); err != nil {
		return nil, err
	}
	if entity == "" {
		return nil, nil
	}
	e, ok := s.Catalog.Entity(entity)
	if !ok {
		return nil, ErrEntityNotFound
	}
	return e, nil
}

func checkCode(code string) error {
	if err := CheckText(code, MaxCodeBytes, true); err != nil {
		return &input.Error{Field: "code", Message: "the record code " + err.Error(), Labelled: true}
	}
	return nil
}

// Get returns a live record.
func (s Service) Get(ctx context.Context, projectID string, e *Entity, code string) (Record, error) {
	if err := checkCode(code); err != nil {
		return Record{}, err
	}
	r, err := s.Store.Record(ctx, projectID, e, code)
	if err == nil && r.Deleted {
		err = ErrNotFound
	}
	return r, err
}

// Create stores a new record: the code sent, or a new one. A code whose
// record was logically deleted is taken again.
func (s Service) Create(ctx context.Context, projectID string, e *Entity, w Write) (Record, error) {
	code := w.Code
	if code == "" {
		code = s.NewID()
	}
	var old *Record
	switch cur, err := s.Store.Record(ctx, projectID, e, code); {
	case err == nil && !cur.Deleted:
		return Record{}, ErrExists
	case err == nil:
		old = &cur
	case !errors.Is(err, ErrNotFound):
		return Record{}, err
	}
	rec := Record{Entity: e.Name, Code: code, Values: map[string]any{}}
	for name, v := range w.Values {
		if v != nil {
			rec.Values[name] = v
		}
	}
	rec.SrvDateUTC = NextStamp(s.Now(), stampOf(old))
	if err := s.Store.SaveRecord(ctx, projectID, e, old, rec); err != nil {
		if errors.Is(err, ErrChanged) {
			return Record{}, ErrExists
		}
		return Record{}, err
	}
	return rec, nil
}

func stampOf(r *Record) time.Time {
	if r == nil {
		return time.Time{}
	}
	return r.SrvDateUTC
}

// Update changes the fields sent. ifMatch, when not zero, is the
// srvDateUTC the caller last read: another version is ErrChanged.
func (s Service) Update(ctx context.Context, projectID string, e *Entity, code string, w Write, ifMatch time.Time) (Record, error) {
	if w.Code != "" && w.Code != code {
		return Record{}, &input.Error{Field: e.CodeField(), Message: "the code is the one in the URL; it cannot be changed", Labelled: true}
	}
	return s.change(ctx, projectID, e, code, ifMatch, func(r *Record) {
		for name, v := range w.Values {
			if v == nil {
				delete(r.Values, name)
			} else {
				r.Values[name] = v
			}
		}
	})
}

// maxAttempts bounds retries of a read-modify-write lost to a concurrent
// writer when the caller did not pin a version.
const maxAttempts = 8

// retryLater waits before attempt n+1 of a write lost to a concurrent
// writer: a growing, jittered pause, so that writers stop colliding.
func retryLater(ctx context.Context, attempt int) error {
	d := time.Duration(attempt)*5*time.Millisecond + time.Duration(rand.Int64N(int64(10*time.Millisecond)))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// change applies edit to the live record as a new version.
func (s Service) change(ctx context.Context, projectID string, e *Entity, code string, ifMatch time.Time, edit func(*Record)) (Record, error) {
	for attempt := 1; ; attempt++ {
		old, err := s.Get(ctx, projectID, e, code)
		if err != nil {
			return Record{}, err
		}
		if !ifMatch.IsZero() && !old.SrvDateUTC.Equal(ifMatch) {
			return Record{}, ErrChanged
		}
		rec := old
		rec.Values = make(map[string]any, len(old.Values))
		for k, v := range old.Values {
			rec.Values[k] = v
		}
		edit(&rec)
		rec.SrvDateUTC, rec.SrvExport = NextStamp(s.Now(), old.SrvDateUTC), 0
		err = s.Store.SaveRecord(ctx, projectID, e, &old, rec)
		if errors.Is(err, ErrChanged) && ifMatch.IsZero() {
			if attempt == maxAttempts {
				return Record{}, ErrContended
			}
			if err := retryLater(ctx, attempt); err != nil {
				return Record{}, err
			}
			continue
		}
		return rec, err
	}
}

// DeleteMode is how a record is deleted.
type DeleteMode string

// Delete modes of weavy.
const (
	Logical  DeleteMode = "Logical"
	Physical DeleteMode = "Physical"
)

// Delete removes a record: logically (hidden, its code free again) or
// physically (gone; refused while other records refer to it).
func (s Service) Delete(ctx context.Context, projectID string, e *Entity, code string, mode DeleteMode, ifMatch time.Time) error {
	switch mode {
	case Logical:
		_, err := s.change(ctx, projectID, e, code, ifMatch, func(r *Record) { r.Deleted = true })
		return err
	case Physical:
		old, err := s.Get(ctx, projectID, e, code)
		if err != nil {
			return err
		}
		if !ifMatch.IsZero() && !old.SrvDateUTC.Equal(ifMatch) {
			return ErrChanged
		}
		return s.Store.RemoveRecord(ctx, projectID, e, old)
	}
	return &input.Error{Field: "deleteMode", Message: "must be Logical or Physical", Labelled: true}
}

// FollowTracking moves a tracked record's status to a tracking event, if
// the event is newer than its status; redelivered events change nothing.
func (s Service) FollowTracking(ctx context.Context, projectID string, e *Entity, code string, ev tracking.Event) error {
	if e.Tracks == "" || ev.At.IsZero() {
		return nil
	}
	at := ev.At.UTC().Truncate(stampTick)
	for attempt := 1; ; attempt++ {
		old, err := s.Get(ctx, projectID, e, code)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if cur, ok := old.Values[FieldStatusDate].(time.Time); ok && !at.After(cur) {
			return nil
		}
		rec := old
		rec.Values = make(map[string]any, len(old.Values)+2)
		for k, v := range old.Values {
			rec.Values[k] = v
		}
		rec.Values[FieldStatus], rec.Values[FieldStatusDate] = ev.Status, at
		rec.SrvDateUTC, rec.SrvExport = NextStamp(s.Now(), old.SrvDateUTC), 0
		err = s.Store.SaveRecord(ctx, projectID, e, &old, rec)
		if errors.Is(err, ErrChanged) && attempt < maxAttempts {
			if err := retryLater(ctx, attempt); err != nil {
				return err
			}
			continue
		}
		return err
	}
}

// TrackingKey is the normalized tracking number a record follows, or "".
func (e *Entity) TrackingKey(r Record) string {
	if e.Tracks == "" || r.Deleted {
		return ""
	}
	s, _ := r.Values[e.Tracks].(string)
	if s == "" {
		return ""
	}
	number, _, _ := tracking.Identify(s)
	return number
}

// Conflict is an export validation that did not apply.
type Conflict struct {
	RowCode string
	// Reason is "MODIFIED" or "NOT_FOUND"; "" when the row was updated.
	Reason string
	// SrvDateUTC is the row's current stamp (zero when not found).
	SrvDateUTC time.Time
}

// Conflict reasons of export validation.
const (
	ReasonModified = "MODIFIED"
	ReasonNotFound = "NOT_FOUND"
)

func errorf(field, format string, args ...any) error {
	return &input.Error{Field: field, Message: fmt.Sprintf(format, args...), Labelled: true}
}

// TrackedRecord names a record that follows a tracking number.
type TrackedRecord struct {
	ProjectID string
	Entity    string
	Code      string
}

// FollowNumber moves the status of every record that follows number to
// the event (the message processor calls it for each number's newest
// event of a batch).
func (s Service) FollowNumber(ctx context.Context, number string, ev tracking.Event) error {
	refs, err := s.Store.TrackedRecords(ctx, number)
	if err != nil {
		return err
	}
	for _, r := range refs {
		e, ok := s.Catalog.Entity(r.Entity)
		if !ok {
			continue
		}
		if err := s.FollowTracking(ctx, r.ProjectID, e, r.Code, ev); err != nil {
			return err
		}
	}
	return nil
}
