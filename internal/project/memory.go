package project

import (
	"context"
	"sync"
	"time"

	"github.com/parcelgate/parcelgate/internal/auth"
)

// MembershipBound is how long a process trusts a membership it read: a
// member removed (or a role changed) elsewhere keeps what it had at most
// this long, the same bound as a credential's (auth.RevocationBound). The
// process that makes a change forgets what it knew at once.
const MembershipBound = auth.RevocationBound

// maxMemberships bounds the memory of Memberships; past it, it starts over.
const maxMemberships = 10_000

// Memberships remembers the memberships a process read, so that a busy
// member's requests to a project cost two reads (project and member) per
// process and MembershipBound, not two per request. Only memberships
// found are kept: a principal added to a project, or a project created,
// is seen everywhere at once. Its zero value is ready to use.
type Memberships struct {
	mu   sync.Mutex
	seen map[memberRef]seenMembership
	// forgotten counts the changes forgotten, so that a read begun before
	// one is not remembered after it.
	forgotten uint64
}

type memberRef struct{ projectID, principalID string }

type seenMembership struct {
	m     Membership
	until time.Time
}

// read returns principalID's membership of projectID through the memory
// when it is younger than MembershipBound, or ErrNotFound.
func (ms *Memberships) read(ctx context.Context, store Store, projectID, principalID string, now time.Time) (Membership, error) {
	ref := memberRef{projectID, principalID}
	var forgotten uint64
	if ms != nil {
		ms.mu.Lock()
		s, ok := ms.seen[ref]
		forgotten = ms.forgotten
		ms.mu.Unlock()
		if ok && now.Before(s.until) {
			return s.m, nil
		}
	}
	p, err := store.Project(ctx, projectID)
	if err != nil {
		return Membership{}, err
	}
	m, err := store.Member(ctx, projectID, principalID)
	if err != nil {
		return Membership{}, err
	}
	got := Membership{Project: p, Role: m.Role}
	if ms != nil {
		ms.mu.Lock()
		defer ms.mu.Unlock()
		if ms.forgotten != forgotten {
			return got, nil
		}
		if ms.seen == nil || len(ms.seen) >= maxMemberships {
			ms.seen = map[memberRef]seenMembership{}
		}
		ms.seen[ref] = seenMembership{m: got, until: now.Add(MembershipBound)}
	}
	return got, nil
}

// forget drops what is known of a membership, after this process changed
// it.
func (ms *Memberships) forget(projectID, principalID string) {
	if ms == nil {
		return
	}
	ms.mu.Lock()
	defer ms.mu.Unlock()
	ms.forgotten++
	delete(ms.seen, memberRef{projectID, principalID})
}
