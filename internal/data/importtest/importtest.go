// Package importtest is the contract suite of data.ImportStore: every
// implementation runs it, so the in-memory one keeps DynamoDB's promises.
package importtest

import (
	"context"
	"errors"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/data"
	"github.com/parcelgate/parcelgate/internal/input"
	"github.com/parcelgate/parcelgate/internal/storetest"
)

// Seed stores rec over old (nil: the code is free) through the store's
// own write path, as data.Store.SaveRecord does: the records an import
// starts from, and the changes made behind its back.
type Seed func(ctx context.Context, projectID string, e *data.Entity, old *data.Record, rec data.Record) error

// Run runs the suite. newStore returns the store under test and its Seed;
// it may return the same store every time: each test uses its own
// project and import ids.
func Run(t *testing.T, newStore func(t *testing.T) (data.ImportStore, Seed)) {
	tests := []struct {
		name string
		run  func(t *testing.T, f *fixture)
	}{
		{"RecordsReturnsCommittedVersionsByCodeDeletedIncluded", testRecords},
		{"ReferrersListsTheRecordsWhoseForeignKeysNameIt", testReferrers},
		{"CommitPlanWritesEveryChange", testCommitPlan},
		{"CommitPlanWithAForeignKeyNamingNothingChangesNothing", testCommitPlanInvalid},
		{"CommitPlanWithARowChangedSinceReadChangesNothing", testCommitPlanChanged},
		{"RunImportCommitsEveryRecordOfTheStagedPlan", testRunImport},
		{"RunImportPastItsTimeIsFinishedByALaterRun", testRunImportResumes},
		{"RunImportOfAChangedPlanFailsAndChangesNothing", testRunImportFails},
		{"FailImportBeforeCommitRollsBack", testFailImportRollsBack},
		{"FailImportAfterCommitLeavesItCompleted", testFailImportCommitted},
		{"UnknownImportIsNotFound", testUnknownImport},
		{"ConcurrentRunsEndWithOneResult", testConcurrentRuns},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, seed := newStore(t)
			tc.run(t, &fixture{t: t, ctx: context.Background(), s: s, seed: seed, project: "imp-" + storetest.ID("")})
		})
	}
}

var (
	users     = mustEntity("baseuser")
	customers = mustEntity("customer")
)

func mustEntity(name string) *data.Entity {
	e, ok := data.DefaultCatalog.Entity(name)
	if !ok {
		panic("importtest: no entity " + name)
	}
	return e
}

type fixture struct {
	t       *testing.T
	ctx     context.Context
	s       data.ImportStore
	seed    Seed
	project string
	last    time.Time
}

// stamp is a new srvDateUTC, later than every earlier one, at a precision
// every store keeps.
func (f *fixture) stamp() time.Time {
	now := time.Now().UTC().Truncate(time.Microsecond)
	if !now.After(f.last) {
		now = f.last.Add(time.Microsecond)
	}
	f.last = now
	return now
}

func (f *fixture) user(code, name string) data.Record {
	return data.Record{Entity: users.Name, Code: code, SrvDateUTC: f.stamp(), Values: map[string]any{"login": code, "name": name}}
}

func (f *fixture) customer(code, user string) data.Record {
	return data.Record{Entity: customers.Name, Code: code, SrvDateUTC: f.stamp(), Values: map[string]any{"name": "Customer " + code, "baseuser_ID": user}}
}

// save stores rec over old through the store's own writes.
func (f *fixture) save(e *data.Entity, old *data.Record, rec data.Record) data.Record {
	f.t.Helper()
	if err := f.seed(f.ctx, f.project, e, old, rec); err != nil {
		f.t.Fatalf("seed %s/%s: %v", e.Name, rec.Code, err)
	}
	return rec
}

func (f *fixture) records(e *data.Entity, codes ...string) map[string]data.Record {
	f.t.Helper()
	got, err := f.s.Records(f.ctx, f.project, e, codes)
	if err != nil {
		f.t.Fatalf("Records: %v", err)
	}
	return got
}

