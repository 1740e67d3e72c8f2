package memory

import (
	"context"
	"fmt"
	"maps"
	"sort"
	"sync"
	"time"

	"github.com/parcelgate/parcelgate/internal/data"
	"github.com/parcelgate/parcelgate/internal/input"
)

var _ data.ImportStore = (*Imports)(nil)

// Imports implements data.ImportStore in memory. Every plan, staged or
// not, is checked and applied under one lock, so a run never stops half
// way: a staged import is QUEUED until a run finishes it, then COMPLETED
// or FAILED, and readers see the committed versions only. It never
// returns data.ErrTooLarge. The zero value is ready to use.
type Imports struct {
	mu      sync.Mutex
	records map[importRecordKey]importedRecord
	imports map[string]*stagedImport
}

type importRecordKey struct{ projectID, entity, code string }

// importedRecord is a stored record with its entity, for Referrers.
type importedRecord struct {
	entity *data.Entity
	rec    data.Record
}

type stagedImport struct {
	imp  data.Import
	plan data.Plan
}

func (m *Imports) init() {
	if m.records == nil {
		m.records = map[importRecordKey]importedRecord{}
		m.imports = map[string]*stagedImport{}
	}
}

// copyImportedRecord keeps stored records apart from the caller's maps.
func copyImportedRecord(entity string, r data.Record) data.Record {
	r.Entity = entity
	r.Values = maps.Clone(r.Values)
	if r.Values == nil {
		r.Values = map[string]any{}
	}
	return r
}

// sameStamp compares stamps as stored: to data.StampLayout's precision.
func sameStamp(a, b time.Time) bool {
	return a.UTC().Format(data.StampLayout) == b.UTC().Format(data.StampLayout)
}

// importLive says whether a record exists and is not logically deleted:
// what a foreign key may name.
func (m *Imports) importLive(projectID, entity, code string) bool {
	r, ok := m.records[importRecordKey{projectID, entity, code}]
	return ok && !r.rec.Deleted
}

// SaveRecord writes rec over old (nil: the code must be free) as
// data.Store.SaveRecord does: data.ErrChanged when old is not the stored
// version, an *input.Error when a foreign key of rec that differs
// from old's names no live record. It is how tests store the records an
// import starts from.
func (m *Imports) SaveRecord(_ context.Context, projectID string, e *data.Entity, old *data.Record, rec data.Record) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	key := importRecordKey{projectID, e.Name, rec.Code}
	stored, ok := m.records[key]
	if ok != (old != nil) || (ok && !sameStamp(stored.rec.SrvDateUTC, old.SrvDateUTC)) {
		return data.ErrChanged
	}
	for _, fk := range e.ForeignKeys() {
		nv, _ := rec.Values[fk.Name].(string)
		var ov string
		if old != nil {
			ov, _ = old.Values[fk.Name].(string)
		}
		if nv != "" && nv != ov && !m.importLive(projectID, fk.References, nv) {
			return &input.Error{Field: fk.Name, Message: fmt.Sprintf("%s %q names no %s record", fk.Name, nv, fk.References), Labelled: true}
		}
	}
	m.records[key] = importedRecord{entity: e, rec: copyImportedRecord(e.Name, rec)}
	return nil
}

// Records implements data.ImportStore.
func (m *Imports) Records(_ context.Context, projectID string, e *data.Entity, codes []string) (map[string]data.Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]data.Record{}
	for _, c := range codes {
		if r, ok := m.records[importRecordKey{projectID, e.Name, c}]; ok {
			out[c] = copyImportedRecord(e.Name, r.rec)
		}
	}
	return out, nil
}

