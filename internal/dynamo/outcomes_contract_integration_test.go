//go:build integration

package dynamo

import (
	"testing"

	"github.com/parcelgate/parcelgate/internal/edd"
	"github.com/parcelgate/parcelgate/internal/edd/eddtest"
)

// One table serves the suite: each test uses fresh projects.
func TestOutcomeContract(t *testing.T) {
	s := newStore(t)
	eddtest.RunOutcomes(t, func(*testing.T) edd.OutcomeStore { return s.Outcomes })
}
