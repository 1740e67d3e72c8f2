package memory

import (
	"context"
	"sync"
	"time"

	"github.com/parcelgate/parcelgate/internal/message"
)

var _ message.UnmappedStore = (*Unmapped)(nil)

// Unmapped is message.UnmappedStore in memory.
type Unmapped struct {
	mu      sync.Mutex
	clients map[string]map[[3]string]message.Unmapped
}

// CountUnmapped implements message.UnmappedStore.
func (s *Unmapped) CountUnmapped(_ context.Context, clientID string, seen []message.Unmapped) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.clients == nil {
		s.clients = map[string]map[[3]string]message.Unmapped{}
	}
	tally := s.clients[clientID]
	if tally == nil {
		tally = map[[3]string]message.Unmapped{}
		s.clients[clientID] = tally
	}
	for _, u := range seen {
		k := [3]string{string(u.Carrier), u.Status, u.OriginStatus}
		u.Count += tally[k].Count
		u.LastSeen = u.LastSeen.UTC()
		tally[k] = u
	}
	return nil
}

// UnmappedStatuses implements message.UnmappedStore.
func (s *Unmapped) UnmappedStatuses(_ context.Context, clientID string, now time.Time, limit int) ([]message.Unmapped, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := []message.Unmapped{}
	for _, u := range s.clients[clientID] {
		if u.LastSeen.Add(message.UnmappedTTL).After(now) {
			list = append(list, u)
		}
	}
	message.SortUnmapped(list)
	return list[:min(limit, len(list))], nil
}
