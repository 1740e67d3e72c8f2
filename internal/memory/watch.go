package memory

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/parcelgate/parcelgate/internal/edd"
)

// Watches holds parcels' stall and late watches (edd.WatchStore).
type Watches struct {
	mu      sync.Mutex
	watches map[string]edd.Watch
}

var _ edd.WatchStore = (*Watches)(nil)

// GetWatch returns the number's watch.
func (s *Watches) GetWatch(_ context.Context, number string) (edd.Watch, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, ok := s.watches[number]
	w.Thresholds = maps.Clone(w.Thresholds)
	return w, ok, nil
}

// PutWatch stores w if nobody wrote it since w.Version.
func (s *Watches) PutWatch(_ context.Context, w edd.Watch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.watches == nil {
		s.watches = map[string]edd.Watch{}
	}
	if s.watches[w.TrackingNumber].Version != w.Version {
		return edd.ErrWatchMoved
	}
	w.Version++
	w.Thresholds = maps.Clone(w.Thresholds)
	s.watches[w.TrackingNumber] = w.AsStored()
	return nil
}

// DeleteWatch removes the number's watch.
func (s *Watches) DeleteWatch(_ context.Context, number string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.watches, number)
	return nil
}

// DueWatches lists the numbers listed by now, earliest first.
func (s *Watches) DueWatches(_ context.Context, now time.Time, limit int) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var due []edd.Watch
	for _, w := range s.watches {
		if d := w.Indexed(); !d.IsZero() && !d.After(now) {
			due = append(due, w)
		}
	}
	slices.SortFunc(due, func(a, b edd.Watch) int { return a.Indexed().Compare(b.Indexed()) })
	var out []string
	for _, w := range due[:min(len(due), limit)] {
		out = append(out, w.TrackingNumber)
	}
	return out, nil
}
