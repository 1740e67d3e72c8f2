// Package projecttest is the contract of project.Store: one suite that
// every implementation (in memory, DynamoDB) must pass, so they keep the
// same promises.
package projecttest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/page"
	"github.com/parcelgate/parcelgate/internal/project"
	"github.com/parcelgate/parcelgate/internal/storetest"
)

// NewStore returns the store under test and the principal store its
// PrincipalClient reads (the same table in DynamoDB). Stores may be shared
// between tests: every test uses ids of its own.
type NewStore func(t *testing.T) (project.Store, auth.PrincipalStore)

// base is the tests' clock; its nanoseconds show that times keep their
// precision.
var base = time.Date(2026, 11, 30, 9, 15, 0, 123456789, time.UTC)

// Run runs the contract suite against the stores newStore makes.
func Run(t *testing.T, newStore NewStore) {
	tests := []struct {
		name string
		run  func(t *testing.T, s project.Store, ps auth.PrincipalStore, id func(string) string)
	}{
		{"CreatedProjectIsReadWithItsCreatorAsMember", createdProjectIsReadWithItsCreatorAsMember},
		{"CreatingATakenProjectIDChangesNothing", creatingATakenProjectIDChangesNothing},
		{"ConcurrentCreatesOfOneIDLeaveOneProject", concurrentCreatesOfOneIDLeaveOneProject},
		{"UnknownProjectsAndMembersAreNotFound", unknownProjectsAndMembersAreNotFound},
		{"PutMemberAddsAndReplacesARole", putMemberAddsAndReplacesARole},
		{"MembersPageInPrincipalOrder", membersPageInPrincipalOrder},
		{"MembershipsListNewestProjectFirst", membershipsListNewestProjectFirst},
		{"CursorsOfAnotherListAreRefused", cursorsOfAnotherListAreRefused},
		{"PrincipalClientNamesThePrincipalsClient", principalClientNamesThePrincipalsClient},
		{"RemoveMemberKeepsAnAdmin", removeMemberKeepsAnAdmin},
		{"DemotingAnAdminNeedsAKeeper", demotingAnAdminNeedsAKeeper},
		{"AdminsDemotingEachOtherLeaveOne", adminsDemotingEachOtherLeaveOne},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, ps := newStore(t)
			tc.run(t, s, ps, uniqueIDs(t))
		})
	}
}

// uniqueIDs returns a function that makes an id of a name, unique to one test.
func uniqueIDs(t *testing.T) func(string) string {
	suffix := storetest.ID("")
	return func(name string) string { return name + "-" + suffix }
}

func newProject(id, client, name string, created time.Time) project.Project {
	return project.Project{ID: id, ClientID: client, Name: name, CreatedAt: created}
}

func create(t *testing.T, s project.Store, p project.Project, creator string) project.Member {
	t.Helper()
	m := project.Member{ProjectID: p.ID, PrincipalID: creator, Role: project.Admin, AddedAt: p.CreatedAt}
	if err := s.CreateProject(context.Background(), p, m); err != nil {
		t.Fatalf("create project %s: %v", p.ID, err)
	}
	return m
}

