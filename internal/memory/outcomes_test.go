package memory

import (
	"testing"

	"github.com/parcelgate/parcelgate/internal/edd"
	"github.com/parcelgate/parcelgate/internal/edd/eddtest"
)

func TestOutcomeContract(t *testing.T) {
	eddtest.RunOutcomes(t, func(*testing.T) edd.OutcomeStore { return &Outcomes{} })
}
