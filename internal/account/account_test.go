package account_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/account"
	"github.com/parcelgate/parcelgate/internal/data"
	"github.com/parcelgate/parcelgate/internal/input"
	"github.com/parcelgate/parcelgate/internal/memory"
	"github.com/parcelgate/parcelgate/internal/project"
)

// clock is the tests' time.
var clock = time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)

var (
	admin  = project.Caller{ClientID: "acme", PrincipalID: "ann"}
	viewer = project.Caller{ClientID: "acme", PrincipalID: "vic"}
	other  = project.Caller{ClientID: "globex", PrincipalID: "olga"}
)

// env is an account service over memory stores, with a project whose
// admin is ann and viewer vic.
type env struct {
	svc       account.Service
	store     *memory.Accounts
	projectID string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	projects := project.Service{Store: &memory.Projects{}, Now: func() time.Time { return clock }, NewID: func() string { return "p1" }}
	m, err := projects.Create(ctx, admin, "Accounts")
	if err != nil {
		t.Fatal(err)
	}
	if err := projects.Store.PutMember(ctx, m.Project, project.Member{ProjectID: m.Project.ID, PrincipalID: viewer.PrincipalID, Role: project.Viewer, AddedAt: clock}, ""); err != nil {
		t.Fatal(err)
	}
	e := &env{store: &memory.Accounts{}, projectID: m.Project.ID}
	e.svc = account.Service{Store: e.store, Projects: projects, Catalog: data.DefaultCatalog, Now: func() time.Time { return clock }}
	return e
}

func (e *env) setLicences(t *testing.T, n int) {
	t.Helper()
	if _, err := e.svc.SetLicences(context.Background(), admin, e.projectID, n); err != nil {
		t.Fatal(err)
	}
}

func (e *env) apply(t *testing.T, body string) []account.Result {
	t.Helper()
	got, err := e.svc.Apply(context.Background(), admin, e.projectID, []byte(body))
	if err != nil {
		t.Fatalf("Apply %s: %v", body, err)
	}
	return got
}

func (e *env) used(t *testing.T) int {
	t.Helper()
	lic, err := e.svc.Licences(context.Background(), viewer, e.projectID)
	if err != nil {
		t.Fatal(err)
	}
	return lic.Used
}

func (e *env) stored(t *testing.T, code string) data.Record {
	t.Helper()
	ent, _ := data.DefaultCatalog.Entity(account.Entity)
	rec, err := e.store.Record(context.Background(), e.projectID, ent, code)
	if err != nil {
		t.Fatalf("account %s: %v", code, err)
	}
	return rec
}

func accountJSON(code, status string) string {
	return fmt.Sprintf(`{"baseuser_ID": %q, "login": %q, "name": "User %s", "email": "%s@example.com", "status": %q}`, code, code, code, code, status)
}

func TestApplyMovesStatusesAndLicences(t *testing.T) {
	tests := []struct {
		name     string
		licences int
		before   []string // accounts applied first
		body     string
		want     account.Result
		used     int
	}{
		{"a new active account takes a licence", 1, nil, accountJSON("u1", "active"),
			account.Result{Code: "u1", Status: account.Active, Created: true, Message: "created"}, 1},
		{"a new deactivated account takes none", 1, nil, accountJSON("u1", "deactivated"),
			account.Result{Code: "u1", Status: account.Deactivated, Created: true, Message: "created"}, 0},
		{"a new active account without a licence is created deactivated", 0, nil, accountJSON("u1", "active"),
			account.Result{Code: "u1", Status: account.Deactivated, Created: true, Message: "no licence left: the account is deactivated; free a licence by deactivating or suspending an active account, or raise the project's licences"}, 0},
		{"activating a known account takes a licence", 1, []string{accountJSON("u1", "deactivated")}, accountJSON("u1", "active"),
			account.Result{Code: "u1", Status: account.Active, Message: "status changed from deactivated to active"}, 1},
		{"suspending an active account frees its licence", 1, []string{accountJSON("u1", "active")}, accountJSON("u1", "suspended"),
			account.Result{Code: "u1", Status: account.Suspended, Message: "status changed from active to suspended"}, 0},
		{"the same status changes nothing", 1, []string{accountJSON("u1", "active")}, accountJSON("u1", "active"),
			account.Result{Code: "u1", Status: account.Active, Message: "status unchanged"}, 1},
		{"a known deactivated account without a licence stays deactivated", 1, []string{accountJSON("u0", "active"), accountJSON("u1", "deactivated")}, accountJSON("u1", "active"),
			account.Result{Code: "u1", Status: account.Deactivated, Message: "no licence left: the account is deactivated; free a licence by deactivating or suspending an active account, or raise the project's licences"}, 1},
		{"a known suspended account without a licence becomes deactivated", 1, []string{accountJSON("u0", "active"), accountJSON("u1", "suspended")}, accountJSON("u1", "active"),
			account.Result{Code: "u1", Status: account.Deactivated, Message: "no licence left: the account is deactivated; free a licence by deactivating or suspending an active account, or raise the project's licences"}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.setLicences(t, tc.licences)
			for _, b := range tc.before {
				e.apply(t, "["+b+"]")
			}
			got := e.apply(t, "["+tc.body+"]")
			if len(got) != 1 || got[0] != tc.want {
				t.Fatalf("results %+v\nwant [%+v]", got, tc.want)
			}
			if u := e.used(t); u != tc.used {
				t.Errorf("%d licences used, want %d", u, tc.used)
			}
			if st := e.stored(t, "u1").Values[data.FieldStatus]; st != string(tc.want.Status) {
				t.Errorf("stored status %v, want %s", st, tc.want.Status)
			}
		})
	}
}

