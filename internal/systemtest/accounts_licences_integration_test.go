//go:build integration

package systemtest

// Emulator-only: staged imports forced by setting the DynamoDB store's TransactItems (memory imports never stage).

import (
	"fmt"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/parcelgate/parcelgate/internal/apitest"
)

// Every way an active account stops existing gives its licence back,
// once: the next account asked active gets it, and no more.
func TestAccountLicenceIsFreedWhereverAnActiveAccountStopsExisting(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	store := storeOf(t, e)
	for _, c := range []struct {
		name string
		// staged makes every import of more than one write a staged one.
		staged bool
		remove func(t *testing.T, base, token string)
	}{
		{name: "dataset delete", remove: func(t *testing.T, base, token string) {
			res := finished(t, e, token, e.Call(t, "POST", base+"/dataset/delete", token, []map[string]any{{"entityName": "baseuser", "rowCodes": []string{"A"}}}))
			if res.Status != "COMPLETED" || count(t, res.Result, "deletedRow") != 1 {
				t.Fatalf("dataset delete: %+v", res)
			}
		}},
		{name: "staged dataset delete", staged: true, remove: func(t *testing.T, base, token string) {
			res := finished(t, e, token, e.Call(t, "POST", base+"/dataset/delete", token, []map[string]any{{"entityName": "baseuser", "rowCodes": []string{"A"}}}))
			if res.Status != "COMPLETED" || count(t, res.Result, "deletedRow") != 1 {
				t.Fatalf("dataset delete: %+v", res)
			}
		}},
		{name: "relational import delete", remove: func(t *testing.T, base, token string) {
			e.Call(t, "POST", base+"/relational", token, map[string]any{
				"noResultData": true,
				"data":         []map[string]any{{"entityName": "customer", "rows": []map[string]any{{"customer_ID": "C2", "name": "kept"}}}},
				"deletes":      []map[string]any{{"entityName": "baseuser", "rowCodes": []string{"A"}}},
			}).Want(t, 200)
		}},
		{name: "merge into a deactivated account", remove: func(t *testing.T, base, token string) {
			putAccounts(t, e, base, token, map[string]any{"baseuser_ID": "T", "login": "t", "status": "deactivated"})
			merge(t, e, base, token, "A", "T")
			if got := decodeRecordBody(t, e.Call(t, "GET", base+"/baseuser/T", token, nil).Want(t, 200)); got["status"] != "deactivated" {
				t.Fatalf("target after the merge: %v", got)
			}
		}},
		{name: "staged merge into a deactivated account", staged: true, remove: func(t *testing.T, base, token string) {
			putAccounts(t, e, base, token, map[string]any{"baseuser_ID": "T", "login": "t", "status": "deactivated"})
			merge(t, e, base, token, "A", "T")
		}},
		{name: "logical DELETE", remove: func(t *testing.T, base, token string) {
			e.Call(t, "DELETE", base+"/baseuser/A", token, nil).Want(t, 204)
		}},
		{name: "physical DELETE", remove: func(t *testing.T, base, token string) {
			e.Call(t, "DELETE", base+"/customer/C1?deleteMode=Physical", token, nil).Want(t, 204)
			e.Call(t, "DELETE", base+"/baseuser/A?deleteMode=Physical", token, nil).Want(t, 204)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			base, token := dataProject(t, e)
			setLicences(t, e, base, token, 1)
			putAccounts(t, e, base, token, map[string]any{"baseuser_ID": "A", "login": "a", "status": "active"})
			// A customer of A's: a merge moves it to the target.
			e.Call(t, "POST", base+"/customer", token, map[string]any{"customer_ID": "C1", "baseuser_ID": "A"}).Want(t, 201)
			if got := putAccounts(t, e, base, token, map[string]any{"baseuser_ID": "B", "login": "b", "status": "active"}); got[0].Status != "deactivated" {
				t.Fatalf("activation without a licence left: %+v", got)
			}
			if c.staged {
				store.TransactItems = 1
				defer func() { store.TransactItems = 0 }()
			}
			c.remove(t, base, token)
			store.TransactItems = 0
			e.Call(t, "GET", base+"/baseuser/A", token, nil).Want(t, 404)
			if l := licences(t, e, base, token); l != (licencesOut{Licences: 1, Used: 0, Available: 1}) {
				t.Fatalf("licences after A is gone: %+v", l)
			}
			if got := putAccounts(t, e, base, token, map[string]any{"baseuser_ID": "B", "status": "active"}); got[0].Status != "active" {
				t.Fatalf("activation with A's licence: %+v", got)
			}
			if got := putAccounts(t, e, base, token, map[string]any{"baseuser_ID": "D", "login": "d", "status": "active"}); got[0].Status != "deactivated" {
				t.Fatalf("activation past the licences: %+v", got)
			}
			if l, n := licences(t, e, base, token), activeAccounts(t, e, base, token); l.Used != 1 || n != 1 {
				t.Fatalf("licences %+v, %d active records; want 1 and 1", l, n)
			}
		})
	}
}

