package auth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/memory"
)

// countingStore counts the reads Revocations makes.
type countingStore struct {
	*memory.Principals
	reads int
}

func (s *countingStore) Principal(ctx context.Context, id string) (auth.Principal, error) {
	s.reads++
	return s.Principals.Principal(ctx, id)
}

func TestRevocationsReadOncePerBoundAndRefuseRevokedTokens(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	store := &countingStore{Principals: &memory.Principals{}}
	creds := auth.Credentials{Store: store, Now: func() time.Time { return now }}
	p, err := creds.Create(ctx, "acme", "acme-ops", "a-person-chosen-secret")
	if err != nil {
		t.Fatal(err)
	}
	r := &auth.Revocations{Store: store, Now: func() time.Time { return now }}
	id := auth.Identity{ClientID: "acme", PrincipalID: p.ID}
	store.reads = 0
	for range 1000 {
		if err := r.Check(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if store.reads != 1 {
		t.Fatalf("1,000 requests read the credential %d times, want 1", store.reads)
	}
	now = now.Add(auth.RevocationBound + time.Nanosecond)
	if err := r.Check(ctx, id); err != nil || store.reads != 2 {
		t.Fatalf("past the bound: %v, %d reads; want a second read", err, store.reads)
	}

	// Another owner disables the credential: within the bound, a process
	// that did not make the change still trusts what it read; past it, not.
	next := p
	next.Disabled, next.Generation, next.Version = true, 1, 1
	if err := store.UpdatePrincipal(ctx, next, "", auth.AuditEntry{ClientID: "acme"}); err != nil {
		t.Fatal(err)
	}
	if err := r.Check(ctx, id); err != nil {
		t.Fatalf("within the bound: %v", err)
	}
	now = now.Add(auth.RevocationBound + time.Nanosecond)
	if err := r.Check(ctx, id); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("past the bound: %v, want ErrInvalidToken", err)
	}
	// The process that made a change forgets at once.
	r2 := &auth.Revocations{Store: store, Now: func() time.Time { return now }}
	enabled := next
	enabled.Disabled, enabled.Generation, enabled.Version = false, 2, 2
	if err := store.UpdatePrincipal(ctx, enabled, "", auth.AuditEntry{ClientID: "acme"}); err != nil {
		t.Fatal(err)
	}
	r2.Forget(p.ID)
	if err := r2.Check(ctx, id); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("a token of generation 0 after two revocations: %v", err)
	}
	// A newer token than what is remembered makes it read again, not refuse.
	reads := store.reads
	if err := r.Check(ctx, auth.Identity{ClientID: "acme", PrincipalID: p.ID, Generation: 2}); err != nil || store.reads != reads+1 {
		t.Fatalf("a token issued after the re-enable: %v, %d reads", err, store.reads-reads)
	}
	// A token naming another client, or no credential, is refused.
	for _, other := range []auth.Identity{{ClientID: "globex", PrincipalID: p.ID, Generation: 2}, {ClientID: "acme", PrincipalID: "nobody"}} {
		if err := r.Check(ctx, other); !errors.Is(err, auth.ErrInvalidToken) {
			t.Errorf("%+v: %v", other, err)
		}
	}
}