// expect checks the committed versions of e: want[code] nil means none.
func (f *fixture) expect(e *data.Entity, want map[string]*data.Record) {
	f.t.Helper()
	got := f.records(e, codesOf(want)...)
	for code, w := range want {
		g, ok := got[code]
		switch {
		case w == nil && ok:
			f.t.Errorf("%s/%s: stored %+v, want none", e.Name, code, g)
		case w != nil && !ok:
			f.t.Errorf("%s/%s: none stored, want %+v", e.Name, code, *w)
		case w != nil && !sameRecord(g, *w):
			f.t.Errorf("%s/%s: stored %+v, want %+v", e.Name, code, g, *w)
		}
	}
	if len(got) != len(want)-countNil(want) {
		f.t.Errorf("%s: Records returned %d records, want %d: %+v", e.Name, len(got), len(want)-countNil(want), got)
	}
}

func codesOf(m map[string]*data.Record) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func countNil(m map[string]*data.Record) int {
	n := 0
	for _, r := range m {
		if r == nil {
			n++
		}
	}
	return n
}

func sameRecord(a, b data.Record) bool {
	return a.Code == b.Code && a.Deleted == b.Deleted && a.SrvExport == b.SrvExport &&
		a.SrvDateUTC.Equal(b.SrvDateUTC) && maps.Equal(a.Values, b.Values)
}

func (f *fixture) stage(p data.Plan, counts data.Counts) string {
	f.t.Helper()
	id := "imp-" + storetest.ID("")
	imp := data.Import{ID: id, ProjectID: f.project, Kind: data.KindBulk, Status: data.ImportQueued, Counts: counts, CreatedAt: time.Now().UTC()}
	if err := f.s.StageImport(f.ctx, imp, p); err != nil {
		f.t.Fatalf("StageImport: %v", err)
	}
	return id
}

func (f *fixture) run(id string, until time.Time) data.Import {
	f.t.Helper()
	imp, err := f.s.RunImport(f.ctx, id, until)
	if err != nil {
		f.t.Fatalf("RunImport: %v", err)
	}
	return imp
}

func (f *fixture) status(id string) data.Import {
	f.t.Helper()
	imp, err := f.s.Import(f.ctx, id)
	if err != nil {
		f.t.Fatalf("Import: %v", err)
	}
	return imp
}

func add(e *data.Entity, row string, rec data.Record) data.Change {
	return data.Change{Entity: e, New: rec, Row: row}
}

func update(e *data.Entity, row string, old, rec data.Record) data.Change {
	return data.Change{Entity: e, Old: &old, New: rec, Row: row}
}

func ptr(r data.Record) *data.Record { return &r }

func finished(imp data.Import) bool {
	return imp.Status == data.ImportCompleted || imp.Status == data.ImportFailed
}

func testRecords(_ *testing.T, f *fixture) {
	live := f.save(users, nil, f.user("u1", "Ada"))
	gone := f.user("u2", "Bob")
	gone.Deleted = true
	f.save(users, nil, gone)
	f.expect(users, map[string]*data.Record{"u1": &live, "u2": &gone, "u3": nil})
}

func (f *fixture) referrers(code string) []data.Reference {
	f.t.Helper()
	return f.referrersOf(users, code)
}

func (f *fixture) referrersOf(e *data.Entity, code string) []data.Reference {
	f.t.Helper()
	got, err := f.s.Referrers(f.ctx, f.project, e, code)
	if err != nil {
		f.t.Fatalf("Referrers: %v", err)
	}
	return got
}

func sameRefs(got []data.Reference, want ...data.Reference) bool {
	if len(got) != len(want) {
		return false
	}
	set := map[data.Reference]int{}
	for _, r := range want {
		set[r]++
	}
	for _, r := range got {
		set[r]--
	}
	for _, n := range set {
		if n != 0 {
			return false
		}
	}
	return true
}