func createdProjectIsReadWithItsCreatorAsMember(t *testing.T, s project.Store, _ auth.PrincipalStore, id func(string) string) {
	ctx := context.Background()
	p := newProject(id("p"), id("acme"), "Returns", base)
	creator := create(t, s, p, id("alice"))
	got, err := s.Project(ctx, p.ID)
	if err != nil || got != p {
		t.Fatalf("project = %+v, %v; want %+v", got, err, p)
	}
	m, err := s.Member(ctx, p.ID, creator.PrincipalID)
	if err != nil || m != creator {
		t.Fatalf("creator = %+v, %v; want %+v", m, err, creator)
	}
	ms, err := s.Memberships(ctx, creator.PrincipalID, page.Request{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	want := []project.Membership{{Project: p, Role: project.Admin}}
	if fmt.Sprint(ms.Items) != fmt.Sprint(want) || ms.NextCursor != "" {
		t.Fatalf("memberships = %+v, want %+v", ms, want)
	}
}

func creatingATakenProjectIDChangesNothing(t *testing.T, s project.Store, _ auth.PrincipalStore, id func(string) string) {
	ctx := context.Background()
	p := newProject(id("p"), id("acme"), "First", base)
	create(t, s, p, id("alice"))
	second := newProject(p.ID, id("globex"), "Second", base.Add(time.Hour))
	err := s.CreateProject(ctx, second, project.Member{ProjectID: p.ID, PrincipalID: id("bob"), Role: project.Admin, AddedAt: second.CreatedAt})
	if !errors.Is(err, project.ErrExists) {
		t.Fatalf("second create: %v, want ErrExists", err)
	}
	if got, err := s.Project(ctx, p.ID); err != nil || got != p {
		t.Fatalf("project = %+v, %v; want the first %+v", got, err, p)
	}
	if _, err := s.Member(ctx, p.ID, id("bob")); !errors.Is(err, project.ErrNotFound) {
		t.Fatalf("the refused creator is a member: %v", err)
	}
}

func concurrentCreatesOfOneIDLeaveOneProject(t *testing.T, s project.Store, _ auth.PrincipalStore, id func(string) string) {
	ctx := context.Background()
	const writers = 10
	pid := id("p")
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		wg.Go(func() {
			p := newProject(pid, id("acme"), fmt.Sprint("project ", i), base)
			errs[i] = s.CreateProject(ctx, p, project.Member{ProjectID: pid, PrincipalID: id(fmt.Sprint("creator", i)), Role: project.Admin, AddedAt: base})
		})
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Fatalf("creators %d and %d both created %s", winner, i, pid)
		case err == nil:
			winner = i
		case !errors.Is(err, project.ErrExists):
			t.Fatalf("creator %d: %v, want ErrExists", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no creator created the project")
	}
	got, err := s.Project(ctx, pid)
	if err != nil || got.Name != fmt.Sprint("project ", winner) {
		t.Fatalf("project = %+v, %v; want the winner's", got, err)
	}
	members, err := s.Members(ctx, pid, page.Request{Limit: writers})
	if err != nil || len(members.Items) != 1 || members.Items[0].PrincipalID != id(fmt.Sprint("creator", winner)) {
		t.Fatalf("members = %+v, %v; want the winner alone", members.Items, err)
	}
}

func unknownProjectsAndMembersAreNotFound(t *testing.T, s project.Store, _ auth.PrincipalStore, id func(string) string) {
	ctx := context.Background()
	if _, err := s.Project(ctx, id("nope")); !errors.Is(err, project.ErrNotFound) {
		t.Errorf("unknown project: %v", err)
	}
	if _, err := s.Member(ctx, id("nope"), id("alice")); !errors.Is(err, project.ErrNotFound) {
		t.Errorf("member of an unknown project: %v", err)
	}
	p := newProject(id("p"), id("acme"), "Returns", base)
	create(t, s, p, id("alice"))
	if _, err := s.Member(ctx, p.ID, id("bob")); !errors.Is(err, project.ErrNotFound) {
		t.Errorf("non-member: %v", err)
	}
	for _, list := range []func() (int, string, error){
		func() (int, string, error) {
			got, err := s.Members(ctx, id("nope"), page.Request{})
			return len(got.Items), got.NextCursor, err
		},
		func() (int, string, error) {
			got, err := s.Memberships(ctx, id("nobody"), page.Request{})
			return len(got.Items), got.NextCursor, err
		},
	} {
		if n, next, err := list(); err != nil || n != 0 || next != "" {
			t.Errorf("empty list = %d items, cursor %q, %v", n, next, err)
		}
	}
}

func putMemberAddsAndReplacesARole(t *testing.T, s project.Store, _ auth.PrincipalStore, id func(string) string) {
	ctx := context.Background()
	p := newProject(id("p"), id("acme"), "Returns", base)
	create(t, s, p, id("alice"))
	bob := project.Member{ProjectID: p.ID, PrincipalID: id("bob"), Role: project.Viewer, AddedAt: base.Add(time.Minute)}
	if err := s.PutMember(ctx, p, bob, ""); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Member(ctx, p.ID, bob.PrincipalID); err != nil || got != bob {
		t.Fatalf("member = %+v, %v; want %+v", got, err, bob)
	}
	bob.Role = project.Contributor
	if err := s.PutMember(ctx, p, bob, ""); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Member(ctx, p.ID, bob.PrincipalID); err != nil || got != bob {
		t.Fatalf("member = %+v, %v; want %+v", got, err, bob)
	}
	members, err := s.Members(ctx, p.ID, page.Request{Limit: 10})
	if err != nil || len(members.Items) != 2 {
		t.Fatalf("members = %+v, %v; want alice and bob once each", members.Items, err)
	}
	ms, err := s.Memberships(ctx, bob.PrincipalID, page.Request{})
	if err != nil || len(ms.Items) != 1 || ms.Items[0] != (project.Membership{Project: p, Role: project.Contributor}) {
		t.Fatalf("bob's memberships = %+v, %v", ms.Items, err)
	}
}

// all reads every page of a list, limit items at a time.
func all[T any](t *testing.T, limit int, list func(page.Request) (page.Page[T], error)) []T {
	t.Helper()
	var out []T
	req := page.Request{Limit: limit}
	for range 100 {
		got, err := list(req)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Items) > limit {
			t.Fatalf("a page of %d items for limit %d", len(got.Items), limit)
		}
		out = append(out, got.Items...)
		if got.NextCursor == "" {
			return out
		}
		req.Cursor = got.NextCursor
	}
	t.Fatal("the list never ends")
	return nil
}

func membersPageInPrincipalOrder(t *testing.T, s project.Store, _ auth.PrincipalStore, id func(string) string) {
	ctx := context.Background()
	p := newProject(id("p"), id("acme"), "Returns", base)
	create(t, s, p, id("m3"))
	for _, name := range []string{"m5", "m1", "m4", "m2"} {
		if err := s.PutMember(ctx, p, project.Member{ProjectID: p.ID, PrincipalID: id(name), Role: project.Viewer, AddedAt: base}, ""); err != nil {
			t.Fatal(err)
		}
	}
	got := all(t, 2, func(req page.Request) (page.Page[project.Member], error) { return s.Members(ctx, p.ID, req) })
	var ids []string
	for _, m := range got {
		ids = append(ids, m.PrincipalID)
	}
	want := []string{id("m1"), id("m2"), id("m3"), id("m4"), id("m5")}
	if fmt.Sprint(ids) != fmt.Sprint(want) {
		t.Fatalf("members %v, want %v", ids, want)
	}
}

func membershipsListNewestProjectFirst(t *testing.T, s project.Store, _ auth.PrincipalStore, id func(string) string) {
	ctx := context.Background()
	alice := id("alice")
	var want []project.Membership
	for i, name := range []string{"old", "mid", "new"} {
		p := newProject(id(name), id("acme"), name, base.Add(time.Duration(i)*time.Hour))
		create(t, s, p, id("owner"))
		role := []project.Role{project.Viewer, project.Contributor, project.Admin}[i]
		if err := s.PutMember(ctx, p, project.Member{ProjectID: p.ID, PrincipalID: alice, Role: role, AddedAt: base}, ""); err != nil {
			t.Fatal(err)
		}
		want = append([]project.Membership{{Project: p, Role: role}}, want...)
	}
	got := all(t, 2, func(req page.Request) (page.Page[project.Membership], error) { return s.Memberships(ctx, alice, req) })
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("memberships %+v, want %+v", got, want)
	}
}

