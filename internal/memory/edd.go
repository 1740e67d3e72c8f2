package memory

import (
	"context"
	"sync"
	"time"

	"github.com/parcelgate/parcelgate/internal/edd"
	"github.com/parcelgate/parcelgate/internal/tag"
)

// Edd holds projects' delivery aggregates (edd.Store).
type Edd struct {
	mu       sync.Mutex
	counted  map[[2]string]bool                   // project, number
	projects map[string]map[string]*edd.Aggregate // project, group
	// carrierDates are the carriers' own dates, by number.
	carrierDates map[string]carrierDate
}

var _ edd.Store = (*Edd)(nil)

// RecordDelivery adds d once per project and number.
func (s *Edd) RecordDelivery(_ context.Context, projectID string, d edd.Delivery) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := [2]string{projectID, d.TrackingNumber}
	if s.counted[key] {
		return false, nil
	}
	if s.counted == nil {
		s.counted, s.projects = map[[2]string]bool{}, map[string]map[string]*edd.Aggregate{}
	}
	s.counted[key] = true
	groups := s.projects[projectID]
	if groups == nil {
		groups = map[string]*edd.Aggregate{}
		s.projects[projectID] = groups
	}
	for _, g := range d.Groups {
		a := groups[g]
		if a == nil {
			a = &edd.Aggregate{}
			groups[g] = a
		}
		a.Deliveries++
		for t, b := range d.Buckets {
			countBucket(&a.Since, t, b, 1)
		}
		for t, bs := range d.Gaps {
			for b, n := range bs {
				countBucket(&a.Gaps, t, b, n)
			}
		}
		for t, b := range d.Dwell {
			countBucket(&a.Dwell, t, b, 1)
		}
	}
	return true, nil
}

// countBucket adds n to bucket b of tag t's histogram in hs.
func countBucket(hs *map[tag.Tag]*edd.Histogram, t tag.Tag, b int, n int64) {
	if *hs == nil {
		*hs = map[tag.Tag]*edd.Histogram{}
	}
	if (*hs)[t] == nil {
		(*hs)[t] = new(edd.Histogram)
	}
	(*hs)[t][b] += n
}

// Aggregates merges the named groups over the projects.
func (s *Edd) Aggregates(_ context.Context, projectIDs []string, groups []string) (map[string]edd.Aggregate, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]edd.Aggregate{}
	for _, p := range projectIDs {
		for _, g := range groups {
			if a := s.projects[p][g]; a != nil {
				m := out[g]
				m.Merge(*a)
				out[g] = m
			}
		}
	}
	return out, nil
}

type carrierDate struct {
	date string
	at   time.Time
}

// SetCarrierDate keeps the date of the newest event.
func (s *Edd) SetCarrierDate(_ context.Context, number, date string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.carrierDates == nil {
		s.carrierDates = map[string]carrierDate{}
	}
	if old, ok := s.carrierDates[number]; !ok || !at.Before(old.at) {
		s.carrierDates[number] = carrierDate{date, at}
	}
	return nil
}

// CarrierDate returns the date kept for number.
func (s *Edd) CarrierDate(_ context.Context, number string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.carrierDates[number].date, nil
}
