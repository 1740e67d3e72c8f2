package dynamo

import (
	"testing"

	"github.com/parcelgate/parcelgate/internal/tag"
)

func TestEddBucketAttrRoundTrip(t *testing.T) {
	for _, tg := range []tag.Tag{tag.InTransit, tag.AvailableForPickup, tag.Exception} {
		for _, b := range []int{0, 7, 105} {
			got, gb, ok := parseEddBucketAttr(eddBucketAttr(tg, b))
			if !ok || got != tg || gb != b {
				t.Fatalf("%s %d: %s %d %v", tg, b, got, gb, ok)
			}
		}
	}
	for _, bad := range []string{"n", "PK", "InTransit_x", "Nope_3", "_3", "expiresAt"} {
		if _, _, ok := parseEddBucketAttr(bad); ok {
			t.Fatalf("%q parsed", bad)
		}
	}
}
