//go:build integration

package dynamo

import (
	"testing"

	"github.com/parcelgate/parcelgate/internal/tracking/trackingtest"
)

// One table serves the suite: each test uses fresh numbers and projects.
func TestTrackingContract(t *testing.T) {
	s := newStore(t)
	trackingtest.Run(t, func(*testing.T) trackingtest.Fixture {
		return trackingtest.Fixture{Store: s.Tracking, Associations: s.Jobs, Feed: s.Webhooks, Unmapped: s.Unmapped}
	})
}
