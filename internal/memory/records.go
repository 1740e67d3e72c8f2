package memory

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/parcelgate/parcelgate/internal/data"
	"github.com/parcelgate/parcelgate/internal/input"
	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/page"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

var _ data.Store = (*Records)(nil)

// Records is data.Store in memory: records, the references their foreign
// keys hold and the records following each tracking number. It keeps the
// promises of the port; what a write does to other ports' data in the
// table (an account's licence, the subscription of a tracked number) is
// theirs to model.
type Records struct {
	mu sync.Mutex
	// records by recordPartition, then code.
	records map[recordPartition]map[string]data.Record
	// refs by the record referred to, then the referring field.
	refs map[recordRef]map[recordReferrer]bool
	// tracked by tracking number.
	tracked map[string]map[data.TrackedRecord]bool

	// Subscribe, when set, stores the project's subscription of a number
	// a record starts to follow, as the table's record write does (40 days
	// from the write, as a job's ADD): so its status keeps arriving.
	Subscribe func(job.Association)
	// Release, when set, gives back n licences of a project: a write that
	// deletes an active account frees its licence, as on the table.
	Release func(projectID string, n int)
}

// release frees the licence of old when it is an active account that
// the write deletes; s.mu is held.
func (s *Records) release(projectID string, e *data.Entity, old *data.Record, deleted bool) {
	if deleted && s.Release != nil && activeAccount(e, old) {
		s.Release(projectID, 1)
	}
}

type recordPartition struct{ projectID, entity string }

type recordRef struct{ projectID, entity, code string }

type recordReferrer struct{ entity, field, code string }

// recordStamp is a stamp as the table keeps and compares it.
func recordStamp(t time.Time) string { return t.UTC().Format(data.StampLayout) }

// storedRecord is r as read back from the table: only the entity's
// fields with a value, datetimes in UTC to the stamp's resolution.
func storedRecord(e *data.Entity, r data.Record) (data.Record, error) {
	out := r
	out.Entity = e.Name
	out.SrvDateUTC, _ = time.Parse(data.StampLayout, recordStamp(r.SrvDateUTC))
	out.Values = make(map[string]any, len(r.Values))
	for name, v := range r.Values {
		if _, ok := e.Field(name); !ok || v == nil {
			continue
		}
		switch x := v.(type) {
		case string, int64, data.Dec, bool:
			out.Values[name] = x
		case time.Time:
			out.Values[name], _ = time.Parse(data.StampLayout, recordStamp(x))
		case []byte:
			out.Values[name] = slices.Clone(x)
		default:
			return data.Record{}, fmt.Errorf("record %s.%s: value of type %T", e.Name, name, v)
		}
	}
	return out, nil
}

// copyRecord keeps callers from sharing stored maps and slices.
func copyRecord(r data.Record) data.Record {
	values := make(map[string]any, len(r.Values))
	for name, v := range r.Values {
		if b, ok := v.([]byte); ok {
			v = slices.Clone(b)
		}
		values[name] = v
	}
	r.Values = values
	return r
}

func (s *Records) stored(projectID, entity, code string) (data.Record, bool) {
	r, ok := s.records[recordPartition{projectID, entity}][code]
	return r, ok
}

// live tells whether a record a foreign key names exists, not deleted.
func (s *Records) live(projectID, entity, code string) bool {
	r, ok := s.stored(projectID, entity, code)
	return ok && !r.Deleted
}

// Record implements data.Store.
func (s *Records) Record(_ context.Context, projectID string, e *data.Entity, code string) (data.Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.stored(projectID, e.Name, code)
	if !ok {
		return data.Record{}, data.ErrNotFound
	}
	return copyRecord(r), nil
}

