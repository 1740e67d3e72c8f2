// Package datatest is the contract of data.Store: one suite that every
// implementation (in memory, DynamoDB) must pass, on the default catalog.
package datatest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/data"
	"github.com/parcelgate/parcelgate/internal/input"
	"github.com/parcelgate/parcelgate/internal/page"
	"github.com/parcelgate/parcelgate/internal/storetest"
)

// Run runs the contract of data.Store against the stores newStore
// returns. A store may be shared between the tests: each uses a fresh
// project (and fresh tracking numbers).
func Run(t *testing.T, newStore func(t *testing.T) data.Store) {
	for _, tc := range []struct {
		name string
		test func(*testing.T, fixture)
	}{
		{"RecordReadsBackAsSaved", recordReadsBackAsSaved},
		{"SaveWithoutOldRefusesATakenCode", saveWithoutOldRefusesATakenCode},
		{"SaveOverOldNeedsTheStoredVersion", saveOverOldNeedsTheStoredVersion},
		{"ConcurrentSavesOfOneVersionHaveOneWinner", concurrentSavesOfOneVersionHaveOneWinner},
		{"ForeignKeysThatChangeMustNameALiveRecord", foreignKeysThatChangeMustNameALiveRecord},
		{"RemoveRecordRefusesAReferencedOrChangedRecord", removeRecordRefusesAReferencedOrChangedRecord},
		{"ReadRecordsPagesLiveRecordsInCodeOrder", readRecordsPagesLiveRecordsInCodeOrder},
		{"ReadRecordsFiltersWithinTheScanBudget", readRecordsFiltersWithinTheScanBudget},
		{"ReadRecordsByExportDateHoldsTheUnexported", readRecordsByExportDateHoldsTheUnexported},
		{"MarkExportedAppliesOnlyToTheStampedVersion", markExportedAppliesOnlyToTheStampedVersion},
		{"TrackedRecordsFollowTheirNumber", trackedRecordsFollowTheirNumber},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.test(t, fixture{s: newStore(t), projectID: storetest.ID("p-")})
		})
	}
}

type fixture struct {
	s         data.Store
	projectID string
}

func entity(t *testing.T, name string) *data.Entity {
	t.Helper()
	e, ok := data.DefaultCatalog.Entity(name)
	if !ok {
		t.Fatalf("no entity %s in the default catalog", name)
	}
	return e
}

// stamps hands out increasing srvDateUTC values, one per version.
var stamps struct {
	sync.Mutex
	last time.Time
}

func stamp() time.Time {
	stamps.Lock()
	defer stamps.Unlock()
	stamps.last = data.NextStamp(time.Now(), stamps.last)
	return stamps.last
}

// create saves a new record of e with values.
func (f fixture) create(t *testing.T, e *data.Entity, code string, values map[string]any) data.Record {
	t.Helper()
	r := data.Record{Entity: e.Name, Code: code, Values: values, SrvDateUTC: stamp()}
	if err := f.s.SaveRecord(context.Background(), f.projectID, e, nil, r); err != nil {
		t.Fatalf("create %s/%s: %v", e.Name, code, err)
	}
	return r
}

// update saves old's next version with values.
func (f fixture) update(t *testing.T, e *data.Entity, old data.Record, values map[string]any, deleted bool) data.Record {
	t.Helper()
	r := data.Record{Entity: e.Name, Code: old.Code, Values: values, SrvDateUTC: stamp(), Deleted: deleted}
	if err := f.s.SaveRecord(context.Background(), f.projectID, e, &old, r); err != nil {
		t.Fatalf("update %s/%s: %v", e.Name, old.Code, err)
	}
	return r
}

func (f fixture) read(t *testing.T, e *data.Entity, code string) data.Record {
	t.Helper()
	r, err := f.s.Record(context.Background(), f.projectID, e, code)
	if err != nil {
		t.Fatalf("read %s/%s: %v", e.Name, code, err)
	}
	return r
}