func testReferrers(t *testing.T, f *fixture) {
	f.save(users, nil, f.user("u1", "Ada"))
	f.save(users, nil, f.user("u2", "Bob"))
	f.save(customers, nil, f.customer("c1", "u1"))
	c2 := f.save(customers, nil, f.customer("c2", "u1"))
	f.save(customers, nil, f.customer("c3", "u2"))
	ref := func(code string) data.Reference {
		return data.Reference{Entity: customers.Name, Field: "baseuser_ID", Code: code}
	}
	if got := f.referrers("u1"); !sameRefs(got, ref("c1"), ref("c2")) {
		t.Errorf("Referrers(u1) = %+v, want c1 and c2", got)
	}
	if got := f.referrers("u9"); len(got) != 0 {
		t.Errorf("Referrers(u9) = %+v, want none", got)
	}
	// A reference names a record of one entity: no customer is u1.
	if got := f.referrersOf(customers, "u1"); len(got) != 0 {
		t.Errorf("Referrers(customer u1) = %+v, want none", got)
	}
	// A committed plan moves its references with it.
	moved := f.customer("c2", "u2")
	if err := f.s.CommitPlan(f.ctx, data.Plan{ProjectID: f.project,
		Changes: []data.Change{update(customers, "[0]", c2, moved)},
		Checks:  []data.Check{{Entity: users, Code: "u2", Row: "[0]", Field: "baseuser_ID"}},
	}); err != nil {
		t.Fatalf("CommitPlan: %v", err)
	}
	if got := f.referrers("u1"); !sameRefs(got, ref("c1")) {
		t.Errorf("Referrers(u1) after the move = %+v, want c1", got)
	}
	if got := f.referrers("u2"); !sameRefs(got, ref("c2"), ref("c3")) {
		t.Errorf("Referrers(u2) after the move = %+v, want c2 and c3", got)
	}
}

func testCommitPlan(t *testing.T, f *fixture) {
	kept := f.save(users, nil, f.user("u0", "Ada"))
	old := f.save(users, nil, f.user("u1", "Bob"))
	doomed := f.save(users, nil, f.user("u2", "Cy"))
	added, renamed, deleted := f.user("u3", "Dee"), f.user("u1", "Bobby"), f.user("u2", "Cy")
	deleted.Deleted = true
	customer := f.customer("c1", "u0")
	if err := f.s.CommitPlan(f.ctx, data.Plan{ProjectID: f.project,
		Changes: []data.Change{
			add(users, "[0]", added), update(users, "[1]", old, renamed), update(users, "[2]", doomed, deleted),
			add(customers, "[3]", customer),
		},
		Checks: []data.Check{{Entity: users, Code: "u0", Row: "[3]", Field: "baseuser_ID"}},
	}); err != nil {
		t.Fatalf("CommitPlan: %v", err)
	}
	f.expect(users, map[string]*data.Record{"u0": &kept, "u1": &renamed, "u2": &deleted, "u3": &added})
	f.expect(customers, map[string]*data.Record{"c1": &customer})
}

func testCommitPlanInvalid(t *testing.T, f *fixture) {
	gone := f.user("u-gone", "Ada")
	gone.Deleted = true
	f.save(users, nil, gone)
	old := f.save(users, nil, f.user("u1", "Bob"))
	for _, target := range []string{"u-none", "u-gone"} {
		err := f.s.CommitPlan(f.ctx, data.Plan{ProjectID: f.project,
			Changes: []data.Change{
				update(users, "[0]", old, f.user("u1", "Bobby")), add(customers, "[1]", f.customer("c1", target)),
			},
			Checks: []data.Check{{Entity: users, Code: target, Row: "[1]", Field: "baseuser_ID"}},
		})
		var invalid *input.Error
		if !errors.As(err, &invalid) || invalid.Field != "[1].baseuser_ID" {
			t.Errorf("CommitPlan naming %s: %v (%T), want an *input.Error of [1].baseuser_ID", target, err, err)
		}
		f.expect(users, map[string]*data.Record{"u1": &old})
		f.expect(customers, map[string]*data.Record{"c1": nil})
	}
}

func testCommitPlanChanged(t *testing.T, f *fixture) {
	read := f.save(users, nil, f.user("u1", "Ada"))
	now := f.save(users, &read, f.user("u1", "Ada Lovelace"))
	taken := f.save(users, nil, f.user("u2", "Bob"))
	for _, tc := range []struct {
		name   string
		change data.Change
	}{
		{"a row changed since its read", update(users, "[1]", read, f.user("u1", "Ada King"))},
		{"a new row whose code was taken since", add(users, "[1]", f.user("u2", "Bobby"))},
	} {
		err := f.s.CommitPlan(f.ctx, data.Plan{ProjectID: f.project,
			Changes: []data.Change{add(users, "[0]", f.user("u3", "Cy")), tc.change},
		})
		var row *data.RowError
		if !errors.As(err, &row) || row.Row != "[1]" {
			t.Errorf("%s: CommitPlan: %v (%T), want a *RowError of [1]", tc.name, err, err)
		}
		f.expect(users, map[string]*data.Record{"u1": &now, "u2": &taken, "u3": nil})
	}
}

