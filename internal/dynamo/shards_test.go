package dynamo

import (
	"errors"
	"testing"

	"github.com/parcelgate/parcelgate/internal/page"
)

// Projects created before the count was stored have their items where 16
// shards put them: the keys are pinned as stored, not recomputed.
func TestProjectsCreatedBeforeKeepTheirKeys(t *testing.T) {
	const n = "3000000021"
	for got, want := range map[string]string{
		getS(associationKey("p1", legacyAssociationShards, n), attrPK):               "ASSOC#p1#07",
		associationTagGSI1PK("p1", "Pending", shards(legacyAssociationShards).of(n)): "TAGGED#p1#Pending#07",
		notificationPK("p1", legacyAssociationShards, n):                             "NOTIFY#p1#07",
	} {
		if got != want {
			t.Errorf("key %s, stored as %s", got, want)
		}
	}
	if got := getS(associationKey("p1", associationShards, n), attrPK); got != "ASSOC#p1#23" {
		t.Errorf("a project created now keeps %s in %s, want ASSOC#p1#23", n, got)
	}
}

// A cursor of the project's numbers comes from the client: whatever it
// holds, it names one of the project's shards or is refused.
func FuzzSplitShardCursor(f *testing.F) {
	for _, c := range []string{"", "0.", "15.abc", "47.", "48.", "-1.", "x.y", "3", ".", "99999999999999999999.a"} {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, c string) {
		for _, count := range []shards{legacyAssociationShards, associationShards} {
			shard, _, err := splitShardCursor(c, count)
			if err != nil && !errors.Is(err, page.ErrBadCursor) {
				t.Fatalf("%q: %v", c, err)
			}
			if err == nil && (shard < 0 || shard >= int(count)) {
				t.Fatalf("%q: shard %d of %d", c, shard, count)
			}
		}
	})
}