func recordReadsBackAsSaved(t *testing.T, f fixture) {
	ctx := context.Background()
	e := entity(t, "shipment")
	at := time.Date(2026, 11, 30, 10, 0, 0, 123456789, time.FixedZone("CET", 3600))
	saved := f.create(t, e, "s-1", map[string]any{
		"trackingNumber": "NOT-A-PARCEL", "weight": data.Dec("1.50"), "parcelCount": int64(3), "statusDate": at,
		"carrier": nil, "noSuchField": "dropped",
	})
	want := data.Record{
		Entity: e.Name, Code: "s-1", SrvDateUTC: saved.SrvDateUTC.UTC(),
		Values: map[string]any{"trackingNumber": "NOT-A-PARCEL", "weight": data.Dec("1.50"), "parcelCount": int64(3), "statusDate": at.UTC().Truncate(100 * time.Nanosecond)},
	}
	if got := f.read(t, e, "s-1"); !reflect.DeepEqual(got, want) {
		t.Errorf("record\n got %#v\nwant %#v", got, want)
	}
	c := entity(t, "baseuser")
	f.create(t, c, "u-1", map[string]any{"login": "ada", "status": "ACTIVE"})
	if got := f.read(t, c, "u-1"); got.Values["login"] != "ada" || got.Values["status"] != "ACTIVE" {
		t.Errorf("baseuser read back as %+v", got)
	}
	for name, read := range map[string]func() error{
		"unknown code":     func() error { _, err := f.s.Record(ctx, f.projectID, e, "s-2"); return err },
		"another project":  func() error { _, err := f.s.Record(ctx, storetest.ID("p-"), e, "s-1"); return err },
		"another entity's": func() error { _, err := f.s.Record(ctx, f.projectID, c, "s-1"); return err },
	} {
		if err := read(); !errors.Is(err, data.ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound", name, err)
		}
	}
}

func saveWithoutOldRefusesATakenCode(t *testing.T, f fixture) {
	e := entity(t, "baseuser")
	first := f.create(t, e, "u-1", map[string]any{"login": "first"})
	again := data.Record{Entity: e.Name, Code: "u-1", Values: map[string]any{"login": "second"}, SrvDateUTC: stamp()}
	if err := f.s.SaveRecord(context.Background(), f.projectID, e, nil, again); !errors.Is(err, data.ErrChanged) {
		t.Errorf("create over a taken code: %v, want ErrChanged", err)
	}
	if got := f.read(t, e, "u-1"); got.Values["login"] != "first" || !got.SrvDateUTC.Equal(first.SrvDateUTC) {
		t.Errorf("a refused create changed the record: %+v", got)
	}
	// A logically deleted record still holds its code.
	f.update(t, e, first, map[string]any{"login": "first"}, true)
	if err := f.s.SaveRecord(context.Background(), f.projectID, e, nil, again); !errors.Is(err, data.ErrChanged) {
		t.Errorf("create over a deleted record's code: %v, want ErrChanged", err)
	}
}

func saveOverOldNeedsTheStoredVersion(t *testing.T, f fixture) {
	ctx := context.Background()
	e := entity(t, "baseuser")
	v1 := f.create(t, e, "u-1", map[string]any{"login": "v1"})
	v2 := f.update(t, e, v1, map[string]any{"login": "v2"}, false)
	if got := f.read(t, e, "u-1"); got.Values["login"] != "v2" || !got.SrvDateUTC.Equal(v2.SrvDateUTC) {
		t.Errorf("updated record: %+v", got)
	}
	stale := data.Record{Entity: e.Name, Code: "u-1", Values: map[string]any{"login": "stale"}, SrvDateUTC: stamp()}
	if err := f.s.SaveRecord(ctx, f.projectID, e, &v1, stale); !errors.Is(err, data.ErrChanged) {
		t.Errorf("update over a stale version: %v, want ErrChanged", err)
	}
	if got := f.read(t, e, "u-1"); got.Values["login"] != "v2" {
		t.Errorf("a refused update changed the record: %+v", got)
	}
	missing := data.Record{Entity: e.Name, Code: "u-2", SrvDateUTC: v1.SrvDateUTC}
	next := data.Record{Entity: e.Name, Code: "u-2", Values: map[string]any{"login": "x"}, SrvDateUTC: stamp()}
	if err := f.s.SaveRecord(ctx, f.projectID, e, &missing, next); !errors.Is(err, data.ErrChanged) {
		t.Errorf("update of a missing record: %v, want ErrChanged", err)
	}
	if _, err := f.s.Record(ctx, f.projectID, e, "u-2"); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("a refused update created the record: %v", err)
	}
}

