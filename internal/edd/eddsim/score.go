package eddsim

import (
	"math"
	"time"

	"github.com/parcelgate/parcelgate/internal/edd"
)

// Score sums the errors of estimates against deliveries.
type Score struct {
	N              int
	absErrDays     float64
	within1Day     int
	byLatest       int
	beforeEarliest int
}

func (s *Score) add(e edd.Estimate, delivered time.Time) {
	s.N++
	err := delivered.Sub(e.Likely).Hours() / 24
	s.absErrDays += math.Abs(err)
	if math.Abs(err) <= 1 {
		s.within1Day++
	}
	if !delivered.After(e.Latest) {
		s.byLatest++
	}
	if delivered.Before(e.Earliest) {
		s.beforeEarliest++
	}
}

// MAE is the mean absolute error of likely, in days.
func (s Score) MAE() float64 { return ratio(s.absErrDays, s.N) }

// Within1Day is the share of deliveries within a day of likely.
func (s Score) Within1Day() float64 { return ratio(float64(s.within1Day), s.N) }

// ByLatest is the share delivered by latest (a p90: ideally 0.9).
func (s Score) ByLatest() float64 { return ratio(float64(s.byLatest), s.N) }

// BeforeEarliest is the share delivered before earliest (a p10).
func (s Score) BeforeEarliest() float64 { return ratio(float64(s.beforeEarliest), s.N) }

func ratio(a float64, n int) float64 {
	if n == 0 {
		return 0
	}
	return a / float64(n)
}

// Scores are the figures of one set of estimates: the learned ones,
// overall and per confidence level, and the standard table's alone for
// the same parcels at the same moments.
type Scores struct {
	Learned, Standard Score
	// ByConfidence scores the learned estimates per confidence level.
	ByConfidence map[edd.Confidence]*Score
}

// add scores p's estimates against its delivery.
func (s *Scores) add(p Point) {
	s.Learned.add(p.Learned, p.Delivered)
	s.Standard.add(p.Standard, p.Delivered)
	if s.ByConfidence == nil {
		s.ByConfidence = map[edd.Confidence]*Score{}
	}
	if s.ByConfidence[p.Learned.Confidence] == nil {
		s.ByConfidence[p.Learned.Confidence] = &Score{}
	}
	s.ByConfidence[p.Learned.Confidence].add(p.Learned, p.Delivered)
}

// level is the score of one confidence level, empty when none had it.
func (s Scores) level(c edd.Confidence) Score {
	if x := s.ByConfidence[c]; x != nil {
		return *x
	}
	return Score{}
}

// maeRatio is the learned MAE as a share of the standard table's.
func (s Scores) maeRatio() float64 { return s.Learned.MAE() / max(s.Standard.MAE(), 1e-9) }