// stagedPlan is a plan over seeded records: two users added, one
// renamed, one deleted, a customer naming a stored user.
func (f *fixture) stagedPlan() (data.Plan, map[string]*data.Record, map[string]*data.Record) {
	f.save(users, nil, f.user("u0", "Ada"))
	old := f.save(users, nil, f.user("u1", "Bob"))
	doomed := f.save(users, nil, f.user("u2", "Cy"))
	a, b, renamed, deleted := f.user("u3", "Dee"), f.user("u4", "Eve"), f.user("u1", "Bobby"), f.user("u2", "Cy")
	deleted.Deleted = true
	customer := f.customer("c1", "u0")
	p := data.Plan{ProjectID: f.project,
		Changes: []data.Change{
			add(users, "[0]", a), add(users, "[1]", b), update(users, "[2]", old, renamed), update(users, "[3]", doomed, deleted),
			add(customers, "[4]", customer),
		},
		Checks: []data.Check{{Entity: users, Code: "u0", Row: "[4]", Field: "baseuser_ID"}},
	}
	before := map[string]*data.Record{"u1": ptr(old), "u2": ptr(doomed), "u3": nil, "u4": nil}
	after := map[string]*data.Record{"u1": &renamed, "u2": &deleted, "u3": &a, "u4": &b}
	return p, before, after
}

var stagedCounts = data.Counts{Added: 3, Updated: 1, Deleted: 1, Unchanged: 2}

func testRunImport(t *testing.T, f *fixture) {
	p, before, after := f.stagedPlan()
	id := f.stage(p, stagedCounts)
	if imp := f.status(id); imp.Status != data.ImportQueued || imp.ProjectID != f.project || imp.Kind != data.KindBulk {
		t.Errorf("staged import: %+v, want QUEUED in its project", imp)
	}
	f.expect(users, before)
	imp := f.run(id, time.Now().Add(time.Minute))
	if imp.Status != data.ImportCompleted || imp.Counts != stagedCounts || imp.Failure != nil {
		t.Errorf("RunImport: %+v, want COMPLETED with its counts", imp)
	}
	f.expect(users, after)
	f.expect(customers, map[string]*data.Record{"c1": ptr(p.Changes[4].New)})
	if got := f.referrers("u0"); !sameRefs(got, data.Reference{Entity: customers.Name, Field: "baseuser_ID", Code: "c1"}) {
		t.Errorf("Referrers(u0) = %+v, want c1", got)
	}
	if imp := f.status(id); imp.Status != data.ImportCompleted || imp.Counts != stagedCounts {
		t.Errorf("Import after the run: %+v, want COMPLETED", imp)
	}
}

func testRunImportResumes(t *testing.T, f *fixture) {
	p, before, after := f.stagedPlan()
	id := f.stage(p, stagedCounts)
	if imp := f.run(id, time.Now().Add(-time.Second)); finished(imp) {
		t.Errorf("RunImport past its time: %+v, want it unfinished", imp)
	}
	f.expect(users, before)
	if imp := f.run(id, time.Now().Add(time.Minute)); imp.Status != data.ImportCompleted {
		t.Errorf("the later RunImport: %+v, want COMPLETED", imp)
	}
	f.expect(users, after)
}

