package project_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/project"
)

// countingStore counts the project and member reads that reach the store.
type countingStore struct {
	project.Store
	reads int
}

func (s *countingStore) Project(ctx context.Context, id string) (project.Project, error) {
	s.reads++
	return s.Store.Project(ctx, id)
}

func (s *countingStore) Member(ctx context.Context, projectID, principalID string) (project.Member, error) {
	s.reads++
	return s.Store.Member(ctx, projectID, principalID)
}

// process is another process's project service over the fixture's store,
// with its own memory of memberships and a clock the test moves.
func process(f fixture, now *time.Time) (project.Service, *countingStore) {
	store := &countingStore{Store: f.store}
	svc := f.svc
	svc.Store = store
	svc.Now = func() time.Time { return *now }
	svc.Memberships = &project.Memberships{}
	return svc, store
}

func TestMembershipsAreReadOncePerProcessAndBound(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	now := clock
	svc, store := process(f, &now)
	for range 1000 {
		if _, err := svc.Authorize(ctx, contributor, "p1", project.Role.CanSubmit); err != nil {
			t.Fatal(err)
		}
	}
	if store.reads != 2 {
		t.Fatalf("1,000 requests read %d items; want 2 (the project and the member)", store.reads)
	}
	// What is remembered still decides on the caller's client and role.
	if _, err := svc.Authorize(ctx, project.Caller{ClientID: "globex", PrincipalID: contributor.PrincipalID}, "p1", project.Role.CanRead); !errors.Is(err, project.ErrNotFound) {
		t.Fatalf("another client's caller: %v; want ErrNotFound", err)
	}
	if _, err := svc.Authorize(ctx, contributor, "p1", project.Role.CanManage); !errors.Is(err, project.ErrForbidden) {
		t.Fatalf("contributor managing: %v; want ErrForbidden", err)
	}
	now = clock.Add(project.MembershipBound - time.Nanosecond)
	if _, err := svc.Authorize(ctx, contributor, "p1", project.Role.CanSubmit); err != nil || store.reads != 2 {
		t.Fatalf("within the bound: %v, %d reads; want the memory", err, store.reads)
	}
	now = clock.Add(project.MembershipBound)
	if _, err := svc.Authorize(ctx, contributor, "p1", project.Role.CanSubmit); err != nil || store.reads != 4 {
		t.Fatalf("at the bound: %v, %d reads; want read again", err, store.reads)
	}
}

func TestAMemberRemovedElsewhereIsRefusedWithinTheBound(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	now := clock
	here, _ := process(f, &now)
	there, _ := process(f, &now)
	for _, svc := range []project.Service{here, there} {
		if _, err := svc.Authorize(ctx, contributor, "p1", project.Role.CanSubmit); err != nil {
			t.Fatal(err)
		}
	}
	if err := here.RemoveMember(ctx, admin, "p1", contributor.PrincipalID); err != nil {
		t.Fatal(err)
	}
	if _, err := here.Authorize(ctx, contributor, "p1", project.Role.CanRead); !errors.Is(err, project.ErrNotFound) {
		t.Fatalf("the removing process: %v; want ErrNotFound at once", err)
	}
	if _, err := there.Authorize(ctx, contributor, "p1", project.Role.CanRead); err != nil {
		t.Fatalf("another process within the bound: %v; want what it read", err)
	}
	now = now.Add(project.MembershipBound)
	if _, err := there.Authorize(ctx, contributor, "p1", project.Role.CanRead); !errors.Is(err, project.ErrNotFound) {
		t.Fatalf("another process after the bound: %v; want ErrNotFound", err)
	}
}

func TestARoleChangedIsSeenAtOnceByItsProcess(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	now := clock
	svc, _ := process(f, &now)
	if _, err := svc.Authorize(ctx, contributor, "p1", project.Role.CanSubmit); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetMember(ctx, admin, "p1", contributor.PrincipalID, project.Viewer); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Authorize(ctx, contributor, "p1", project.Role.CanSubmit); !errors.Is(err, project.ErrForbidden) {
		t.Fatalf("demoted contributor submitting: %v; want ErrForbidden at once", err)
	}
}

func TestAPrincipalRefusedIsNotRemembered(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	now := clock
	here, _ := process(f, &now)
	there, store := process(f, &now)
	for range 3 {
		if _, err := there.Authorize(ctx, outsider, "p1", project.Role.CanRead); !errors.Is(err, project.ErrNotFound) {
			t.Fatalf("outsider: %v; want ErrNotFound", err)
		}
		if _, err := there.Authorize(ctx, outsider, "nope", project.Role.CanRead); !errors.Is(err, project.ErrNotFound) {
			t.Fatalf("unknown project: %v; want ErrNotFound", err)
		}
	}
	if store.reads != 9 {
		t.Fatalf("refusals read %d items; want 9 (each refusal reads again)", store.reads)
	}
	// Added in one process, the new member is let in by every other at once.
	if _, err := here.SetMember(ctx, admin, "p1", outsider.PrincipalID, project.Viewer); err != nil {
		t.Fatal(err)
	}
	if _, err := there.Authorize(ctx, outsider, "p1", project.Role.CanRead); err != nil {
		t.Fatalf("new member elsewhere: %v; want let in at once", err)
	}
}

func TestMembershipsServeConcurrentRequests(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.svc.Memberships = &project.Memberships{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				if _, err := f.svc.Authorize(ctx, viewer, "p1", project.Role.CanRead); err != nil && !errors.Is(err, project.ErrNotFound) {
					t.Error(err)
				}
			}
		})
	}
	wg.Go(func() {
		if err := f.svc.RemoveMember(ctx, admin, "p1", viewer.PrincipalID); err != nil {
			t.Error(err)
		}
	})
	wg.Wait()
	if _, err := f.svc.Authorize(ctx, viewer, "p1", project.Role.CanRead); !errors.Is(err, project.ErrNotFound) {
		t.Fatalf("after the removal: %v; want ErrNotFound", err)
	}
}
