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

func sweepKey(w sweep.Work) string { return w.Kind + "/" + w.ProjectID + "/" + w.ID }

// Open puts w in the index, due at w.Due, or moves it there.
func (s *Sweep) Open(w sweep.Work) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.open == nil {
		s.open = map[string]sweep.Work{}
	}
	w.Due = w.Due.UTC()
	s.open[sweepKey(w)] = w
}

// Close takes ended work (its kind, project and id) out of the index.
func (s *Sweep) Close(w sweep.Work) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.open, sweepKey(w))
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
	key := sweepKey(w)
	cur, ok := s.open[key]
	if !ok || !cur.Due.Equal(w.Due) {
		return sweep.ErrMoved
	}
	cur.Due = next.UTC()
	cur.Requeues++
	s.open[key] = cur
	return nil
}
