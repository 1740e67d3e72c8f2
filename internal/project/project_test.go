package project_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/input"
	"github.com/parcelgate/parcelgate/internal/memory"
	"github.com/parcelgate/parcelgate/internal/page"
	"github.com/parcelgate/parcelgate/internal/project"
)

var clock = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// fixture is project p1 of client acme, made by its admin alice, with a
// contributor and a viewer, and a principal of acme (dave) who is no
// member; client globex has project p2 and its admin gina.
type fixture struct {
	svc   project.Service
	store *memory.Projects
}

var (
	admin       = project.Caller{ClientID: "acme", PrincipalID: "alice"}
	contributor = project.Caller{ClientID: "acme", PrincipalID: "carol"}
	viewer      = project.Caller{ClientID: "acme", PrincipalID: "victor"}
	outsider    = project.Caller{ClientID: "acme", PrincipalID: "dave"}
	foreigner   = project.Caller{ClientID: "globex", PrincipalID: "gina"}
)

func newFixture(t *testing.T) fixture {
	t.Helper()
	ctx := context.Background()
	principals := &memory.Principals{}
	for _, c := range []project.Caller{admin, contributor, viewer, outsider, foreigner} {
		if err := principals.CreatePrincipal(ctx, auth.Principal{ID: c.PrincipalID, ClientID: c.ClientID, CreatedAt: clock}, auth.AuditEntry{At: clock, ClientID: c.ClientID, By: auth.Operator, Action: auth.ActionCreated, Subject: c.PrincipalID}); err != nil {
			t.Fatal(err)
		}
	}
	store := &memory.Projects{Principals: principals}
	n := 0
	svc := project.Service{Store: store, Now: func() time.Time { return clock }, NewID: func() string { n++; return fmt.Sprint("p", n) }}
	p, err := svc.Create(ctx, admin, "Returns")
	if err != nil || p.Project.ID != "p1" {
		t.Fatalf("create: %+v, %v", p, err)
	}
	for c, role := range map[project.Caller]project.Role{contributor: project.Contributor, viewer: project.Viewer} {
		if _, err := svc.SetMember(ctx, admin, "p1", c.PrincipalID, role); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.Create(ctx, foreigner, "Globex returns"); err != nil {
		t.Fatal(err)
	}
	return fixture{svc: svc, store: store}
}

// isInvalid reports whether err is bad input about field.
func isInvalid(err error, field string) bool {
	var invalid *input.Error
	return errors.As(err, &invalid) && invalid.Field == field
}

func TestRolesAllowWhatTheirRulesSay(t *testing.T) {
	rules := map[string]func(project.Role) bool{"read": project.Role.CanRead, "submit": project.Role.CanSubmit, "manage": project.Role.CanManage}
	want := map[project.Role]map[string]bool{
		project.Admin:       {"read": true, "submit": true, "manage": true},
		project.Contributor: {"read": true, "submit": true, "manage": false},
		project.Viewer:      {"read": true, "submit": false, "manage": false},
		"":                  {"read": false, "submit": false, "manage": false},
		"owner":             {"read": false, "submit": false, "manage": false},
	}
	for role, allowed := range want {
		for rule, can := range rules {
			if got := can(role); got != allowed[rule] {
				t.Errorf("role %q may %s: %v, want %v", role, rule, got, allowed[rule])
			}
		}
	}
	for _, s := range []string{"admin", "contributor", "viewer"} {
		if r, ok := project.ParseRole(s); !ok || string(r) != s {
			t.Errorf("ParseRole(%q) = %q, %v", s, r, ok)
		}
	}
	for _, s := range []string{"", "Admin", "owner"} {
		if _, ok := project.ParseRole(s); ok {
			t.Errorf("ParseRole(%q) accepted", s)
		}
	}
}

func TestAuthorizeGivesAMemberWhatTheirRoleAllows(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	for _, c := range []struct {
		caller  project.Caller
		allowed func(project.Role) bool
		role    project.Role
		err     error
	}{
		{admin, project.Role.CanManage, project.Admin, nil},
		{contributor, project.Role.CanSubmit, project.Contributor, nil},
		{contributor, project.Role.CanManage, "", project.ErrForbidden},
		{viewer, project.Role.CanRead, project.Viewer, nil},
		{viewer, project.Role.CanSubmit, "", project.ErrForbidden},
		{viewer, project.Role.CanManage, "", project.ErrForbidden},
	} {
		got, err := f.svc.Authorize(ctx, c.caller, "p1", c.allowed)
		if !errors.Is(err, c.err) || got.Role != c.role {
			t.Errorf("%s: %+v, %v; want role %q, error %v", c.caller.PrincipalID, got, err, c.role, c.err)
		}
		if err == nil && (got.Project.ID != "p1" || got.Project.ClientID != "acme" || got.Project.Name != "Returns") {
			t.Errorf("%s: project %+v", c.caller.PrincipalID, got.Project)
		}
	}
}

// A project the caller may not see is indistinguishable from none.
func TestAuthorizeHidesProjectsTheCallerIsNotIn(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	// gina is made a member of acme's p1 by a write that bypasses the
	// rules: her client still keeps her out.
	if err := f.store.PutMember(ctx, project.Project{ID: "p1", ClientID: "acme", Name: "Returns", CreatedAt: clock},
		project.Member{ProjectID: "p1", PrincipalID: foreigner.PrincipalID, Role: project.Admin, AddedAt: clock}, ""); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		caller    project.Caller
		projectID string
	}{
		"missing project":                 {admin, "p404"},
		"non-member of own client":        {outsider, "p1"},
		"another client's project":        {foreigner, "p1"},
		"own project, other token client": {project.Caller{ClientID: "globex", PrincipalID: "alice"}, "p1"},
		"other client's own project":      {admin, "p2"},
	} {
		if _, err := f.svc.Authorize(ctx, c.caller, c.projectID, project.Role.CanRead); !errors.Is(err, project.ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound", name, err)
		}
		if _, err := f.svc.Get(ctx, c.caller, c.projectID); !errors.Is(err, project.ErrNotFound) {
			t.Errorf("%s: Get: %v, want ErrNotFound", name, err)
		}
		if _, err := f.svc.Members(ctx, c.caller, c.projectID, page.Request{}); !errors.Is(err, project.ErrNotFound) {
			t.Errorf("%s: Members: %v, want ErrNotFound", name, err)
		}
	}
}

