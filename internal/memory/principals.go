package memory

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/parcelgate/parcelgate/internal/sorttime"

	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/page"
)

var _ auth.PrincipalStore = (*Principals)(nil)

// Principals implements auth.PrincipalStore in memory, with the audit
// log that project member removals write to as well.
type Principals struct {
	mu         sync.Mutex
	principals map[string]auth.Principal
	// audit holds each client's entries under their sort keys.
	audit map[string]map[string]auth.AuditEntry
	// seq breaks ties between entries of one instant, as the DynamoDB
	// key's random suffix does.
	seq int
}

func clonePrincipal(p auth.Principal) auth.Principal {
	p.SecretHash = slices.Clone(p.SecretHash)
	p.PreviousSecretHash = slices.Clone(p.PreviousSecretHash)
	p.CreatedAt = p.CreatedAt.UTC()
	return p
}

// CreatePrincipal implements auth.PrincipalStore.
func (s *Principals) CreatePrincipal(_ context.Context, p auth.Principal, entry auth.AuditEntry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.principals[p.ID]; ok {
		return auth.ErrPrincipalExists
	}
	if s.principals == nil {
		s.principals = map[string]auth.Principal{}
	}
	s.principals[p.ID] = clonePrincipal(p)
	s.appendAudit(entry)
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
	return clonePrincipal(p), nil
}

// ClientPrincipals implements auth.PrincipalStore: by id.
func (s *Principals) ClientPrincipals(_ context.Context, clientID string, req page.Request) (page.Page[auth.Principal], error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var keys []string
	for id, p := range s.principals {
		if p.ClientID == clientID && !p.Deleted {
			keys = append(keys, id)
		}
	}
	slices.Sort(keys)
	got, next, err := partitionPage("principals/"+clientID, keys, false, req)
	if err != nil {
		return page.Page[auth.Principal]{}, err
	}
	out := page.Page[auth.Principal]{NextCursor: next, Items: make([]auth.Principal, 0, len(got))}
	for _, id := range got {
		out.Items = append(out.Items, clonePrincipal(s.principals[id]))
	}
	return out, nil
}

// UpdatePrincipal implements auth.PrincipalStore.
func (s *Principals) UpdatePrincipal(_ context.Context, p auth.Principal, keeper string, entry auth.AuditEntry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.principals[p.ID]
	if !ok || old.ClientID != p.ClientID || old.Version != p.Version-1 {
		return auth.ErrPrincipalChanged
	}
	if keeper != "" {
		k, ok := s.principals[keeper]
		if !ok || k.ClientID != p.ClientID || !k.Owner() || !k.Live() {
			return auth.ErrKeeperGone
		}
	}
	p.LastUsedAt = old.LastUsedAt
	s.principals[p.ID] = clonePrincipal(p)
	s.appendAudit(entry)
	return nil
}

// PrincipalUsed implements auth.PrincipalStore.
func (s *Principals) PrincipalUsed(_ context.Context, p auth.Principal, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.principals[p.ID]; ok && !old.Deleted {
		old.LastUsedAt = at.UTC()
		s.principals[p.ID] = old
	}
	return nil
}

// Audit implements auth.PrincipalStore: oldest first.
func (s *Principals) Audit(_ context.Context, clientID string, req page.Request) (page.Page[auth.AuditEntry], error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	entries := s.audit[clientID]
	keys := make([]string, 0, len(entries))
	for k := range entries {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	got, next, err := partitionPage("audit/"+clientID, keys, false, req)
	if err != nil {
		return page.Page[auth.AuditEntry]{}, err
	}
	out := page.Page[auth.AuditEntry]{NextCursor: next, Items: make([]auth.AuditEntry, 0, len(got))}
	for _, k := range got {
		out.Items = append(out.Items, entries[k])
	}
	return out, nil
}

// appendAudit records entry; the caller holds mu.
func (s *Principals) appendAudit(entry auth.AuditEntry) {
	if s.audit == nil {
		s.audit = map[string]map[string]auth.AuditEntry{}
	}
	if s.audit[entry.ClientID] == nil {
		s.audit[entry.ClientID] = map[string]auth.AuditEntry{}
	}
	s.seq++
	entry.At = entry.At.UTC()
	s.audit[entry.ClientID][fmt.Sprintf("%s#%09d", sorttime.Format(entry.At), s.seq)] = entry
}
