//go:build integration

package dynamo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"maps"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/account"
	"github.com/parcelgate/parcelgate/internal/data"
)

// licenceFixture is a project with licences, its accounts and the store
// that imports into it.
type licenceFixture struct {
	t       *testing.T
	ctx     context.Context
	s       *Adapters
	project string
	users   *data.Entity
	last    time.Time
}

func newLicenceFixture(t *testing.T, s *Adapters, total int) *licenceFixture {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	users, _ := data.DefaultCatalog.Entity(account.Entity)
	f := &licenceFixture{t: t, ctx: context.Background(), s: s, project: "lic-" + hex.EncodeToString(b), users: users}
	if _, err := s.Accounts.SetLicences(f.ctx, f.project, total); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *licenceFixture) stamp() time.Time {
	now := time.Now().UTC().Truncate(time.Microsecond)
	if !now.After(f.last) {
		now = f.last.Add(time.Microsecond)
	}
	f.last = now
	return now
}

// account creates an account with status ("" for none, as the generic
// record routes create them) through the accounts' own write.
func (f *licenceFixture) account(code string, status account.Status) {
	f.t.Helper()
	rec := data.Record{Entity: f.users.Name, Code: code, SrvDateUTC: f.stamp(), Values: map[string]any{"login": code}}
	delta := 0
	if status != "" {
		rec.Values[data.FieldStatus] = string(status)
	}
	if status == account.Active {
		delta = 1
	}
	if err := f.s.Accounts.SaveAccount(f.ctx, f.project, f.users, nil, rec, delta); err != nil {
		f.t.Fatalf("account %s: %v", code, err)
	}
}

func (f *licenceFixture) read(code string) data.Record {
	f.t.Helper()
	got, err := f.s.Imports.Records(f.ctx, f.project, f.users, []string{code})
	if err != nil {
		f.t.Fatal(err)
	}
	rec, ok := got[code]
	if !ok {
		f.t.Fatalf("account %s not stored", code)
	}
	return rec
}

// deleted is the change of an import that deletes the account, over the
// version stored now.
func (f *licenceFixture) deleted(code, row string) data.Change {
	old := f.read(code)
	rec := old
	rec.Values = maps.Clone(old.Values)
	rec.Deleted, rec.SrvDateUTC = true, f.stamp()
	return data.Change{Entity: f.users, Old: &old, New: rec, Row: row}
}

// filled is a merge's change of its target: its null fields take values.
func (f *licenceFixture) filled(code, row string, values map[string]any) data.Change {
	old := f.read(code)
	rec := old
	rec.Values = maps.Clone(old.Values)
	for k, v := range values {
		if _, set := rec.Values[k]; !set {
			rec.Values[k] = v
		}
	}
	rec.SrvDateUTC = f.stamp()
	return data.Change{Entity: f.users, Old: &old, New: rec, Row: row}
}

func (f *licenceFixture) used() int {
	f.t.Helper()
	l, err := f.s.Accounts.Licences(f.ctx, f.project)
	if err != nil {
		f.t.Fatal(err)
	}
	return l.Used
}

// activate creates an active account and returns what the store said.
func (f *licenceFixture) activate(code string) error {
	rec := data.Record{Entity: f.users.Name, Code: code, SrvDateUTC: f.stamp(), Values: map[string]any{data.FieldStatus: string(account.Active)}}
	return f.s.Accounts.SaveAccount(f.ctx, f.project, f.users, nil, rec, 1)
}

// staged stages the plan as an import and returns its id.
func (f *licenceFixture) staged(s *Imports, p data.Plan) string {
	f.t.Helper()
	id := "imp-" + f.project + "-" + f.stamp().Format("150405.000000")
	if err := s.StageImport(f.ctx, data.Import{ID: id, ProjectID: f.project, Kind: data.KindDelete, CreatedAt: time.Now().UTC()}, p); err != nil {
		f.t.Fatal(err)
	}
	return id
}

