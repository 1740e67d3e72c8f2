package memory

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/parcelgate/parcelgate/internal/sweep"
)

var _ sweep.Store = (*Sweep)(nil)

// Sweep implements sweep.Store in memory: the sweeper's index of open
// work. The stores that own the work tell it when work opens or moves
// (Open) and when it ends (Close), as DynamoDB's job, request and import
// items carry the index's keys from creation until they end.
type Sweep struct {
	mu   sync.Mutex
	open map[string]sweep.Work // by kind and id
}

func sweepKey(kind, id string) string { return kind + "/" + id }

// Open puts w in the index, due at w.Due, or moves it there.
func (s *Sweep) Open(w sweep.Work) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.open == nil {
		s.open = map[string]sweep.Work{}
	}
	w.Due = w.Due.UTC()
	s.open[sweepKey(w.Kind, w.ID)] = w
}

// Close takes ended work out of the index.
func (s *Sweep) Close(kind, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.open, sweepKey(kind, id))
}

// Due implements sweep.Store: oldest deadline first (one shard holds all).
func (s *Sweep) Due(_ context.Context, now time.Time, limit int) ([]sweep.Work, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []sweep.Work
	for _, w := range s.open {
		if !w.Due.After(now) {
			out = append(out, w)
		}
	}
	slices.SortFunc(out, func(a, b sweep.Work) int {
		if c := a.Due.Compare(b.Due); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out[:min(len(out), limit)], nil
}

// ClaimRequeue implements sweep.Store.
func (s *Sweep) ClaimRequeue(_ context.Context, w sweep.Work, next time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := sweepKey(w.Kind, w.ID)
	cur, ok := s.open[key]
	if !ok || !cur.Due.Equal(w.Due) {
		return sweep.ErrMoved
	}
	cur.Due = next.UTC()
	cur.Requeues++
	s.open[key] = cur
	return nil
}