func concurrentSavesOfOneVersionHaveOneWinner(t *testing.T, f fixture) {
	e := entity(t, "baseuser")
	v1 := f.create(t, e, "u-1", map[string]any{"login": "v1"})
	save := func(old *data.Record, code string) (wins int) {
		var wg sync.WaitGroup
		results := make([]error, 10)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := data.Record{Entity: e.Name, Code: code, Values: map[string]any{"login": fmt.Sprint(i)}, SrvDateUTC: stamp()}
				results[i] = f.s.SaveRecord(context.Background(), f.projectID, e, old, r)
			}()
		}
		wg.Wait()
		for _, err := range results {
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, data.ErrChanged):
				t.Errorf("concurrent save: %v, want nil or ErrChanged", err)
			}
		}
		return wins
	}
	if wins := save(&v1, "u-1"); wins != 1 {
		t.Errorf("%d of 10 concurrent updates of one version applied, want 1", wins)
	}
	if wins := save(nil, "u-2"); wins != 1 {
		t.Errorf("%d of 10 concurrent creates of one code applied, want 1", wins)
	}
}

func invalidField(t *testing.T, err error, field string) {
	t.Helper()
	var ie *input.Error
	if !errors.As(err, &ie) || ie.Field != field {
		t.Errorf("%v, want an input error naming %s", err, field)
	}
}

func foreignKeysThatChangeMustNameALiveRecord(t *testing.T, f fixture) {
	ctx := context.Background()
	users, customers := entity(t, "baseuser"), entity(t, "customer")
	orphan := data.Record{Entity: customers.Name, Code: "c-1", Values: map[string]any{"baseuser_ID": "u-missing"}, SrvDateUTC: stamp()}
	invalidField(t, f.s.SaveRecord(ctx, f.projectID, customers, nil, orphan), "baseuser_ID")
	if _, err := f.s.Record(ctx, f.projectID, customers, "c-1"); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("a record with a dangling key was stored: %v", err)
	}
	// Another project's record of that code is not this project's.
	other := fixture{s: f.s, projectID: storetest.ID("p-")}
	other.create(t, users, "u-1", nil)
	orphan.Values["baseuser_ID"] = "u-1"
	invalidField(t, f.s.SaveRecord(ctx, f.projectID, customers, nil, orphan), "baseuser_ID")

	u := f.create(t, users, "u-1", map[string]any{"login": "ada"})
	c := f.create(t, customers, "c-1", map[string]any{"baseuser_ID": "u-1", "name": "Acme"})
	f.update(t, users, u, map[string]any{"login": "ada"}, true)
	// A key that does not change is not checked again ...
	c = f.update(t, customers, c, map[string]any{"baseuser_ID": "u-1", "name": "Acme Ltd"}, false)
	// ... one that changes to a logically deleted record is refused.
	f.create(t, users, "u-2", nil)
	u3 := f.create(t, users, "u-3", nil)
	f.update(t, users, u3, nil, true)
	next := data.Record{Entity: customers.Name, Code: "c-1", Values: map[string]any{"baseuser_ID": "u-3"}, SrvDateUTC: stamp()}
	invalidField(t, f.s.SaveRecord(ctx, f.projectID, customers, &c, next), "baseuser_ID")
	if got := f.read(t, customers, "c-1"); got.Values["baseuser_ID"] != "u-1" || !got.SrvDateUTC.Equal(c.SrvDateUTC) {
		t.Errorf("a refused update changed the record: %+v", got)
	}
	next.Values["baseuser_ID"] = "u-2"
	if err := f.s.SaveRecord(ctx, f.projectID, customers, &c, next); err != nil {
		t.Errorf("a key moved to a live record: %v", err)
	}
}