// SaveRecord implements data.Store.
func (s *Records) SaveRecord(_ context.Context, projectID string, e *data.Entity, old *data.Record, rec data.Record) error {
	it, err := storedRecord(e, rec)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, exists := s.stored(projectID, e.Name, rec.Code)
	if (old == nil && exists) || (old != nil && (!exists || recordStamp(cur.SrvDateUTC) != recordStamp(old.SrvDateUTC))) {
		return data.ErrChanged
	}
	var oldValues map[string]any
	if old != nil {
		oldValues = old.Values
	}
	for _, fk := range e.ForeignKeys() {
		nv, _ := rec.Values[fk.Name].(string)
		ov, _ := oldValues[fk.Name].(string)
		if nv != ov && nv != "" && !s.live(projectID, fk.References, nv) {
			return &input.Error{Field: fk.Name, Message: fmt.Sprintf("%s %q names no %s record", fk.Name, nv, fk.References), Labelled: true}
		}
	}
	s.write(projectID, e, old, it)
	s.release(projectID, e, old, it.Deleted)
	return nil
}

// write stores it over old, whose conditions are checked, with what goes
// with a record's new version: the references of its foreign keys, the
// tracking number it follows and its project's subscription of it. s.mu
// is held.
func (s *Records) write(projectID string, e *data.Entity, old *data.Record, it data.Record) {
	var oldValues map[string]any
	oldTracked := ""
	if old != nil {
		oldValues, oldTracked = old.Values, e.TrackingKey(*old)
	}
	for _, fk := range e.ForeignKeys() {
		nv, _ := it.Values[fk.Name].(string)
		ov, _ := oldValues[fk.Name].(string)
		if nv == ov {
			continue
		}
		from := recordReferrer{e.Name, fk.Name, it.Code}
		if ov != "" {
			delete(s.refs[recordRef{projectID, fk.References, ov}], from)
		}
		if nv != "" {
			s.addRef(recordRef{projectID, fk.References, nv}, from)
		}
	}
	newTracked := e.TrackingKey(it)
	s.track(projectID, e, it.Code, oldTracked, newTracked)
	if _, c, err := tracking.Identify(newTracked); err == nil && newTracked != oldTracked && s.Subscribe != nil {
		at := it.SrvDateUTC.UTC()
		s.Subscribe(job.Association{ProjectID: projectID, TrackingNumber: newTracked, Carrier: string(c), AddedAt: at, ExpiresAt: at.Add(job.AssociationTTL)})
	}
	if s.records == nil {
		s.records = map[recordPartition]map[string]data.Record{}
	}
	p := recordPartition{projectID, e.Name}
	if s.records[p] == nil {
		s.records[p] = map[string]data.Record{}
	}
	s.records[p][it.Code] = it
}

func (s *Records) addRef(to recordRef, from recordReferrer) {
	if s.refs == nil {
		s.refs = map[recordRef]map[recordReferrer]bool{}
	}
	if s.refs[to] == nil {
		s.refs[to] = map[recordReferrer]bool{}
	}
	s.refs[to][from] = true
}

// track moves a record from the tracking number it followed to the one
// it follows.
func (s *Records) track(projectID string, e *data.Entity, code, from, to string) {
	if from == to {
		return
	}
	tr := data.TrackedRecord{ProjectID: projectID, Entity: e.Name, Code: code}
	if from != "" {
		delete(s.tracked[from], tr)
	}
	if to != "" {
		if s.tracked == nil {
			s.tracked = map[string]map[data.TrackedRecord]bool{}
		}
		if s.tracked[to] == nil {
			s.tracked[to] = map[data.TrackedRecord]bool{}
		}
		s.tracked[to][tr] = true
	}
}

// RemoveRecord implements data.Store.
func (s *Records) RemoveRecord(_ context.Context, projectID string, e *data.Entity, old data.Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.stored(projectID, e.Name, old.Code)
	if !ok || recordStamp(cur.SrvDateUTC) != recordStamp(old.SrvDateUTC) {
		return data.ErrChanged
	}
	if len(s.refs[recordRef{projectID, e.Name, old.Code}]) > 0 {
		return data.ErrReferenced
	}
	for _, fk := range e.ForeignKeys() {
		if v, _ := old.Values[fk.Name].(string); v != "" {
			delete(s.refs[recordRef{projectID, fk.References, v}], recordReferrer{e.Name, fk.Name, old.Code})
		}
	}
	s.track(projectID, e, old.Code, e.TrackingKey(old), "")
	delete(s.records[recordPartition{projectID, e.Name}], old.Code)
	s.release(projectID, e, &old, true)
	return nil
}

