package memory

import (
	"testing"

	"github.com/parcelgate/parcelgate/internal/tracking/trackingtest"
)

func TestTrackingContract(t *testing.T) {
	trackingtest.Run(t, func(*testing.T) trackingtest.Fixture {
		as, feed := &fixtureAssociations{}, &Webhooks{}
		return trackingtest.Fixture{Store: &Tracking{Associations: as.all, Feed: feed}, Associations: as, Feed: feed, Unmapped: &Unmapped{}}
	})
}
