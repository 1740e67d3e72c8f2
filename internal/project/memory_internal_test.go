package project

import (
	"context"
	"strconv"
	"testing"
	"time"
)

// oneProject answers every read with a member of project p.
type oneProject struct{ Store }

func (oneProject) Project(_ context.Context, id string) (Project, error) {
	return Project{ID: id, ClientID: "acme"}, nil
}

func (oneProject) Member(_ context.Context, projectID, principalID string) (Member, error) {
	return Member{ProjectID: projectID, PrincipalID: principalID, Role: Viewer}, nil
}

func TestMembershipsStartOverPastTheirSize(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	ms := &Memberships{}
	for i := range maxMemberships {
		if _, err := ms.read(ctx, oneProject{}, "p", strconv.Itoa(i), now); err != nil {
			t.Fatal(err)
		}
	}
	if len(ms.seen) != maxMemberships {
		t.Fatalf("remembered %d; want %d", len(ms.seen), maxMemberships)
	}
	if _, err := ms.read(ctx, oneProject{}, "p", "one-more", now); err != nil {
		t.Fatal(err)
	}
	if len(ms.seen) != 1 {
		t.Fatalf("past the size remembered %d; want 1 (started over)", len(ms.seen))
	}
}

// removedWhileRead is a store whose member read is overtaken by the
// removal of that member in the same process.
type removedWhileRead struct {
	oneProject
	ms *Memberships
}

func (s removedWhileRead) Member(ctx context.Context, projectID, principalID string) (Member, error) {
	m, err := s.oneProject.Member(ctx, projectID, principalID)
	s.ms.forget(projectID, principalID)
	return m, err
}

func TestAReadOvertakenByAChangeIsNotRemembered(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	ms := &Memberships{}
	if _, err := ms.read(ctx, removedWhileRead{ms: ms}, "p", "carol", now); err != nil {
		t.Fatal(err)
	}
	if len(ms.seen) != 0 {
		t.Fatalf("remembered %v, read before the change that forgot it", ms.seen)
	}
}