// A merge target without a status takes the source's: the active
// source's licence moves to it, neither freed nor counted twice.
func TestAccountMergedIntoAnAccountWithoutStatusKeepsItsLicence(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	base, token := dataProject(t, e)
	setLicences(t, e, base, token, 1)
	putAccounts(t, e, base, token, map[string]any{"baseuser_ID": "A", "login": "a", "status": "active"})
	// The generic record route creates an account without a status.
	e.Call(t, "POST", base+"/baseuser", token, map[string]any{"baseuser_ID": "T", "login": "t"}).Want(t, 201)
	merge(t, e, base, token, "A", "T")
	if got := decodeRecordBody(t, e.Call(t, "GET", base+"/baseuser/T", token, nil).Want(t, 200)); got["status"] != "active" {
		t.Fatalf("target after the merge: %v", got)
	}
	if l, n := licences(t, e, base, token), activeAccounts(t, e, base, token); l != (licencesOut{Licences: 1, Used: 1, Available: 0}) || n != 1 {
		t.Fatalf("licences %+v, %d active records; want the one licence used by T", l, n)
	}
	if got := putAccounts(t, e, base, token, map[string]any{"baseuser_ID": "B", "login": "b", "status": "active"}); got[0].Status != "deactivated" {
		t.Fatalf("activation past the licences: %+v", got)
	}
	// Deactivating the target frees the licence it took over.
	putAccounts(t, e, base, token, map[string]any{"baseuser_ID": "T", "status": "deactivated"})
	if got := putAccounts(t, e, base, token, map[string]any{"baseuser_ID": "B", "status": "active"}); got[0].Status != "active" {
		t.Fatalf("activation with T's licence: %+v", got)
	}
}

// Deletes, merges, status changes and activations of one project's
// accounts, all at once: whichever wins each race, the licences used are
// the active accounts, never more than the licences. A call that meets
// another's write may answer 409, having changed nothing.
func TestAccountLicencesUsedStayTheActiveAccountsUnderConcurrentDeletesMergesAndActivations(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	base, token := dataProject(t, e)
	const total = 4
	setLicences(t, e, base, token, total)
	for i := range total {
		putAccounts(t, e, base, token, map[string]any{"baseuser_ID": fmt.Sprintf("A%d", i), "status": "active"})
	}
	putAccounts(t, e, base, token, map[string]any{"baseuser_ID": "T", "status": "deactivated"})
	call := func(method, path string, body any) error {
		if r := e.Call(t, method, path, token, body); r.Status != 200 && r.Status != 409 {
			return fmt.Errorf("%s %s: %d %s", method, path, r.Status, r.Body)
		}
		return nil
	}
	// The removals are sent again after a 409 until they go through, as
	// a client does.
	removed := func(method, path string, body any) error {
		for range 100 {
			r := e.Call(t, method, path, token, body)
			switch r.Status {
			case 200:
				return nil
			case 409:
				time.Sleep(20 * time.Millisecond)
			default:
				return fmt.Errorf("%s %s: %d %s", method, path, r.Status, r.Body)
			}
		}
		return fmt.Errorf("%s %s: still 409", method, path)
	}
	var g errgroup.Group
	g.Go(func() error {
		return removed("POST", base+"/dataset/delete", []map[string]any{{"entityName": "baseuser", "rowCodes": []string{"A0"}}})
	})
	g.Go(func() error {
		return removed("POST", base+"/relational", map[string]any{"deletes": []map[string]any{{"entityName": "baseuser", "rowCodes": []string{"A1"}}}})
	})
	g.Go(func() error {
		return removed("POST", base+"/baseuser/mergeData", map[string]any{"sourceRowCode": "A2", "targetRowCode": "T"})
	})
	// A0 is suspended as it is deleted: one of the two frees its
	// licence, not both.
	g.Go(func() error {
		return call("POST", base+"/accounts", []map[string]any{{"baseuser_ID": "A0", "status": "suspended"}})
	})
	g.Go(func() error {
		for _, st := range []string{"suspended", "active", "deactivated", "active"} {
			if err := call("POST", base+"/accounts", []map[string]any{{"baseuser_ID": "A3", "status": st}}); err != nil {
				return err
			}
		}
		return nil
	})
	for i := range total {
		g.Go(func() error {
			return call("POST", base+"/accounts", []map[string]any{{"baseuser_ID": fmt.Sprintf("N%d", i), "status": "active"}})
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	l, n := licences(t, e, base, token), activeAccounts(t, e, base, token)
	if l.Used != n || n > total {
		t.Fatalf("licences %+v with %d active accounts; want them used by the active accounts, at most %d", l, n, total)
	}
	// What is free can be taken, and no more.
	free := total - n
	for i := range free + 1 {
		want := "active"
		if i == free {
			want = "deactivated"
		}
		if got := putAccounts(t, e, base, token, map[string]any{"baseuser_ID": fmt.Sprintf("Z%d", i), "status": "active"}); got[0].Status != want {
			t.Fatalf("activation %d of %d free licences: %+v", i+1, free, got)
		}
	}
}

func merge(t *testing.T, e *apitest.Env, base, token, source, target string) {
	t.Helper()
	res := finished(t, e, token, e.Call(t, "POST", base+"/baseuser/mergeData", token, map[string]any{"sourceRowCode": source, "targetRowCode": target}))
	if res.Status != "COMPLETED" {
		t.Fatalf("merge: %+v", res)
	}
}