func TestImportsThatRemoveActiveAccountsFreeTheirLicences(t *testing.T) {
	s := newStore(t)
	commits := map[string]func(f *licenceFixture, p data.Plan) error{
		"in one transaction": func(f *licenceFixture, p data.Plan) error { return s.Imports.CommitPlan(f.ctx, p) },
		"staged": func(f *licenceFixture, p data.Plan) error {
			imp, err := s.Imports.RunImport(f.ctx, f.staged(s.Imports, p), time.Now().Add(time.Minute))
			if err == nil && imp.Status != data.ImportCompleted {
				f.t.Fatalf("import %+v, want COMPLETED", imp)
			}
			return err
		},
	}
	for name, commit := range commits {
		t.Run("a delete "+name, func(t *testing.T) {
			f := newLicenceFixture(t, s, 2)
			f.account("u1", account.Active)
			f.account("u2", account.Active)
			f.account("u3", account.Deactivated)
			p := data.Plan{ProjectID: f.project, Changes: []data.Change{f.deleted("u1", "[0]"), f.deleted("u3", "[1]")}}
			if err := commit(f, p); err != nil {
				t.Fatal(err)
			}
			if got := f.used(); got != 1 {
				t.Fatalf("%d licences used after deleting one of two active accounts, want 1", got)
			}
			if err := f.activate("u4"); err != nil {
				t.Fatalf("activation with the freed licence: %v", err)
			}
			if err := f.activate("u5"); !errors.Is(err, account.ErrNoLicence) {
				t.Fatalf("activation past the licences: %v, want ErrNoLicence", err)
			}
		})
		t.Run("a merge "+name, func(t *testing.T) {
			f := newLicenceFixture(t, s, 2)
			f.account("src1", account.Active)
			f.account("dst1", account.Deactivated)
			f.account("src2", account.Active)
			f.account("dst2", "")
			active := map[string]any{data.FieldStatus: string(account.Active)}
			// The first target keeps its status: the source's licence is
			// freed. The second had none and takes the source's: the
			// licence moves with it.
			p := data.Plan{ProjectID: f.project, Changes: []data.Change{
				f.deleted("src1", "sourceRowCode"), f.filled("dst1", "targetRowCode", active),
				f.deleted("src2", "sourceRowCode"), f.filled("dst2", "targetRowCode", active),
			}}
			if err := commit(f, p); err != nil {
				t.Fatal(err)
			}
			if got := f.used(); got != 1 {
				t.Fatalf("%d licences used after the merges, want 1 (dst2's)", got)
			}
			if st := f.read("dst2").Values[data.FieldStatus]; st != string(account.Active) {
				t.Fatalf("dst2 status %v, want active", st)
			}
			if err := f.activate("u3"); err != nil {
				t.Fatalf("activation with the freed licence: %v", err)
			}
			if err := f.activate("u4"); !errors.Is(err, account.ErrNoLicence) {
				t.Fatalf("activation past the licences: %v, want ErrNoLicence", err)
			}
		})
	}
}

// crashingAt is a copy of s whose import runs die at step, with a short
// lease so that the next run may take over.
func crashingAt(s *Adapters, step string) *Imports {
	c := *s.Imports
	c.Lease = 300 * time.Millisecond
	c.Hook = func(_ context.Context, _, at string) error {
		if at == step {
			return errCrash
		}
		return nil
	}
	return &c
}