func testRunImportFails(t *testing.T, f *fixture) {
	t.Run("a row changed since its read", func(t *testing.T) {
		f := &fixture{t: t, ctx: f.ctx, s: f.s, seed: f.seed, project: f.project + "-row"}
		p, before, _ := f.stagedPlan()
		id := f.stage(p, stagedCounts)
		now := f.save(users, p.Changes[2].Old, f.user("u1", "Robert"))
		before["u1"] = &now
		imp := f.run(id, time.Now().Add(time.Minute))
		if imp.Status != data.ImportFailed || imp.Failure == nil || imp.Failure.Reason != data.FailChanged || imp.Failure.Field != "[2]" {
			t.Errorf("RunImport: %+v (failure %+v), want FAILED, CHANGED at [2]", imp, imp.Failure)
		}
		f.expect(users, before)
		f.expect(customers, map[string]*data.Record{"c1": nil})
	})
	t.Run("a foreign key target deleted since the plan", func(t *testing.T) {
		f := &fixture{t: t, ctx: f.ctx, s: f.s, seed: f.seed, project: f.project + "-fk"}
		p, before, _ := f.stagedPlan()
		id := f.stage(p, stagedCounts)
		stored := f.records(users, "u0")["u0"]
		gone := f.user("u0", "Ada")
		gone.Deleted = true
		f.save(users, &stored, gone)
		imp := f.run(id, time.Now().Add(time.Minute))
		if imp.Status != data.ImportFailed || imp.Failure == nil || imp.Failure.Reason != data.FailInvalid || imp.Failure.Field != "[4].baseuser_ID" {
			t.Errorf("RunImport: %+v (failure %+v), want FAILED, INVALID at [4].baseuser_ID", imp, imp.Failure)
		}
		f.expect(users, before)
		f.expect(customers, map[string]*data.Record{"c1": nil})
	})
}

func testFailImportRollsBack(t *testing.T, f *fixture) {
	p, before, _ := f.stagedPlan()
	id := f.stage(p, stagedCounts)
	f.run(id, time.Now().Add(-time.Second))
	imp, err := f.s.FailImport(f.ctx, id, "processing gave up")
	if err != nil {
		t.Fatalf("FailImport: %v", err)
	}
	want := data.Failure{Reason: data.FailAborted, Message: "processing gave up"}
	if imp.Status != data.ImportFailed || imp.Failure == nil || *imp.Failure != want {
		t.Errorf("FailImport: %+v (failure %+v), want FAILED with %+v", imp, imp.Failure, want)
	}
	f.expect(users, before)
	f.expect(customers, map[string]*data.Record{"c1": nil})
	// A run delivered late finds it failed and changes nothing.
	if imp := f.run(id, time.Now().Add(time.Minute)); imp.Status != data.ImportFailed {
		t.Errorf("RunImport after FailImport: %+v, want FAILED", imp)
	}
	f.expect(users, before)
}

func testFailImportCommitted(t *testing.T, f *fixture) {
	p, _, after := f.stagedPlan()
	id := f.stage(p, stagedCounts)
	f.run(id, time.Now().Add(time.Minute))
	imp, err := f.s.FailImport(f.ctx, id, "processing gave up")
	if err != nil {
		t.Fatalf("FailImport: %v", err)
	}
	if imp.Status != data.ImportCompleted || imp.Failure != nil {
		t.Errorf("FailImport of a committed import: %+v, want COMPLETED", imp)
	}
	f.expect(users, after)
}

func testUnknownImport(t *testing.T, f *fixture) {
	id := "imp-" + storetest.ID("")
	if _, err := f.s.Import(f.ctx, id); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("Import: %v, want ErrNotFound", err)
	}
	if _, err := f.s.RunImport(f.ctx, id, time.Now().Add(time.Minute)); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("RunImport: %v, want ErrNotFound", err)
	}
	if _, err := f.s.FailImport(f.ctx, id, "gave up"); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("FailImport: %v, want ErrNotFound", err)
	}
}

func testConcurrentRuns(t *testing.T, f *fixture) {
	p, _, after := f.stagedPlan()
	id := f.stage(p, stagedCounts)
	var wg sync.WaitGroup
	imps, errs := make([]data.Import, 2), make([]error, 2)
	for i := range imps {
		wg.Go(func() { imps[i], errs[i] = f.s.RunImport(f.ctx, id, time.Now().Add(time.Minute)) })
	}
	wg.Wait()
	for i, err := range errs {
		switch {
		case errors.Is(err, data.ErrImportBusy):
		case err != nil:
			t.Errorf("run %d: %v, want a result or ErrImportBusy", i, err)
		case imps[i].Status != data.ImportCompleted:
			t.Errorf("run %d: %+v, want COMPLETED", i, imps[i])
		}
	}
	if imp := f.status(id); imp.Status != data.ImportCompleted || imp.Counts != stagedCounts {
		t.Errorf("Import after both runs: %+v, want COMPLETED", imp)
	}
	f.expect(users, after)
}