func TestCreateMakesTheCallerAdmin(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	got, err := f.svc.Create(ctx, outsider, "  Spare parts  ")
	if err != nil {
		t.Fatal(err)
	}
	want := project.Membership{Project: project.Project{ID: "p3", ClientID: "acme", Name: "Spare parts", CreatedAt: clock}, Role: project.Admin}
	if got != want {
		t.Fatalf("created %+v, want %+v", got, want)
	}
	if m, err := f.svc.Authorize(ctx, outsider, "p3", project.Role.CanManage); err != nil || m != want {
		t.Fatalf("creator's authorization = %+v, %v", m, err)
	}
}

func TestCreateRefusesABadName(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	for _, name := range []string{"", "   ", strings.Repeat("é", 201)} {
		if _, err := f.svc.Create(ctx, admin, name); !isInvalid(err, "name") {
			t.Errorf("name of %d runes: %v, want a name error", len([]rune(name)), err)
		}
	}
	if _, err := f.svc.Create(ctx, admin, strings.Repeat("é", 200)); err != nil {
		t.Errorf("name of 200 runes: %v", err)
	}
}

func TestOnlyAnAdminSetsMembers(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	for _, c := range []project.Caller{contributor, viewer} {
		if _, err := f.svc.SetMember(ctx, c, "p1", outsider.PrincipalID, project.Viewer); !errors.Is(err, project.ErrForbidden) {
			t.Errorf("%s sets a member: %v, want ErrForbidden", c.PrincipalID, err)
		}
	}
	if _, err := f.svc.SetMember(ctx, outsider, "p1", outsider.PrincipalID, project.Admin); !errors.Is(err, project.ErrNotFound) {
		t.Errorf("a non-member makes themselves admin: %v, want ErrNotFound", err)
	}
	if _, err := f.svc.SetMember(ctx, foreigner, "p1", foreigner.PrincipalID, project.Admin); !errors.Is(err, project.ErrNotFound) {
		t.Errorf("another client's admin sets a member: %v, want ErrNotFound", err)
	}
	if _, err := f.store.Member(ctx, "p1", outsider.PrincipalID); !errors.Is(err, project.ErrNotFound) {
		t.Errorf("a refused change added a member: %v", err)
	}
}

