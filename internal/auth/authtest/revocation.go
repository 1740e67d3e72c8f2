package authtest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/page"
)

func ids(ps []auth.Principal) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

// aChangeIsWrittenOverItsVersionOnly: a change read from a version another
// change replaced is refused, as is one whose keeper stopped being an
// enabled owner; neither writes an audit entry.
func aChangeIsWrittenOverItsVersionOnly(t *testing.T, s auth.PrincipalStore, id func(string) string) {
	ctx := context.Background()
	client := id("acme")
	owner := auth.Principal{ID: id("owner"), ClientID: client, SecretHash: []byte("h"), CreatedAt: base, Role: auth.RoleOwner}
	member := auth.Principal{ID: id("member"), ClientID: client, SecretHash: []byte("h"), CreatedAt: base, Role: auth.RoleMember}
	for _, p := range []auth.Principal{owner, member} {
		if err := s.CreatePrincipal(ctx, p, created(p)); err != nil {
			t.Fatal(err)
		}
	}
	change := func(p auth.Principal, keeper, action string) error {
		return s.UpdatePrincipal(ctx, p, keeper, auth.AuditEntry{At: base.Add(time.Duration(p.Version) * time.Second), ClientID: client, By: owner.ID, Action: action, Subject: p.ID})
	}
	disabled := member
	disabled.Disabled, disabled.Generation, disabled.Version = true, 1, 1
	if err := change(disabled, owner.ID, auth.ActionDisabled); err != nil {
		t.Fatal(err)
	}
	if err := change(disabled, owner.ID, auth.ActionDisabled); !errors.Is(err, auth.ErrPrincipalChanged) {
		t.Fatalf("the same change again: %v, want ErrPrincipalChanged", err)
	}
	if got, err := s.Principal(ctx, member.ID); err != nil || !got.Disabled || got.Generation != 1 || got.Version != 1 || got.Role != auth.RoleMember {
		t.Fatalf("after the change: %+v, %v", got, err)
	}
	// A disabled credential is no keeper, nor is one of another client.
	ownerGone := owner
	ownerGone.Disabled, ownerGone.Version = true, 1
	if err := change(ownerGone, member.ID, auth.ActionDisabled); !errors.Is(err, auth.ErrKeeperGone) {
		t.Fatalf("keeper disabled: %v, want ErrKeeperGone", err)
	}
	if got, err := s.Principal(ctx, owner.ID); err != nil || got.Disabled {
		t.Fatalf("the refused change was written: %+v, %v", got, err)
	}
	entries, err := s.Audit(ctx, client, page.Request{})
	if err != nil || len(entries.Items) != 3 || entries.Items[2].Action != auth.ActionDisabled || entries.Items[2].Subject != member.ID || entries.Items[2].By != owner.ID {
		t.Fatalf("audit = %+v, %v; want the two creations and one change", entries.Items, err)
	}
}

// deletedCredentialsLeaveTheListButKeepTheirID: the list holds the live
// and disabled credentials of its client only, by id, in pages.
func deletedCredentialsLeaveTheListButKeepTheirID(t *testing.T, s auth.PrincipalStore, id func(string) string) {
	ctx := context.Background()
	client := id("acme")
	var made []auth.Principal
	for _, name := range []string{"c", "a", "b"} {
		p := auth.Principal{ID: id(name), ClientID: client, SecretHash: []byte("h"), CreatedAt: base, Role: auth.RoleMember}
		if err := s.CreatePrincipal(ctx, p, created(p)); err != nil {
			t.Fatal(err)
		}
		made = append(made, p)
	}
	other := auth.Principal{ID: id("z"), ClientID: id("globex"), SecretHash: []byte("h"), CreatedAt: base}
	if err := s.CreatePrincipal(ctx, other, created(other)); err != nil {
		t.Fatal(err)
	}
	gone := made[0]
	gone.Deleted, gone.SecretHash, gone.Version = true, nil, 1
	if err := s.UpdatePrincipal(ctx, gone, "", auth.AuditEntry{At: base, ClientID: client, By: auth.Operator, Action: auth.ActionDeleted, Subject: gone.ID}); err != nil {
		t.Fatal(err)
	}
	first, err := s.ClientPrincipals(ctx, client, page.Request{Limit: 1})
	if err != nil || len(first.Items) != 1 || first.Items[0].ID != id("a") || first.NextCursor == "" {
		t.Fatalf("first page = %v, %q, %v", ids(first.Items), first.NextCursor, err)
	}
	rest, err := s.ClientPrincipals(ctx, client, page.Request{Cursor: first.NextCursor})
	if err != nil || len(rest.Items) != 1 || rest.Items[0].ID != id("b") {
		t.Fatalf("second page = %v, %v", ids(rest.Items), err)
	}
	if got, err := s.Principal(ctx, gone.ID); err != nil || !got.Deleted || len(got.SecretHash) != 0 {
		t.Fatalf("deleted principal = %+v, %v", got, err)
	}
	again := auth.Principal{ID: gone.ID, ClientID: client, SecretHash: []byte("new"), CreatedAt: base}
	if err := s.CreatePrincipal(ctx, again, created(again)); !errors.Is(err, auth.ErrPrincipalExists) {
		t.Fatalf("reusing a deleted id: %v, want ErrPrincipalExists", err)
	}
	if _, err := s.ClientPrincipals(ctx, id("globex"), page.Request{Cursor: first.NextCursor}); !errors.Is(err, page.ErrBadCursor) {
		t.Fatalf("another client's cursor: %v, want ErrBadCursor", err)
	}
}

// useIsRecordedButNotOnDeleted: PrincipalUsed sets lastUsedAt and never
// brings a deleted credential back to the list.
func useIsRecordedButNotOnDeleted(t *testing.T, s auth.PrincipalStore, id func(string) string) {
	ctx := context.Background()
	p := auth.Principal{ID: id("alice"), ClientID: id("acme"), SecretHash: []byte("h"), CreatedAt: base}
	if err := s.CreatePrincipal(ctx, p, created(p)); err != nil {
		t.Fatal(err)
	}
	used := base.Add(time.Minute)
	if err := s.PrincipalUsed(ctx, p, used); err != nil {
		t.Fatal(err)
	}
	got, err := s.Principal(ctx, p.ID)
	if err != nil || !got.LastUsedAt.Equal(used) || !got.Owner() {
		t.Fatalf("after use: %+v, %v", got, err)
	}
	got.Deleted, got.Version = true, got.Version+1
	if err := s.UpdatePrincipal(ctx, got, "", auth.AuditEntry{At: used, ClientID: p.ClientID, By: auth.Operator, Action: auth.ActionDeleted, Subject: p.ID}); err != nil {
		t.Fatal(err)
	}
	if err := s.PrincipalUsed(ctx, got, used.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if list, err := s.ClientPrincipals(ctx, p.ClientID, page.Request{}); err != nil || len(list.Items) != 0 {
		t.Fatalf("list after the delete = %v, %v", ids(list.Items), err)
	}
}