func cursorsOfAnotherListAreRefused(t *testing.T, s project.Store, _ auth.PrincipalStore, id func(string) string) {
	ctx := context.Background()
	mine := newProject(id("mine"), id("acme"), "Mine", base)
	theirs := newProject(id("theirs"), id("globex"), "Theirs", base.Add(time.Hour))
	for _, p := range []project.Project{mine, theirs} {
		create(t, s, p, id("admin-"+p.ID))
		for _, name := range []string{"a", "b"} {
			if err := s.PutMember(ctx, p, project.Member{ProjectID: p.ID, PrincipalID: id(name), Role: project.Viewer, AddedAt: base}, ""); err != nil {
				t.Fatal(err)
			}
		}
	}
	members, err := s.Members(ctx, theirs.ID, page.Request{Limit: 1})
	if err != nil || members.NextCursor == "" {
		t.Fatalf("first page of members: %+v, %v", members, err)
	}
	if _, err := s.Members(ctx, mine.ID, page.Request{Limit: 1, Cursor: members.NextCursor}); !errors.Is(err, page.ErrBadCursor) {
		t.Errorf("another project's members cursor: %v, want ErrBadCursor", err)
	}
	ms, err := s.Memberships(ctx, id("a"), page.Request{Limit: 1})
	if err != nil || ms.NextCursor == "" {
		t.Fatalf("first page of memberships: %+v, %v", ms, err)
	}
	if _, err := s.Memberships(ctx, id("b"), page.Request{Limit: 1, Cursor: ms.NextCursor}); !errors.Is(err, page.ErrBadCursor) {
		t.Errorf("another principal's memberships cursor: %v, want ErrBadCursor", err)
	}
	for _, forged := range []string{"not a cursor", "eyJQSyI6IlBST0pFQ1QjeCJ9", members.NextCursor + "x"} {
		if _, err := s.Members(ctx, mine.ID, page.Request{Cursor: forged}); !errors.Is(err, page.ErrBadCursor) {
			t.Errorf("forged cursor %q: %v, want ErrBadCursor", forged, err)
		}
	}
}