func removeRecordRefusesAReferencedOrChangedRecord(t *testing.T, f fixture) {
	ctx := context.Background()
	users, customers := entity(t, "baseuser"), entity(t, "customer")
	u := f.create(t, users, "u-1", nil)
	c := f.create(t, customers, "c-1", map[string]any{"baseuser_ID": "u-1"})
	if err := f.s.RemoveRecord(ctx, f.projectID, users, u); !errors.Is(err, data.ErrReferenced) {
		t.Errorf("remove of a referenced record: %v, want ErrReferenced", err)
	}
	f.read(t, users, "u-1")
	// A reference moved away frees the record ...
	c = f.update(t, customers, c, map[string]any{"name": "no user"}, false)
	stale := u
	u = f.update(t, users, u, map[string]any{"login": "new"}, false)
	if err := f.s.RemoveRecord(ctx, f.projectID, users, stale); !errors.Is(err, data.ErrChanged) {
		t.Errorf("remove of a stale version: %v, want ErrChanged", err)
	}
	if err := f.s.RemoveRecord(ctx, f.projectID, users, u); err != nil {
		t.Fatalf("remove of an unreferenced record: %v", err)
	}
	if _, err := f.s.Record(ctx, f.projectID, users, "u-1"); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("removed record read: %v, want ErrNotFound", err)
	}
	if err := f.s.RemoveRecord(ctx, f.projectID, users, u); !errors.Is(err, data.ErrChanged) {
		t.Errorf("second remove: %v, want ErrChanged", err)
	}
	// ... and so does removing the record that refers to it.
	u2 := f.create(t, users, "u-2", nil)
	c = f.update(t, customers, c, map[string]any{"baseuser_ID": "u-2"}, false)
	if err := f.s.RemoveRecord(ctx, f.projectID, customers, c); err != nil {
		t.Fatalf("remove of the referrer: %v", err)
	}
	if err := f.s.RemoveRecord(ctx, f.projectID, users, u2); err != nil {
		t.Errorf("remove once its referrer is gone: %v", err)
	}
}

func codes(rs []data.Record) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Code
	}
	return out
}

// readAll pages through r, checking each page's size.
func readAll(t *testing.T, s data.Store, r data.Read) (all []string, pages int) {
	t.Helper()
	for {
		got, next, err := s.ReadRecords(context.Background(), r)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) > max(r.Limit, 1) {
			t.Errorf("page of %d records, limit %d", len(got), r.Limit)
		}
		all = append(all, codes(got)...)
		pages++
		if next == "" {
			return all, pages
		}
		if pages > 20 {
			t.Fatal("paging does not end")
		}
		r.Cursor = next
	}
}

func readRecordsPagesLiveRecordsInCodeOrder(t *testing.T, f fixture) {
	ctx := context.Background()
	users := entity(t, "baseuser")
	for _, code := range []string{"u-3", "u-1", "u-5", "u-2", "u-4"} {
		f.create(t, users, code, map[string]any{"login": code})
	}
	gone := f.create(t, users, "u-25", nil)
	f.update(t, users, gone, nil, true)
	f.create(t, entity(t, "customer"), "c-1", nil)
	fixture{s: f.s, projectID: storetest.ID("p-")}.create(t, users, "u-0", nil)

	r := data.Read{ProjectID: f.projectID, Entity: users, Limit: 2}
	got, _ := readAll(t, f.s, r)
	if want := []string{"u-1", "u-2", "u-3", "u-4", "u-5"}; !slices.Equal(got, want) {
		t.Errorf("ascending: %v, want %v", got, want)
	}
	r.Descending = true
	got, _ = readAll(t, f.s, r)
	if want := []string{"u-5", "u-4", "u-3", "u-2", "u-1"}; !slices.Equal(got, want) {
		t.Errorf("descending: %v, want %v", got, want)
	}
	// A page of the limit holds every record; the scan budget (the limit
	// and one) may end at the last item, and its cursor at an empty page.
	all, next, err := f.s.ReadRecords(ctx, data.Read{ProjectID: f.projectID, Entity: users, Limit: 5})
	if err != nil || len(all) != 5 {
		t.Errorf("a page of the limit: %v, %v; want five", codes(all), err)
	}
	if next != "" {
		rest, next, err := f.s.ReadRecords(ctx, data.Read{ProjectID: f.projectID, Entity: users, Limit: 5, Cursor: next})
		if err != nil || len(rest) != 0 || next != "" {
			t.Errorf("after every record: %v, cursor %q, %v; want none", codes(rest), next, err)
		}
	}

	_, cursor, err := f.s.ReadRecords(ctx, data.Read{ProjectID: f.projectID, Entity: users, Limit: 2})
	if err != nil || cursor == "" {
		t.Fatalf("first page: cursor %q, %v", cursor, err)
	}
	for name, r := range map[string]data.Read{
		"another project": {ProjectID: storetest.ID("p-"), Entity: users, Limit: 2, Cursor: cursor},
		"another entity":  {ProjectID: f.projectID, Entity: entity(t, "customer"), Limit: 2, Cursor: cursor},
		"forged":          {ProjectID: f.projectID, Entity: users, Limit: 2, Cursor: "bm90LWEtY3Vyc29y"},
	} {
		if _, _, err := f.s.ReadRecords(ctx, r); !errors.Is(err, page.ErrBadCursor) {
			t.Errorf("cursor of %s: %v, want ErrBadCursor", name, err)
		}
	}
}