// Referrers implements data.ImportStore: the stored records, logically
// deleted ones included, whose foreign keys hold the code.
func (m *Imports) Referrers(_ context.Context, projectID string, e *data.Entity, code string) ([]data.Reference, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []data.Reference
	for k, r := range m.records {
		if k.projectID != projectID {
			continue
		}
		for _, fk := range r.entity.ForeignKeys() {
			if v, _ := r.rec.Values[fk.Name].(string); fk.References == e.Name && v == code {
				out = append(out, data.Reference{Entity: k.entity, Field: fk.Name, Code: k.code})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Entity != b.Entity {
			return a.Entity < b.Entity
		}
		if a.Field != b.Field {
			return a.Field < b.Field
		}
		return a.Code < b.Code
	})
	return out, nil
}

// importConflict is what keeps a plan from committing: a change whose
// stored version is not the one planned, or a check whose record is not
// live; both nil when the plan can commit.
type importConflict struct {
	change *data.Change
	check  *data.Check
}

// conflict checks a plan against the stored records, changes first, as
// DynamoDB reports a cancelled transaction.
func (m *Imports) conflict(p data.Plan) importConflict {
	for i, c := range p.Changes {
		stored, ok := m.records[importRecordKey{p.ProjectID, c.Entity.Name, c.New.Code}]
		if ok != (c.Old != nil) || (ok && !sameStamp(stored.rec.SrvDateUTC, c.Old.SrvDateUTC)) {
			return importConflict{change: &p.Changes[i]}
		}
	}
	for i, ck := range p.Checks {
		if !m.importLive(p.ProjectID, ck.Entity.Name, ck.Code) {
			return importConflict{check: &p.Checks[i]}
		}
	}
	return importConflict{}
}

func (m *Imports) apply(p data.Plan) {
	for _, c := range p.Changes {
		m.records[importRecordKey{p.ProjectID, c.Entity.Name, c.New.Code}] = importedRecord{entity: c.Entity, rec: copyImportedRecord(c.Entity.Name, c.New)}
	}
}

// CommitPlan implements data.ImportStore: all or nothing, at once.
func (m *Imports) CommitPlan(_ context.Context, p data.Plan) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	switch c := m.conflict(p); {
	case c.change != nil:
		return data.ChangedRow(c.change.Row)
	case c.check != nil:
		return data.MissingReference(*c.check)
	}
	m.apply(p)
	return nil
}

// StageImport implements data.ImportStore: the import is QUEUED.
func (m *Imports) StageImport(_ context.Context, imp data.Import, p data.Plan) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	if _, ok := m.imports[imp.ID]; ok {
		return fmt.Errorf("import %s is staged already", imp.ID)
	}
	imp.Status, imp.Failure = data.ImportQueued, nil
	p.Changes = append([]data.Change(nil), p.Changes...)
	p.Checks = append([]data.Check(nil), p.Checks...)
	m.imports[imp.ID] = &stagedImport{imp: imp, plan: p}
	return nil
}

// RunImport implements data.ImportStore: a run that starts before until
// commits the whole plan or fails it, changing nothing.
func (m *Imports) RunImport(_ context.Context, id string, until time.Time) (data.Import, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st, ok := m.imports[id]
	if !ok {
		return data.Import{}, data.ErrNotFound
	}
	if finished(st.imp) || time.Now().After(until) {
		return st.imp, nil
	}
	switch c := m.conflict(st.plan); {
	case c.change != nil:
		st.end(data.ImportFailed, data.RowFailure(c.change.Row, data.ErrRecordChanged))
	case c.check != nil:
		st.end(data.ImportFailed, data.ReferenceDeleted(c.check.Row, c.check.Field, c.check.Code, c.check.Entity.Name))
	default:
		m.apply(st.plan)
		st.end(data.ImportCompleted, nil)
	}
	return st.imp, nil
}

// FailImport implements data.ImportStore: an import not yet run fails
// with nothing changed; a finished one stays as it ended.
func (m *Imports) FailImport(_ context.Context, id, reason string) (data.Import, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st, ok := m.imports[id]
	if !ok {
		return data.Import{}, data.ErrNotFound
	}
	if !finished(st.imp) {
		st.end(data.ImportFailed, &data.Failure{Reason: data.FailAborted, Message: reason})
	}
	return st.imp, nil
}

// Import implements data.ImportStore.
func (m *Imports) Import(_ context.Context, id string) (data.Import, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st, ok := m.imports[id]
	if !ok {
		return data.Import{}, data.ErrNotFound
	}
	return st.imp, nil
}

func finished(imp data.Import) bool {
	return imp.Status == data.ImportCompleted || imp.Status == data.ImportFailed
}

// end records how the import ended; the plan is no longer needed.
func (st *stagedImport) end(status data.ImportStatus, f *data.Failure) {
	st.imp.Status, st.imp.Failure = status, f
	st.imp.Stats.ExecutionDuration = time.Since(st.imp.CreatedAt)
	st.plan = data.Plan{}
}