func principalClientNamesThePrincipalsClient(t *testing.T, s project.Store, ps auth.PrincipalStore, id func(string) string) {
	ctx := context.Background()
	p := auth.Principal{ID: id("alice"), ClientID: id("acme"), SecretHash: []byte("sha256$00"), CreatedAt: base}
	if err := ps.CreatePrincipal(ctx, p, auth.AuditEntry{At: base, ClientID: p.ClientID, By: auth.Operator, Action: auth.ActionCreated, Subject: p.ID}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.PrincipalClient(ctx, p.ID); err != nil || got != p.ClientID {
		t.Errorf("client = %q, %v; want %q", got, err, p.ClientID)
	}
	if _, err := s.PrincipalClient(ctx, id("nobody")); !errors.Is(err, project.ErrPrincipalNotFound) {
		t.Errorf("unknown principal: %v, want ErrPrincipalNotFound", err)
	}
}

// removeMemberKeepsAnAdmin: a removal whose keeper is no longer an admin
// changes nothing; one that holds removes the member from both lists and
// writes its audit entry.
func removeMemberKeepsAnAdmin(t *testing.T, s project.Store, ps auth.PrincipalStore, id func(string) string) {
	ctx := context.Background()
	p := newProject(id("p"), id("acme"), "Returns", base)
	create(t, s, p, id("alice"))
	bob := project.Member{ProjectID: p.ID, PrincipalID: id("bob"), Role: project.Viewer, AddedAt: base}
	if err := s.PutMember(ctx, p, bob, ""); err != nil {
		t.Fatal(err)
	}
	entry := func(subject string) auth.AuditEntry {
		return auth.AuditEntry{At: base, ClientID: p.ClientID, By: id("alice"), Action: auth.ActionMemberRemoved, Subject: subject, ProjectID: p.ID}
	}
	if err := s.RemoveMember(ctx, p.ID, id("alice"), bob.PrincipalID, entry(id("alice"))); !errors.Is(err, project.ErrLastAdmin) {
		t.Fatalf("keeper a viewer: %v, want ErrLastAdmin", err)
	}
	if _, err := s.Member(ctx, p.ID, id("alice")); err != nil {
		t.Fatalf("the refused removal removed: %v", err)
	}
	if err := s.RemoveMember(ctx, p.ID, bob.PrincipalID, id("alice"), entry(bob.PrincipalID)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Member(ctx, p.ID, bob.PrincipalID); !errors.Is(err, project.ErrNotFound) {
		t.Fatalf("removed member: %v, want ErrNotFound", err)
	}
	if ms, err := s.Memberships(ctx, bob.PrincipalID, page.Request{}); err != nil || len(ms.Items) != 0 {
		t.Fatalf("removed member's memberships = %+v, %v", ms.Items, err)
	}
	if err := s.RemoveMember(ctx, p.ID, bob.PrincipalID, "", entry(bob.PrincipalID)); !errors.Is(err, project.ErrMemberNotFound) {
		t.Fatalf("removing again: %v, want ErrMemberNotFound", err)
	}
	log, err := ps.Audit(ctx, p.ClientID, page.Request{})
	if err != nil || len(log.Items) != 1 || log.Items[0].Subject != bob.PrincipalID || log.Items[0].ProjectID != p.ID {
		t.Fatalf("audit = %+v, %v; want the one removal", log.Items, err)
	}
}
