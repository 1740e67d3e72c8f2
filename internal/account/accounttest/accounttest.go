// Package accounttest is the contract of account.Store: one suite that
// every implementation (in memory, DynamoDB) must pass.
package accounttest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/account"
	"github.com/parcelgate/parcelgate/internal/data"
	"github.com/parcelgate/parcelgate/internal/storetest"
)

// base is the tests' clock, at srvDateUTC's resolution.
var base = time.Date(2026, 11, 30, 9, 15, 0, 123456700, time.UTC)

// Run runs the contract suite against the stores newStore makes. Stores
// may be shared between tests: every test uses a project of its own.
func Run(t *testing.T, newStore func(t *testing.T) account.Store) {
	tests := []struct {
		name string
		run  func(t *testing.T, s account.Store, projectID string)
	}{
		{"NewAccountIsReadBack", newAccountIsReadBack},
		{"ATakenCodeIsNotCreatedAgain", aTakenCodeIsNotCreatedAgain},
		{"AnUpdateNeedsTheVersionRead", anUpdateNeedsTheVersionRead},
		{"ActivationsTakeLicences", activationsTakeLicences},
		{"AReleaseIsNeverRefused", aReleaseIsNeverRefused},
		{"AStaleVersionIsReportedBeforeTheLicences", aStaleVersionIsReportedBeforeTheLicences},
		{"ConcurrentActivationsNeverExceedTheLicences", concurrentActivationsNeverExceedTheLicences},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.run(t, newStore(t), storetest.ID("p-"))
		})
	}
}

func entity(t *testing.T) *data.Entity {
	t.Helper()
	e, ok := data.DefaultCatalog.Entity(account.Entity)
	if !ok {
		t.Fatal("the catalog has no accounts entity")
	}
	return e
}

func newAccount(code string, status account.Status, at time.Time) data.Record {
	return data.Record{Entity: account.Entity, Code: code, SrvDateUTC: at, Values: map[string]any{
		"login": code, "name": "User " + code, "email": code + "@example.com", data.FieldStatus: string(status),
	}}
}

func save(t *testing.T, s account.Store, projectID string, old *data.Record, rec data.Record, delta int) {
	t.Helper()
	if err := s.SaveAccount(context.Background(), projectID, entity(t), old, rec, delta); err != nil {
		t.Fatalf("save %s: %v", rec.Code, err)
	}
}

func read(t *testing.T, s account.Store, projectID, code string) data.Record {
	t.Helper()
	got, err := s.Record(context.Background(), projectID, entity(t), code)
	if err != nil {
		t.Fatalf("account %s: %v", code, err)
	}
	return got
}

func licences(t *testing.T, s account.Store, projectID string) account.Licences {
	t.Helper()
	got, err := s.Licences(context.Background(), projectID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func newAccountIsReadBack(t *testing.T, s account.Store, projectID string) {
	ctx := context.Background()
	rec := newAccount("u1", account.Deactivated, base)
	rec.Values["unknownField"] = "dropped"
	rec.Values["email"] = nil
	save(t, s, projectID, nil, rec, 0)
	want := newAccount("u1", account.Deactivated, base)
	delete(want.Values, "email")
	if got := read(t, s, projectID, "u1"); !reflect.DeepEqual(got, want) {
		t.Fatalf("account = %+v\nwant %+v", got, want)
	}
	if _, err := s.Record(ctx, projectID, entity(t), "u404"); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("unknown account: %v, want data.ErrNotFound", err)
	}
	if _, err := s.Record(ctx, projectID+"-other", entity(t), "u1"); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("the account in another project: %v, want data.ErrNotFound", err)
	}
	if got := licences(t, s, projectID); got != (account.Licences{}) {
		t.Errorf("licences never set = %+v, want none", got)
	}
}

func aTakenCodeIsNotCreatedAgain(t *testing.T, s account.Store, projectID string) {
	save(t, s, projectID, nil, newAccount("u1", account.Deactivated, base), 0)
	again := newAccount("u1", account.Suspended, base.Add(time.Second))
	if err := s.SaveAccount(context.Background(), projectID, entity(t), nil, again, 0); !errors.Is(err, data.ErrChanged) {
		t.Fatalf("second create: %v, want data.ErrChanged", err)
	}
	if got := read(t, s, projectID, "u1"); got.Values[data.FieldStatus] != string(account.Deactivated) {
		t.Fatalf("status = %v, want the first version's", got.Values[data.FieldStatus])
	}
}

func anUpdateNeedsTheVersionRead(t *testing.T, s account.Store, projectID string) {
	ctx := context.Background()
	save(t, s, projectID, nil, newAccount("u1", account.Deactivated, base), 0)
	v1 := read(t, s, projectID, "u1")
	v2 := newAccount("u1", account.Suspended, base.Add(time.Second))
	save(t, s, projectID, &v1, v2, 0)
	// A writer that read v1 too is too late.
	late := newAccount("u1", account.Deactivated, base.Add(2*time.Second))
	if err := s.SaveAccount(ctx, projectID, entity(t), &v1, late, 0); !errors.Is(err, data.ErrChanged) {
		t.Fatalf("update from a stale version: %v, want data.ErrChanged", err)
	}
	if got := read(t, s, projectID, "u1"); !got.SrvDateUTC.Equal(v2.SrvDateUTC) || got.Values[data.FieldStatus] != string(account.Suspended) {
		t.Fatalf("account = %+v, want v2", got)
	}
	ghost := newAccount("u2", account.Deactivated, base)
	if err := s.SaveAccount(ctx, projectID, entity(t), &ghost, newAccount("u2", account.Suspended, base.Add(time.Second)), 0); !errors.Is(err, data.ErrChanged) {
		t.Fatalf("update of a missing account: %v, want data.ErrChanged", err)
	}
	if _, err := s.Record(ctx, projectID, entity(t), "u2"); !errors.Is(err, data.ErrNotFound) {
		t.Fatalf("a refused update created the account: %v", err)
	}
	// A logically deleted account is still a stored version.
	deleted := newAccount("u1", account.Suspended, base.Add(3*time.Second))
	deleted.Deleted = true
	v2stored := read(t, s, projectID, "u1")
	save(t, s, projectID, &v2stored, deleted, 0)
	if got := read(t, s, projectID, "u1"); !got.Deleted {
		t.Fatalf("deleted account = %+v", got)
	}
}