// recordCursor is where a read stopped: the partition it reads (project,
// entity and order), so it cannot move a read elsewhere, and the key of
// the last record it looked at.
type recordCursor struct {
	Partition string `json:"p"`
	Key       string `json:"k"`
}

func recordReadPartition(r data.Read) string {
	return fmt.Sprintf("%s\x00%s\x00%d", r.ProjectID, r.Entity.Name, r.Index)
}

// recordReadKey orders a record within its read: by code, or, in the
// delta order, by srvDateUTC then code.
func recordReadKey(index data.Index, r data.Record) string {
	if index == data.ByExportDate {
		return recordStamp(r.SrvDateUTC) + "#" + r.Code
	}
	return r.Code
}

// ReadRecords implements data.Store: the records in key order from the
// cursor on, until the limit is met, they end or MaxScanned were read.
func (s *Records) ReadRecords(_ context.Context, r data.Read) ([]data.Record, string, error) {
	partition := recordReadPartition(r)
	after := ""
	if r.Cursor != "" {
		var c recordCursor
		b, err := base64.RawURLEncoding.DecodeString(r.Cursor)
		if err != nil || json.Unmarshal(b, &c) != nil || c.Partition != partition || c.Key == "" {
			return nil, "", page.ErrBadCursor
		}
		after = c.Key
	}
	type keyed struct {
		key string
		rec data.Record
	}
	s.mu.Lock()
	var all []keyed
	for _, rec := range s.records[recordPartition{r.ProjectID, r.Entity.Name}] {
		// The delta order holds only records not exported, nor deleted.
		if r.Index == data.ByExportDate && (rec.SrvExport != 0 || rec.Deleted) {
			continue
		}
		all = append(all, keyed{recordReadKey(r.Index, rec), copyRecord(rec)})
	}
	s.mu.Unlock()
	slices.SortFunc(all, func(a, b keyed) int { return strings.Compare(a.key, b.key) })
	if r.Descending {
		slices.Reverse(all)
	}
	cursorAt := func(key string) string {
		b, _ := json.Marshal(recordCursor{Partition: partition, Key: key})
		return base64.RawURLEncoding.EncodeToString(b)
	}
	limit, maxScanned := max(r.Limit, 1), max(r.MaxScanned, r.Limit+1)
	var records []data.Record
	last, scanned := "", 0
	for i, it := range all {
		if after != "" && ((!r.Descending && it.key <= after) || (r.Descending && it.key >= after)) {
			continue
		}
		if !it.rec.Deleted && (r.Match == nil || r.Match(it.rec)) {
			if len(records) == limit {
				return records, cursorAt(last), nil
			}
			records = append(records, it.rec)
		}
		last = it.key
		scanned++
		if scanned >= maxScanned && i < len(all)-1 {
			return records, cursorAt(last), nil
		}
	}
	return records, "", nil
}

// MarkExported implements data.Store.
func (s *Records) MarkExported(_ context.Context, projectID string, e *data.Entity, code string, stamp time.Time, value int64) (data.Conflict, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.stored(projectID, e.Name, code)
	switch {
	case !ok || cur.Deleted:
		return data.Conflict{Reason: data.ReasonNotFound}, nil
	case recordStamp(cur.SrvDateUTC) != recordStamp(stamp):
		return data.Conflict{Reason: data.ReasonModified, SrvDateUTC: cur.SrvDateUTC}, nil
	}
	cur.SrvExport = value
	s.records[recordPartition{projectID, e.Name}][code] = cur
	return data.Conflict{}, nil
}

// TrackedRecords implements data.Store: by project, entity and code.
func (s *Records) TrackedRecords(_ context.Context, number string) ([]data.TrackedRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []data.TrackedRecord
	for tr := range s.tracked[number] {
		out = append(out, tr)
	}
	slices.SortFunc(out, func(a, b data.TrackedRecord) int {
		return strings.Compare(a.ProjectID+"#"+a.Entity+"#"+a.Code, b.ProjectID+"#"+b.Entity+"#"+b.Code)
	})
	return out, nil
}