func TestApplyGivesTheLicencesInOrder(t *testing.T) {
	e := newEnv(t)
	e.setLicences(t, 2)
	got := e.apply(t, "["+strings.Join([]string{accountJSON("u1", "active"), accountJSON("u2", "active"), accountJSON("u3", "active")}, ",")+"]")
	var statuses []account.Status
	for _, r := range got {
		statuses = append(statuses, r.Status)
	}
	if fmt.Sprint(statuses) != "[active active deactivated]" {
		t.Errorf("statuses %v, want the first two active", statuses)
	}
}

func TestAKnownAccountKeepsItsValuesAndANewOneDropsNulls(t *testing.T) {
	e := newEnv(t)
	e.apply(t, `[{"baseuser_ID": "u1", "login": "first", "email": null, "status": "deactivated"}]`)
	if v := e.stored(t, "u1").Values; v["login"] != "first" || v["email"] != nil {
		t.Fatalf("created with %v, want the login and no email", v)
	}
	first := e.stored(t, "u1").SrvDateUTC
	e.apply(t, `[{"baseuser_ID": "u1", "login": "second", "name": "New", "status": "suspended"}]`)
	rec := e.stored(t, "u1")
	if rec.Values["login"] != "first" || rec.Values["name"] != nil || rec.Values[data.FieldStatus] != "suspended" {
		t.Errorf("updated to %v, want only the status changed", rec.Values)
	}
	if !rec.SrvDateUTC.After(first) {
		t.Errorf("srvDateUTC %s, want after the first version's %s", rec.SrvDateUTC, first)
	}
}

func TestADeletedAccountIsCreatedAgain(t *testing.T) {
	e := newEnv(t)
	e.setLicences(t, 1)
	e.apply(t, "["+accountJSON("u1", "deactivated")+"]")
	ent, _ := data.DefaultCatalog.Entity(account.Entity)
	old := e.stored(t, "u1")
	gone := old
	gone.Deleted, gone.SrvDateUTC = true, old.SrvDateUTC.Add(time.Second)
	if err := e.store.SaveAccount(context.Background(), e.projectID, ent, &old, gone, 0); err != nil {
		t.Fatal(err)
	}
	got := e.apply(t, `[{"baseuser_ID": "u1", "login": "again", "status": "active"}]`)
	if want := (account.Result{Code: "u1", Status: account.Active, Created: true, Message: "created"}); got[0] != want {
		t.Fatalf("result %+v, want %+v", got[0], want)
	}
	if rec := e.stored(t, "u1"); rec.Deleted || rec.Values["login"] != "again" || rec.Values["name"] != nil {
		t.Errorf("stored %+v, want the new account alone", rec)
	}
}

func TestBadInputChangesNothing(t *testing.T) {
	many := make([]string, account.MaxAccounts+1)
	for i := range many {
		many[i] = accountJSON(fmt.Sprintf("u%d", i), "active")
	}
	tests := []struct {
		name, body, field string
	}{
		{"not an array", `{"baseuser_ID": "u1"}`, "(body)"},
		{"no accounts", `[]`, "(body)"},
		{"too many accounts", "[" + strings.Join(many, ",") + "]", "(body)"},
		{"not an object", `[` + accountJSON("u1", "active") + `, 7]`, "[1].(account)"},
		{"an unknown field", `[{"baseuser_ID": "u1", "status": "active", "role": "root"}]`, "[0].role"},
		{"no code", `[{"status": "active"}]`, "[0].baseuser_ID"},
		{"a null code", `[{"baseuser_ID": null, "status": "active"}]`, "[0].baseuser_ID"},
		{"a code that is not text", `[{"baseuser_ID": 7, "status": "active"}]`, "[0].baseuser_ID"},
		{"no status", `[{"baseuser_ID": "u1"}]`, "[0].status"},
		{"a null status", `[{"baseuser_ID": "u1", "status": null}]`, "[0].status"},
		{"an unknown status", `[{"baseuser_ID": "u1", "status": "root"}]`, "[0].status"},
		{"a login too long", `[{"baseuser_ID": "u1", "status": "active", "login": "` + strings.Repeat("x", 256) + `"}]`, "[0].login"},
		{"an email that is not text", `[{"baseuser_ID": "u1", "status": "active", "email": true}]`, "[0].email"},
		{"an account twice", `[` + accountJSON("u1", "active") + `,` + accountJSON("u1", "suspended") + `]`, "[1].baseuser_ID"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.setLicences(t, 5)
			_, err := e.svc.Apply(context.Background(), admin, e.projectID, []byte(tc.body))
			var bad *input.Error
			if !errors.As(err, &bad) || bad.Field != tc.field {
				t.Fatalf("Apply: %v, want an input error on %s", err, tc.field)
			}
			ent, _ := data.DefaultCatalog.Entity(account.Entity)
			if _, err := e.store.Record(context.Background(), e.projectID, ent, "u1"); !errors.Is(err, data.ErrNotFound) {
				t.Errorf("u1 stored after bad input: %v", err)
			}
			if u := e.used(t); u != 0 {
				t.Errorf("%d licences used after bad input", u)
			}
		})
	}
}

