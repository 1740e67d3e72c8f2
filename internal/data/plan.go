package data

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/parcelgate/parcelgate/internal/input"
)

// Intent is what a request asks of one record; the planner turns it into
// a Change once the stored version is known.
type Intent struct {
	Entity *Entity
	Code   string
	// Row locates the intent in the request, for errors.
	Row string
	// Apply makes the new version from the current one (nil: none; it
	// may be logically deleted); an error is the row's.
	Apply func(old *Record) (Record, error)
}

type recordKey struct{ entity, code string }

// planner reads what a set of intents needs and builds the plan.
type planner struct {
	s         Service
	projectID string
	now       time.Time
	stored    map[recordKey]Record
}

func newPlanner(s Service, projectID string) *planner {
	return &planner{s: s, projectID: projectID, now: s.Now(), stored: map[recordKey]Record{}}
}

// load reads the stored versions of the keys not read yet, one batched
// read per entity, entities at once.
func (p *planner) load(ctx context.Context, keys []recordKey) error {
	byEntity := map[string][]string{}
	seen := map[recordKey]bool{}
	for _, k := range keys {
		if _, ok := p.stored[k]; ok || seen[k] {
			continue
		}
		seen[k] = true
		byEntity[k.entity] = append(byEntity[k.entity], k.code)
	}
	results := make([]map[string]Record, 0, len(byEntity))
	names := make([]string, 0, len(byEntity))
	for name := range byEntity {
		names = append(names, name)
		results = append(results, nil)
	}
	g, gctx := errgroup.WithContext(ctx)
	for i, name := range names {
		e, _ := p.s.Catalog.Entity(name)
		g.Go(func() error {
			recs, err := p.s.Imports.Records(gctx, p.projectID, e, byEntity[name])
			results[i] = recs
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for i, name := range names {
		for code, r := range results[i] {
			p.stored[recordKey{name, code}] = r
		}
	}
	return nil
}

// storedLive returns the live stored version of a key, if loaded.
func (p *planner) storedLive(k recordKey) (*Record, bool) {
	r, ok := p.stored[k]
	if !ok || r.Deleted {
		return nil, false
	}
	return &r, true
}

// build turns intents into a plan: each key's stored version read, its
// new version computed (intents on one key apply in order), unchanged
// records dropped, and every foreign key resolved.
func (p *planner) build(ctx context.Context, intents []Intent) (Plan, Counts, []Record, error) {
	keys := make([]recordKey, len(intents))
	for i, in := range intents {
		keys[i] = recordKey{in.Entity.Name, in.Code}
	}
	if err := p.load(ctx, keys); err != nil {
		return Plan{}, Counts{}, nil, err
	}
	type state struct {
		entity *Entity
		old    *Record
		cur    *Record
		row    string
	}
	states := map[recordKey]*state{}
	var order []recordKey
	for i, in := range intents {
		k := keys[i]
		st := states[k]
		if st == nil {
			st = &state{entity: in.Entity, row: in.Row}
			if r, ok := p.stored[k]; ok {
				st.old = &r
				st.cur = &r
			}
			states[k] = st
			order = append(order, k)
		}
		rec, err := in.Apply(st.cur)
		if err != nil {
			return Plan{}, Counts{}, nil, err
		}
		rec.Entity, rec.Code = in.Entity.Name, in.Code
		st.cur = &rec
	}
	plan := Plan{ProjectID: p.projectID}
	var counts Counts
	final := map[recordKey]*Record{}
	written := map[recordKey]bool{}
	for _, k := range order {
		st := states[k]
		final[k] = st.cur
		switch {
		case st.old != nil && sameVersion(*st.old, *st.cur):
			counts.Unchanged++
			continue
		case st.cur.Deleted && (st.old == nil || st.old.Deleted):
			continue // deleting what is not there
		case st.cur.Deleted:
			counts.Deleted++
		case st.old == nil || st.old.Deleted:
			counts.Added++
		default:
			counts.Updated++
		}
		rec := *st.cur
		rec.SrvDateUTC, rec.SrvExport = NextStamp(p.now, stampOf(st.old)), 0
		*st.cur = rec
		written[k] = true
		plan.Changes = append(plan.Changes, Change{Entity: st.entity, Old: st.old, New: rec, Row: st.row})
	}
	if err := p.resolveForeignKeys(ctx, &plan, final, written); err != nil {
		return Plan{}, Counts{}, nil, err
	}
	var records []Record
	for _, k := range order {
		if r := final[k]; !r.Deleted {
			records = append(records, *r)
		}
	}
	return plan, counts, records, nil
}

// resolveForeignKeys checks every foreign key a change sets: it names a
// live record of the import's final state, or a live stored record the
// import leaves alone, which becomes a check.
func (p *planner) resolveForeignKeys(ctx context.Context, plan *Plan, final map[recordKey]*Record, written map[recordKey]bool) error {
	type use struct {
		row, field string
	}
	outside := map[recordKey]use{}
	var outsideOrder []recordKey
	var pending []recordKey
	for _, c := range plan.Changes {
		if c.New.Deleted {
			continue
		}
		for _, fk := range c.Entity.ForeignKeys() {
			v, _ := c.New.Values[fk.Name].(string)
			if v == "" {
				continue
			}
			if c.Old != nil && !c.Old.Deleted {
				if ov, _ := c.Old.Values[fk.Name].(string); ov == v {
					continue // an existing reference is not checked again
				}
			}
			k := recordKey{fk.References, v}
			if r, ok := final[k]; ok && r != nil {
				if r.Deleted {
					return p.badKey(c.Row, fk, v, "is deleted by this import")
				}
				if written[k] {
					continue // written by the import: checked here
				}
			}
			if _, ok := outside[k]; !ok {
				outside[k] = use{row: c.Row, field: fk.Name}
				outsideOrder = append(outsideOrder, k)
				pending = append(pending, k)
			}
		}
	}
	if err := p.load(ctx, pending); err != nil {
		return err
	}
	// The first row at fault, in request order.
	for _, c := range plan.Changes {
		if c.New.Deleted {
			continue
		}
		for _, fk := range c.Entity.ForeignKeys() {
			v, _ := c.New.Values[fk.Name].(string)
			k := recordKey{fk.References, v}
			if u, ok := outside[k]; ok && u.row == c.Row && u.field == fk.Name {
				if _, live := p.storedLive(k); !live {
					return p.badKey(c.Row, fk, v, "names no "+fk.References+" record")
				}
			}
		}
	}
	for _, k := range outsideOrder {
		e, _ := p.s.Catalog.Entity(k.entity)
		u := outside[k]
		plan.Checks = append(plan.Checks, Check{Entity: e, Code: k.code, Row: u.row, Field: u.field})
	}
	return nil
}

func (p *planner) badKey(row string, fk *Field, v, what string) error {
	return &input.Error{Field: row + "." + fk.Name, Message: fmt.Sprintf("row %s: %s %q %s", rowNumber(row), fk.Name, v, what), Labelled: true}
}

// rowNumber writes a row locator for people: "[7499]" is row 7500.
func rowNumber(row string) string {
	var n int
	if _, err := fmt.Sscanf(row, "[%d]", &n); err == nil {
		return fmt.Sprint(n + 1)
	}
	return row
}

// sameVersion says whether two versions hold the same values and state.
func sameVersion(a, b Record) bool {
	if a.Deleted != b.Deleted || len(a.Values) != len(b.Values) {
		return false
	}
	for k, av := range a.Values {
		bv, ok := b.Values[k]
		if !ok || !sameValue(av, bv) {
			return false
		}
	}
	return true
}

func sameValue(a, b any) bool {
	switch x := a.(type) {
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y)
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	}
	return a == b
}

// upsert is the Apply of a row that sets the fields sent: a new (or
// logically deleted) record holds only them, a live one keeps the others.
func upsert(values map[string]any) func(*Record) (Record, error) {
	return func(old *Record) (Record, error) {
		rec := Record{Values: map[string]any{}}
		if old != nil && !old.Deleted {
			for k, v := range old.Values {
				rec.Values[k] = v
			}
		}
		for k, v := range values {
			if v == nil {
				delete(rec.Values, k)
			} else {
				rec.Values[k] = v
			}
		}
		return rec, nil
	}
}
