package dynamo

import (
	"strconv"
	"strings"
	"testing"

	"github.com/parcelgate/parcelgate/internal/tag"
)

func TestEddBucketAttrRoundTrip(t *testing.T) {
	for _, k := range []eddHist{eddSince, eddGaps, eddDwell} {
		for _, tg := range []tag.Tag{tag.InTransit, tag.AvailableForPickup, tag.Exception} {
			for _, b := range []int{0, 7, 105} {
				gk, got, gb, ok := parseEddBucketAttr(eddBucketAttr(k, tg, b))
				if !ok || gk != k || got != tg || gb != b {
					t.Fatalf("%d %s %d: %d %s %d %v", k, tg, b, gk, got, gb, ok)
				}
			}
		}
	}
	for _, bad := range []string{"n", "PK", "InTransit_x", "Nope_3", "_3", "expiresAt", "InTransit_g", "InTransit_-3",
		"InTransit_g+3", "InTransit_x3", "InTransit_gd3", "Nope_g3"} {
		if _, _, _, ok := parseEddBucketAttr(bad); ok {
			t.Fatalf("%q parsed", bad)
		}
	}
}

// Items written before gaps were kept hold Since's attributes only; a
// reader of Since alone (the attribute names as first stored) skips the
// gap and stay attributes added beside them.
func TestEddGapAttrsAreNoSinceBucket(t *testing.T) {
	since := func(name string) bool {
		i := strings.LastIndexByte(name, '_')
		_, err := strconv.Atoi(name[i+1:])
		return err == nil
	}
	if !since(eddBucketAttr(eddSince, tag.InTransit, 12)) {
		t.Fatal("since's own attribute")
	}
	for _, k := range []eddHist{eddGaps, eddDwell} {
		if name := eddBucketAttr(k, tag.InTransit, 12); since(name) {
			t.Fatalf("%s reads as a Since bucket", name)
		}
	}
}

func FuzzParseEddBucketAttr(f *testing.F) {
	for _, s := range []string{"InTransit_3", "Exception_g105", "Pending_d0", "InTransit_", "_g1", "n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		k, tg, b, ok := parseEddBucketAttr(name)
		if !ok {
			return
		}
		if b < 0 {
			t.Fatalf("%q: bucket %d", name, b)
		}
		// What parses names the same counter again (bucket numbers may
		// have leading zeros; no writer makes them).
		if _, tg2, b2, ok2 := parseEddBucketAttr(eddBucketAttr(k, tg, b)); !ok2 || tg2 != tg || b2 != b {
			t.Fatalf("%q: %d %s %d does not round-trip", name, k, tg, b)
		}
	})
}