func readRecordsFiltersWithinTheScanBudget(t *testing.T, f fixture) {
	users := entity(t, "baseuser")
	var want []string
	for i := range 9 {
		code := fmt.Sprintf("u-%d", i)
		login := "skip"
		if i%3 == 0 {
			login, want = "keep", append(want, code)
		}
		f.create(t, users, code, map[string]any{"login": login + code})
	}
	// The data package's own filter, as retrieval uses it.
	filter := &data.Filter{Field: "login", Op: data.OpStartsWith, Value: "keep"}
	r := data.Read{ProjectID: f.projectID, Entity: users, Limit: 1, MaxScanned: 2, Match: func(rec data.Record) bool { return filter.Match(users, rec) }}
	got, pages := readAll(t, f.s, r)
	if !slices.Equal(got, want) {
		t.Errorf("filtered: %v, want %v", got, want)
	}
	if pages < 5 {
		t.Errorf("9 records read 2 at most per call in %d calls", pages)
	}
	r.MaxScanned, r.Limit = 100, 2
	got, pages = readAll(t, f.s, r)
	if !slices.Equal(got, want) || pages != 2 {
		t.Errorf("filtered, limit 2: %v in %d pages, want %v in 2", got, pages, want)
	}
}

func readRecordsByExportDateHoldsTheUnexported(t *testing.T, f fixture) {
	ctx := context.Background()
	users := entity(t, "baseuser")
	var recs []data.Record
	for _, code := range []string{"u-c", "u-a", "u-d", "u-b"} {
		recs = append(recs, f.create(t, users, code, nil))
	}
	if c, err := f.s.MarkExported(ctx, f.projectID, users, "u-d", recs[2].SrvDateUTC, 7); err != nil || c.Reason != "" {
		t.Fatalf("mark exported: %+v, %v", c, err)
	}
	f.update(t, users, recs[1], nil, true)
	f.update(t, users, recs[0], map[string]any{"login": "changed"}, false) // moves last
	r := data.Read{ProjectID: f.projectID, Entity: users, Index: data.ByExportDate, Limit: 1}
	got, _ := readAll(t, f.s, r)
	if want := []string{"u-b", "u-c"}; !slices.Equal(got, want) {
		t.Errorf("by export date: %v, want %v", got, want)
	}
	r.Descending = true
	got, _ = readAll(t, f.s, r)
	if want := []string{"u-c", "u-b"}; !slices.Equal(got, want) {
		t.Errorf("by export date, descending: %v, want %v", got, want)
	}
	// Marked unexported again, it is back in the delta.
	if c, err := f.s.MarkExported(ctx, f.projectID, users, "u-d", recs[2].SrvDateUTC, 0); err != nil || c.Reason != "" {
		t.Fatalf("mark unexported: %+v, %v", c, err)
	}
	r.Descending = false
	got, _ = readAll(t, f.s, r)
	if want := []string{"u-d", "u-b", "u-c"}; !slices.Equal(got, want) {
		t.Errorf("by export date after unmarking: %v, want %v", got, want)
	}
}

