package memory

import (
	"context"
	"slices"
	"sync"

	"github.com/parcelgate/parcelgate/internal/auth"
)

var _ auth.PrincipalStore = (*Principals)(nil)

// Principals implements auth.PrincipalStore in memory.
type Principals struct {
	mu         sync.Mutex
	principals map[string]auth.Principal
}

// CreatePrincipal implements auth.PrincipalStore.
func (s *Principals) CreatePrincipal(_ context.Context, p auth.Principal) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.principals[p.ID]; ok {
		return auth.ErrPrincipalExists
	}
	if s.principals == nil {
		s.principals = map[string]auth.Principal{}
	}
	p.SecretHash = slices.Clone(p.SecretHash)
	p.CreatedAt = p.CreatedAt.UTC()
	s.principals[p.ID] = p
	return nil
}

// Principal implements auth.PrincipalStore.
func (s *Principals) Principal(_ context.Context, id string) (auth.Principal, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.principals[id]
	if !ok {
		return auth.Principal{}, auth.ErrPrincipalNotFound
	}
	p.SecretHash = slices.Clone(p.SecretHash)
	return p, nil
}