func TestOnlyTheRightRolesReachAccountsAndLicences(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	body := []byte("[" + accountJSON("u1", "active") + "]")
	long := strings.Repeat("p", data.MaxIDBytes+1)
	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"a viewer cannot apply accounts", func() error { _, err := e.svc.Apply(ctx, viewer, e.projectID, body); return err }, project.ErrForbidden},
		{"a viewer cannot set licences", func() error { _, err := e.svc.SetLicences(ctx, viewer, e.projectID, 3); return err }, project.ErrForbidden},
		{"another client does not see the project", func() error { _, err := e.svc.Licences(ctx, other, e.projectID); return err }, project.ErrNotFound},
		{"another client cannot apply accounts", func() error { _, err := e.svc.Apply(ctx, other, e.projectID, body); return err }, project.ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(); !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
	for name, call := range map[string]func() error{
		"a project id too long":  func() error { _, err := e.svc.Licences(ctx, admin, long); return err },
		"licences below zero":    func() error { _, err := e.svc.SetLicences(ctx, admin, e.projectID, -1); return err },
		"licences over the most": func() error { _, err := e.svc.SetLicences(ctx, admin, e.projectID, account.MaxLicences+1); return err },
	} {
		t.Run(name, func(t *testing.T) {
			var bad *input.Error
			if err := call(); !errors.As(err, &bad) {
				t.Errorf("got %v, want an input error", err)
			}
		})
	}
	if lic, err := e.svc.SetLicences(ctx, admin, e.projectID, account.MaxLicences); err != nil || lic.Total != account.MaxLicences {
		t.Errorf("SetLicences to the most: %+v, %v", lic, err)
	}
}

// flaky is a store whose first saves fail as changed meanwhile, and whose
// reads can fail.
type flaky struct {
	account.Store
	changed int
	readErr error
	saveErr error
	saves   int
}

func (f *flaky) Record(ctx context.Context, projectID string, e *data.Entity, code string) (data.Record, error) {
	if f.readErr != nil {
		return data.Record{}, f.readErr
	}
	return f.Store.Record(ctx, projectID, e, code)
}

func (f *flaky) SaveAccount(ctx context.Context, projectID string, e *data.Entity, old *data.Record, rec data.Record, delta int) error {
	f.saves++
	if f.changed > 0 {
		f.changed--
		return data.ErrChanged
	}
	if f.saveErr != nil {
		return f.saveErr
	}
	return f.Store.SaveAccount(ctx, projectID, e, old, rec, delta)
}

func TestAWriteLostToAnotherWriterIsTriedAgain(t *testing.T) {
	e := newEnv(t)
	e.setLicences(t, 1)
	f := &flaky{Store: e.store, changed: 1}
	e.svc.Store = f
	got := e.apply(t, "["+accountJSON("u1", "active")+"]")
	if got[0].Status != account.Active || f.saves != 2 || e.used(t) != 1 {
		t.Errorf("result %+v after %d saves, %d licences used; want active on the second save, one licence", got[0], f.saves, e.used(t))
	}
}

func TestStoreFailuresNameTheAccount(t *testing.T) {
	errDown := errors.New("store down")
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name  string
		store func(account.Store) *flaky
		ctx   context.Context
		want  error
	}{
		{"a failed read", func(s account.Store) *flaky { return &flaky{Store: s, readErr: errDown} }, context.Background(), errDown},
		{"a failed write", func(s account.Store) *flaky { return &flaky{Store: s, saveErr: errDown} }, context.Background(), errDown},
		{"a retry after the call ended", func(s account.Store) *flaky { return &flaky{Store: s, changed: 1} }, cancelled, context.Canceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.setLicences(t, 1)
			e.svc.Store = tc.store(e.store)
			_, err := e.svc.Apply(tc.ctx, admin, e.projectID, []byte("["+accountJSON("u1", "active")+"]"))
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), "account u1") {
				t.Errorf("Apply: %v, want %v naming u1", err, tc.want)
			}
		})
	}
}

func TestParseRequestsNeedsTheAccountsEntity(t *testing.T) {
	if _, err := account.ParseRequests(&data.Catalog{}, []byte(`[]`)); err == nil {
		t.Error("a catalog without baseuser accepted")
	}
}
