package auth

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// RevocationBound is how long a process trusts what it read of a
// credential: a token of a credential disabled, deleted or revoked
// elsewhere is refused at the latest this long after the change. The
// process that makes a change forgets what it knew at once.
const RevocationBound = 10 * time.Second

// maxRemembered bounds the memory of Revocations; past it, it starts over.
const maxRemembered = 10_000

// Revocations refuses the tokens of credentials that are no longer live or
// whose tokens were revoked after issue. Most routes read no item of the
// caller's credential, so it remembers each credential it read for
// RevocationBound: a busy credential costs one read per process and bound,
// not one per request.
type Revocations struct {
	Store PrincipalStore
	Now   func() time.Time

	mu   sync.Mutex
	seen map[string]seenCredential
}

type seenCredential struct {
	clientID   string
	live       bool
	generation int64
	until      time.Time
}

// Check returns ErrInvalidToken if the token of id may no longer be used.
func (r *Revocations) Check(ctx context.Context, id Identity) error {
	now := r.Now()
	r.mu.Lock()
	s, ok := r.seen[id.PrincipalID]
	r.mu.Unlock()
	// A token newer than what was read was issued after a change this
	// process has not seen: read again rather than refuse it.
	if !ok || now.After(s.until) || id.Generation > s.generation {
		p, err := r.Store.Principal(ctx, id.PrincipalID)
		if err != nil && !errors.Is(err, ErrPrincipalNotFound) {
			return err
		}
		s = seenCredential{clientID: p.ClientID, live: err == nil && p.Live(), generation: p.Generation, until: now.Add(RevocationBound)}
		r.remember(id.PrincipalID, s)
	}
	if !s.live || s.clientID != id.ClientID || s.generation != id.Generation {
		return fmt.Errorf("%w: the credential was disabled, deleted or its tokens revoked", ErrInvalidToken)
	}
	return nil
}

// Forget drops what is known of a credential, after a change to it.
func (r *Revocations) Forget(principalID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.seen, principalID)
}

func (r *Revocations) remember(principalID string, s seenCredential) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen == nil || len(r.seen) >= maxRemembered {
		r.seen = map[string]seenCredential{}
	}
	r.seen[principalID] = s
}