func activationsTakeLicences(t *testing.T, s account.Store, projectID string) {
	ctx := context.Background()
	e := entity(t)
	if err := s.SaveAccount(ctx, projectID, e, nil, newAccount("u0", account.Active, base), 1); !errors.Is(err, account.ErrNoLicence) {
		t.Fatalf("activation without licences: %v, want ErrNoLicence", err)
	}
	if _, err := s.Record(ctx, projectID, e, "u0"); !errors.Is(err, data.ErrNotFound) {
		t.Fatalf("a refused activation stored the account: %v", err)
	}
	if got, err := s.SetLicences(ctx, projectID, 2); err != nil || got != (account.Licences{Total: 2}) {
		t.Fatalf("set licences = %+v, %v", got, err)
	}
	save(t, s, projectID, nil, newAccount("u1", account.Active, base), 1)
	save(t, s, projectID, nil, newAccount("u2", account.Active, base), 1)
	if err := s.SaveAccount(ctx, projectID, e, nil, newAccount("u3", account.Active, base), 1); !errors.Is(err, account.ErrNoLicence) {
		t.Fatalf("activation past the licences: %v, want ErrNoLicence", err)
	}
	if got := licences(t, s, projectID); got != (account.Licences{Total: 2, Used: 2}) {
		t.Fatalf("licences = %+v, want 2 of 2 used", got)
	}
	u1 := read(t, s, projectID, "u1")
	save(t, s, projectID, &u1, newAccount("u1", account.Suspended, base.Add(time.Second)), -1)
	save(t, s, projectID, nil, newAccount("u3", account.Active, base), 1)
	if got := licences(t, s, projectID); got != (account.Licences{Total: 2, Used: 2}) {
		t.Fatalf("licences = %+v, want 2 of 2 used", got)
	}
	if got, err := s.SetLicences(ctx, projectID, 5); err != nil || got != (account.Licences{Total: 5, Used: 2}) {
		t.Fatalf("raised licences = %+v, %v; want 2 of 5 used", got, err)
	}
}

func aReleaseIsNeverRefused(t *testing.T, s account.Store, projectID string) {
	ctx := context.Background()
	if _, err := s.SetLicences(ctx, projectID, 1); err != nil {
		t.Fatal(err)
	}
	save(t, s, projectID, nil, newAccount("u1", account.Active, base), 1)
	// Lowering the licences under the active accounts deactivates no one.
	if got, err := s.SetLicences(ctx, projectID, 0); err != nil || got != (account.Licences{Total: 0, Used: 1}) {
		t.Fatalf("lowered licences = %+v, %v; want 1 of 0 used", got, err)
	}
	u1 := read(t, s, projectID, "u1")
	save(t, s, projectID, &u1, newAccount("u1", account.Deactivated, base.Add(time.Second)), -1)
	if got := licences(t, s, projectID); got != (account.Licences{}) {
		t.Fatalf("licences = %+v, want none used", got)
	}
}

func aStaleVersionIsReportedBeforeTheLicences(t *testing.T, s account.Store, projectID string) {
	ctx := context.Background()
	save(t, s, projectID, nil, newAccount("u1", account.Deactivated, base), 0)
	stale := read(t, s, projectID, "u1")
	save(t, s, projectID, &stale, newAccount("u1", account.Suspended, base.Add(time.Second)), 0)
	// The caller must read the account again, whatever the licences say.
	if err := s.SaveAccount(ctx, projectID, entity(t), &stale, newAccount("u1", account.Active, base.Add(2*time.Second)), 1); !errors.Is(err, data.ErrChanged) {
		t.Fatalf("activation from a stale version without licences: %v, want data.ErrChanged", err)
	}
}

func concurrentActivationsNeverExceedTheLicences(t *testing.T, s account.Store, projectID string) {
	ctx := context.Background()
	const callers, total = 20, 5
	if _, err := s.SetLicences(ctx, projectID, total); err != nil {
		t.Fatal(err)
	}
	e := entity(t)
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			rec := newAccount(fmt.Sprintf("u%02d", i), account.Active, base)
			for range 10 {
				errs[i] = s.SaveAccount(ctx, projectID, e, nil, rec, 1)
				// Writes that kept colliding on the count may be sent again.
				if !errors.Is(errs[i], data.ErrContended) {
					return
				}
			}
		})
	}
	wg.Wait()
	active := 0
	for i, err := range errs {
		_, rerr := s.Record(ctx, projectID, e, fmt.Sprintf("u%02d", i))
		switch {
		case err == nil && rerr == nil:
			active++
		case errors.Is(err, account.ErrNoLicence) && errors.Is(rerr, data.ErrNotFound):
		default:
			t.Fatalf("caller %d: %v, then read: %v", i, err, rerr)
		}
	}
	if got := licences(t, s, projectID); active != total || got != (account.Licences{Total: total, Used: total}) {
		t.Fatalf("%d activations succeeded, licences %+v; want exactly %d", active, got, total)
	}
}