func TestSetMemberRefusesBadChanges(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	if _, err := f.svc.SetMember(ctx, admin, "p1", outsider.PrincipalID, "owner"); !isInvalid(err, "role") {
		t.Errorf("unknown role: %v, want a role error", err)
	}
	for _, role := range []project.Role{project.Contributor, project.Viewer} {
		if _, err := f.svc.SetMember(ctx, admin, "p1", admin.PrincipalID, role); !isInvalid(err, "principalId") {
			t.Errorf("admin lowers own role to %s: %v, want a principalId error", role, err)
		}
	}
	if _, err := f.svc.SetMember(ctx, admin, "p1", "nobody", project.Viewer); !errors.Is(err, project.ErrPrincipalNotFound) {
		t.Errorf("unknown principal: %v, want ErrPrincipalNotFound", err)
	}
	// A principal of another client is no different from an unknown one.
	if _, err := f.svc.SetMember(ctx, admin, "p1", foreigner.PrincipalID, project.Viewer); !errors.Is(err, project.ErrPrincipalNotFound) {
		t.Errorf("another client's principal: %v, want ErrPrincipalNotFound", err)
	}
	if m, err := f.store.Member(ctx, "p1", admin.PrincipalID); err != nil || m.Role != project.Admin {
		t.Errorf("admin after refused changes: %+v, %v", m, err)
	}
	for _, id := range []string{"nobody", foreigner.PrincipalID} {
		if _, err := f.store.Member(ctx, "p1", id); !errors.Is(err, project.ErrNotFound) {
			t.Errorf("%s became a member: %v", id, err)
		}
	}
}

func TestSetMemberKeepsWhenAMemberWasAdded(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	later := clock.Add(time.Hour)
	f.svc.Now = func() time.Time { return later }
	got, err := f.svc.SetMember(ctx, admin, "p1", viewer.PrincipalID, project.Contributor)
	want := project.Member{ProjectID: "p1", PrincipalID: viewer.PrincipalID, Role: project.Contributor, AddedAt: clock}
	if err != nil || got != want {
		t.Fatalf("changed member = %+v, %v; want %+v", got, err, want)
	}
	got, err = f.svc.SetMember(ctx, admin, "p1", outsider.PrincipalID, project.Viewer)
	want = project.Member{ProjectID: "p1", PrincipalID: outsider.PrincipalID, Role: project.Viewer, AddedAt: later}
	if err != nil || got != want {
		t.Fatalf("new member = %+v, %v; want %+v", got, err, want)
	}
	if m, err := f.svc.Authorize(ctx, outsider, "p1", project.Role.CanRead); err != nil || m.Role != project.Viewer {
		t.Fatalf("new member's authorization = %+v, %v", m, err)
	}
	// An admin may confirm their own role.
	if _, err := f.svc.SetMember(ctx, admin, "p1", admin.PrincipalID, project.Admin); err != nil {
		t.Fatalf("admin keeps own role: %v", err)
	}
	members, err := f.svc.Members(ctx, viewer, "p1", page.Request{})
	if err != nil || len(members.Items) != 4 {
		t.Fatalf("members = %+v, %v; want 4", members.Items, err)
	}
}

func TestListShowsOnlyTheCallersClientsProjects(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	// alice is written into globex's project by a write that bypasses the
	// rules: her own client's list still leaves it out.
	g := project.Project{ID: "p2", ClientID: "globex", Name: "Globex returns", CreatedAt: clock}
	if err := f.store.PutMember(ctx, g, project.Member{ProjectID: "p2", PrincipalID: admin.PrincipalID, Role: project.Viewer, AddedAt: clock}, ""); err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.List(ctx, admin, page.Request{})
	if err != nil || len(got.Items) != 1 || got.Items[0].Project.ID != "p1" || got.Items[0].Role != project.Admin {
		t.Fatalf("list = %+v, %v; want p1 alone", got.Items, err)
	}
	roles, err := f.svc.Roles(ctx, viewer.PrincipalID, 10)
	if err != nil || len(roles) != 1 || roles["p1"] != project.Viewer {
		t.Fatalf("roles = %v, %v", roles, err)
	}
}