func TestImportCrashedPastItsCommitFreesTheLicenceOnceWhateverTheRedeliveries(t *testing.T) {
	s := newStore(t)
	f := newLicenceFixture(t, s, 2)
	f.account("u1", account.Active)
	f.account("u2", account.Active)
	id := f.staged(s.Imports, data.Plan{ProjectID: f.project, Changes: []data.Change{f.deleted("u1", "[0]"), f.deleted("u2", "[1]")}})
	crashing := crashingAt(s, "committed")
	if _, err := crashing.RunImport(f.ctx, id, time.Now().Add(time.Minute)); !errors.Is(err, errCrash) {
		t.Fatalf("RunImport: %v, want the crash", err)
	}
	if got := f.used(); got != 0 {
		t.Fatalf("%d licences used once committed, want 0", got)
	}
	time.Sleep(400 * time.Millisecond) // the crashed run's lease expires
	// The queue delivers the import again, more than once.
	for range 3 {
		if imp, err := s.Imports.RunImport(f.ctx, id, time.Now().Add(time.Minute)); err != nil || imp.Status != data.ImportCompleted {
			t.Fatalf("RunImport again: %+v, %v; want COMPLETED", imp, err)
		}
	}
	if _, err := s.Imports.FailImport(f.ctx, id, "dead letter"); err != nil {
		t.Fatal(err)
	}
	if got := f.used(); got != 0 {
		t.Fatalf("%d licences used after the redeliveries, want 0", got)
	}
	for _, code := range []string{"u3", "u4"} {
		if err := f.activate(code); err != nil {
			t.Fatalf("activation of %s: %v", code, err)
		}
	}
	if err := f.activate("u5"); !errors.Is(err, account.ErrNoLicence) {
		t.Fatalf("activation past the licences: %v, want ErrNoLicence", err)
	}
}

func TestImportRolledBackBeforeItsCommitKeepsTheLicence(t *testing.T) {
	s := newStore(t)
	f := newLicenceFixture(t, s, 1)
	f.account("u1", account.Active)
	id := f.staged(s.Imports, data.Plan{ProjectID: f.project, Changes: []data.Change{f.deleted("u1", "[0]")}})
	if _, err := crashingAt(s, "locked 0").RunImport(f.ctx, id, time.Now().Add(time.Minute)); !errors.Is(err, errCrash) {
		t.Fatalf("RunImport: %v, want the crash", err)
	}
	time.Sleep(400 * time.Millisecond)
	if imp, err := s.Imports.FailImport(f.ctx, id, "dead letter"); err != nil || imp.Status != data.ImportFailed {
		t.Fatalf("FailImport: %+v, %v; want FAILED", imp, err)
	}
	if got, rec := f.used(), f.read("u1"); got != 1 || rec.Deleted {
		t.Fatalf("%d licences used, u1 %+v; want u1 active with its licence", got, rec)
	}
	if err := f.activate("u2"); !errors.Is(err, account.ErrNoLicence) {
		t.Fatalf("activation past the licences: %v, want ErrNoLicence", err)
	}
}

// An account write meeting the lock of an import that deletes the
// account must wait: were it to go through, the account would free its
// licence, then the import again when it commits.
func TestAccountWriteWaitsForTheImportDeletingTheAccount(t *testing.T) {
	s := newStore(t)
	f := newLicenceFixture(t, s, 2)
	f.account("u1", account.Active)
	f.account("u2", account.Active)
	id := f.staged(s.Imports, data.Plan{ProjectID: f.project, Changes: []data.Change{f.deleted("u1", "[0]")}})
	if _, err := crashingAt(s, "locked 0").RunImport(f.ctx, id, time.Now().Add(time.Minute)); !errors.Is(err, errCrash) {
		t.Fatalf("RunImport: %v, want the crash", err)
	}
	old := f.read("u1")
	suspended := old
	suspended.Values = maps.Clone(old.Values)
	suspended.Values[data.FieldStatus], suspended.SrvDateUTC = string(account.Suspended), f.stamp()
	if err := s.Accounts.SaveAccount(f.ctx, f.project, f.users, &old, suspended, -1); !errors.Is(err, data.ErrLocked) {
		t.Fatalf("suspending an account an import holds: %v, want data.ErrLocked", err)
	}
	if got := f.used(); got != 2 {
		t.Fatalf("%d licences used while the import holds u1, want 2", got)
	}
	time.Sleep(400 * time.Millisecond)
	if imp, err := s.Imports.RunImport(f.ctx, id, time.Now().Add(time.Minute)); err != nil || imp.Status != data.ImportCompleted {
		t.Fatalf("RunImport again: %+v, %v; want COMPLETED", imp, err)
	}
	if got, rec := f.used(), f.read("u1"); got != 1 || !rec.Deleted {
		t.Fatalf("%d licences used, u1 %+v; want u1 deleted and 1 used", got, rec)
	}
}
