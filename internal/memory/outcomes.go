package memory

import (
	"context"
	"sync"

	"github.com/parcelgate/parcelgate/internal/edd"
)

// Outcomes holds projects' delivery analytics (edd.OutcomeStore).
type Outcomes struct {
	mu       sync.Mutex
	counted  map[[2]string]bool                            // project, number
	projects map[string]map[string]map[string]*edd.Figures // project, week, group
}

var _ edd.OutcomeStore = (*Outcomes)(nil)

// RecordOutcome adds o once per project and number.
func (s *Outcomes) RecordOutcome(_ context.Context, projectID string, o edd.Outcome) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := [2]string{projectID, o.TrackingNumber}
	if s.counted[key] {
		return false, nil
	}
	if s.counted == nil {
		s.counted, s.projects = map[[2]string]bool{}, map[string]map[string]map[string]*edd.Figures{}
	}
	s.counted[key] = true
	if s.projects[projectID] == nil {
		s.projects[projectID] = map[string]map[string]*edd.Figures{}
	}
	week := s.projects[projectID][o.Week]
	if week == nil {
		week = map[string]*edd.Figures{}
		s.projects[projectID][o.Week] = week
	}
	for _, g := range o.Groups {
		if week[g] == nil {
			week[g] = new(edd.Figures)
		}
		week[g].Merge(o.Figures)
	}
	return true, nil
}

// Outcomes returns the project's figures of the weeks.
func (s *Outcomes) Outcomes(_ context.Context, projectID string, weeks []string) (map[string]map[string]edd.Figures, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]map[string]edd.Figures{}
	for _, w := range weeks {
		for g, f := range s.projects[projectID][w] {
			if out[w] == nil {
				out[w] = map[string]edd.Figures{}
			}
			out[w][g] = *f
		}
	}
	return out, nil
}
