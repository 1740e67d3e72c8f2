package memory

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/parcelgate/parcelgate/internal/data"
	"github.com/parcelgate/parcelgate/internal/sweep"
)

var _ data.ImportStore = (*Imports)(nil)

// Imports implements data.ImportStore in memory. Every plan, staged or
// not, is checked and applied under one lock, so a run never stops half
// way: a staged import is QUEUED until a run finishes it, then COMPLETED
// or FAILED, and readers see the committed versions only. It never
// returns data.ErrTooLarge. The zero value is ready to use.
type Imports struct {
	// Store holds the records the imports read and write, as on the
	// table, where imports and the record routes share them; nil is a
	// store of the imports' own.
	Store *Records

	mu      sync.Mutex
	imports map[string]*stagedImport
}

type stagedImport struct {
	imp  data.Import
	plan data.Plan
	// due is the sweeper's deadline until the import ends, as the
	// import's transaction record carries the sweep index's keys on
	// DynamoDB.
	due deadline
}

func (m *Imports) init() {
	if m.imports == nil {
		m.imports = map[string]*stagedImport{}
	}
	if m.Store == nil {
		m.Store = &Records{}
	}
}

// SaveRecord writes rec over old (nil: the code must be free) as
// data.Store.SaveRecord does: data.ErrChanged when old is not the stored
// version, an *input.Error when a foreign key of rec that differs
// from old's names no live record. It is how tests store the records an
// import starts from.
func (m *Imports) SaveRecord(ctx context.Context, projectID string, e *data.Entity, old *data.Record, rec data.Record) error {
	m.mu.Lock()
	m.init()
	m.mu.Unlock()
	return m.Store.SaveRecord(ctx, projectID, e, old, rec)
}

// Records implements data.ImportStore.
func (m *Imports) Records(_ context.Context, projectID string, e *data.Entity, codes []string) (map[string]data.Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	m.Store.mu.Lock()
	defer m.Store.mu.Unlock()
	out := map[string]data.Record{}
	for _, c := range codes {
		if r, ok := m.Store.stored(projectID, e.Name, c); ok {
			out[c] = copyRecord(r)
		}
	}
	return out, nil
}

// Referrers implements data.ImportStore: the stored records, logically
// deleted ones included, whose foreign keys hold the code.
func (m *Imports) Referrers(_ context.Context, projectID string, e *data.Entity, code string) ([]data.Reference, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	m.Store.mu.Lock()
	defer m.Store.mu.Unlock()
	var out []data.Reference
	for r := range m.Store.refs[recordRef{projectID, e.Name, code}] {
		out = append(out, data.Reference{Entity: r.entity, Field: r.field, Code: r.code})
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
// m.mu and m.Store.mu are held.
func (m *Imports) conflict(p data.Plan) importConflict {
	for i, c := range p.Changes {
		stored, ok := m.Store.stored(p.ProjectID, c.Entity.Name, c.New.Code)
		if ok != (c.Old != nil) || (ok && recordStamp(stored.SrvDateUTC) != recordStamp(c.Old.SrvDateUTC)) {
			return importConflict{change: &p.Changes[i]}
		}
	}
	for i, ck := range p.Checks {
		if !m.Store.live(p.ProjectID, ck.Entity.Name, ck.Code) {
			return importConflict{check: &p.Checks[i]}
		}
	}
	return importConflict{}
}

// apply writes the plan's changes, all or none (a value the table could
// not keep stops it before the first); m.mu and m.Store.mu are held.
func (m *Imports) apply(p data.Plan) error {
	freed, err := licencesFreed(p)
	if err != nil {
		return err
	}
	stored := make([]data.Record, len(p.Changes))
	for i, c := range p.Changes {
		var err error
		if stored[i], err = storedRecord(c.Entity, c.New); err != nil {
			return err
		}
	}
	for i, c := range p.Changes {
		m.Store.write(p.ProjectID, c.Entity, c.Old, stored[i])
	}
	if freed > 0 && m.Store.Release != nil {
		m.Store.Release(p.ProjectID, freed)
	}
	return nil
}

// CommitPlan implements data.ImportStore: all or nothing, at once.
func (m *Imports) CommitPlan(_ context.Context, p data.Plan) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	m.Store.mu.Lock()
	defer m.Store.mu.Unlock()
	switch c := m.conflict(p); {
	case c.change != nil:
		return data.ChangedRow(c.change.Row)
	case c.check != nil:
		return data.MissingReference(*c.check)
	}
	return m.apply(p)
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
	m.imports[imp.ID] = &stagedImport{imp: imp, plan: p, due: deadline{at: sweep.Deadline(sweep.Running, imp.CreatedAt).UTC()}}
	return nil
}

// RunImport implements data.ImportStore: a run that starts before until
// commits the whole plan or fails it, changing nothing.
func (m *Imports) RunImport(_ context.Context, id string, until time.Time) (data.Import, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	m.Store.mu.Lock()
	defer m.Store.mu.Unlock()
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
		if err := m.apply(st.plan); err != nil {
			return st.imp, err
		}
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
	st.due = deadline{}
}

// claimRequeue implements sweep.Store.ClaimRequeue for an import.
func (m *Imports) claimRequeue(w sweep.Work, next time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	st, ok := m.imports[w.ID]
	if !ok {
		return sweep.ErrMoved
	}
	return requeue(&st.due.at, &st.due.requeues, w, next)
}

// open lists the imports not ended.
func (m *Imports) open() []sweep.Work {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []sweep.Work
	for id, st := range m.imports {
		if !st.due.at.IsZero() {
			out = append(out, sweep.Work{Kind: sweep.KindImport, ID: id, Due: st.due.at, Requeues: st.due.requeues})
		}
	}
	return out
}