func markExportedAppliesOnlyToTheStampedVersion(t *testing.T, f fixture) {
	ctx := context.Background()
	users := entity(t, "baseuser")
	v1 := f.create(t, users, "u-1", nil)
	v2 := f.update(t, users, v1, map[string]any{"login": "v2"}, false)
	c, err := f.s.MarkExported(ctx, f.projectID, users, "u-1", v1.SrvDateUTC, 5)
	if err != nil || c.Reason != data.ReasonModified || !c.SrvDateUTC.Equal(v2.SrvDateUTC) {
		t.Errorf("mark of a stale version: %+v, %v; want MODIFIED at %v", c, err, v2.SrvDateUTC)
	}
	if got := f.read(t, users, "u-1"); got.SrvExport != 0 {
		t.Errorf("a refused mark set srvExport %d", got.SrvExport)
	}
	if c, err := f.s.MarkExported(ctx, f.projectID, users, "u-1", v2.SrvDateUTC, 5); err != nil || c.Reason != "" {
		t.Errorf("mark: %+v, %v", c, err)
	}
	if got := f.read(t, users, "u-1"); got.SrvExport != 5 || !got.SrvDateUTC.Equal(v2.SrvDateUTC) {
		t.Errorf("marked record: srvExport %d at %v", got.SrvExport, got.SrvDateUTC)
	}
	if c, err := f.s.MarkExported(ctx, f.projectID, users, "u-9", v2.SrvDateUTC, 5); err != nil || c.Reason != data.ReasonNotFound {
		t.Errorf("mark of a missing record: %+v, %v; want NOT_FOUND", c, err)
	}
	gone := f.create(t, users, "u-2", nil)
	gone = f.update(t, users, gone, nil, true)
	if c, err := f.s.MarkExported(ctx, f.projectID, users, "u-2", gone.SrvDateUTC, 5); err != nil || c.Reason != data.ReasonNotFound {
		t.Errorf("mark of a deleted record: %+v, %v; want NOT_FOUND", c, err)
	}
}

func trackedRecordsFollowTheirNumber(t *testing.T, f fixture) {
	ctx := context.Background()
	shipments := entity(t, "shipment")
	n1, n2 := storetest.InPostNumber(), storetest.InPostNumber()
	tracked := func(number string) []string {
		t.Helper()
		trs, err := f.s.TrackedRecords(ctx, number)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, tr := range trs {
			if tr.ProjectID == f.projectID && tr.Entity == shipments.Name {
				out = append(out, tr.Code)
			}
		}
		slices.Sort(out)
		return out
	}
	// Written as people type it: the number is normalised.
	s1 := f.create(t, shipments, "s-1", map[string]any{"trackingNumber": n1[:12] + " " + n1[12:]})
	s2 := f.create(t, shipments, "s-2", map[string]any{"trackingNumber": n1})
	if got := tracked(n1); !slices.Equal(got, []string{"s-1", "s-2"}) {
		t.Errorf("following %s: %v, want s-1 and s-2", n1, got)
	}
	f.update(t, shipments, s1, map[string]any{"trackingNumber": n2}, false)
	f.update(t, shipments, s2, map[string]any{"trackingNumber": n1}, true)
	if got := tracked(n1); len(got) != 0 {
		t.Errorf("following %s after a move and a logical delete: %v", n1, got)
	}
	if got := tracked(n2); !slices.Equal(got, []string{"s-1"}) {
		t.Errorf("following %s: %v, want s-1", n2, got)
	}
	s1 = f.read(t, shipments, "s-1")
	if err := f.s.RemoveRecord(ctx, f.projectID, shipments, s1); err != nil {
		t.Fatal(err)
	}
	if got := tracked(n2); len(got) != 0 {
		t.Errorf("following %s after a remove: %v", n2, got)
	}
}
