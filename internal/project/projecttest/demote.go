package projecttest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/page"
	"github.com/parcelgate/parcelgate/internal/project"
)

// demotingAnAdminNeedsAKeeper: a new role whose keeper is no longer an
// admin changes nothing; one whose keeper is an admin is written.
func demotingAnAdminNeedsAKeeper(t *testing.T, s project.Store, _ auth.PrincipalStore, id func(string) string) {
	ctx := context.Background()
	p := newProject(id("p"), id("acme"), "Returns", base)
	alice := create(t, s, p, id("alice"))
	bob := project.Member{ProjectID: p.ID, PrincipalID: id("bob"), Role: project.Viewer, AddedAt: base}
	if err := s.PutMember(ctx, p, bob, ""); err != nil {
		t.Fatal(err)
	}
	demoted := alice
	demoted.Role = project.Contributor
	for _, keeper := range []string{bob.PrincipalID, id("nobody")} {
		if err := s.PutMember(ctx, p, demoted, keeper); !errors.Is(err, project.ErrLastAdmin) {
			t.Fatalf("keeper %s: %v, want ErrLastAdmin", keeper, err)
		}
	}
	if got, err := s.Member(ctx, p.ID, alice.PrincipalID); err != nil || got != alice {
		t.Fatalf("after the refused demotions alice = %+v, %v; want %+v", got, err, alice)
	}
	bob.Role = project.Admin
	if err := s.PutMember(ctx, p, bob, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.PutMember(ctx, p, demoted, bob.PrincipalID); err != nil {
		t.Fatalf("demoting one of two admins: %v", err)
	}
	if got, err := s.Member(ctx, p.ID, alice.PrincipalID); err != nil || got != demoted {
		t.Fatalf("alice = %+v, %v; want %+v", got, err, demoted)
	}
}

// adminsDemotingEachOtherLeaveOne: two admins demoting each other at once
// (each the keeper of their own change) cannot both succeed; the project
// keeps exactly one of them as admin. Rounds on fresh projects give the
// race more than one chance to show.
func adminsDemotingEachOtherLeaveOne(t *testing.T, s project.Store, _ auth.PrincipalStore, id func(string) string) {
	ctx := context.Background()
	for round := range 5 {
		p := newProject(id(fmt.Sprint("p", round)), id("acme"), "Returns", base)
		alice := create(t, s, p, id("alice"))
		bob := project.Member{ProjectID: p.ID, PrincipalID: id("bob"), Role: project.Admin, AddedAt: base}
		if err := s.PutMember(ctx, p, bob, ""); err != nil {
			t.Fatal(err)
		}
		admins := []project.Member{alice, bob}
		errs := make([]error, len(admins))
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, target := range admins {
			keeper := admins[1-i].PrincipalID
			target.Role = project.Viewer
			wg.Go(func() {
				<-start
				errs[i] = s.PutMember(ctx, p, target, keeper)
			})
		}
		close(start)
		wg.Wait()
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("round %d: demotions = %v, %v; want exactly one to succeed", round, errs[0], errs[1])
		}
		for _, err := range errs {
			if err != nil && !errors.Is(err, project.ErrLastAdmin) {
				t.Fatalf("round %d: refused demotion: %v, want ErrLastAdmin", round, err)
			}
		}
		members, err := s.Members(ctx, p.ID, page.Request{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		left := 0
		for _, m := range members.Items {
			if m.Role == project.Admin {
				left++
			}
		}
		if left != 1 {
			t.Fatalf("round %d: members = %+v; want exactly one admin left", round, members.Items)
		}
	}
}
