package dynamo

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/parcelgate/parcelgate/internal/tag"
)

// Keys of the delivery aggregates (Edd), beside the table's other
// items (keys.go):
//
//	item        PK                      SK                 attributes
//	aggregate   EDD#<project>#<shard>   G#<group key>      n, <tag>_<bucket>...
//	counted     EDD#<project>#<shard>   N#<number>         expiresAt
//	carrier date EDDC#<number>          CARRIER            date, at, expiresAt
//
// A project's aggregates are spread over eddShards partitions by a hash
// of the delivered number: every group has one item per shard, each
// counting the deliveries of its shard's numbers, and a read adds the
// shards up (histograms merge by adding). A project delivering thousands
// of parcels a minute of one carrier writes to eddShards partitions, not
// one. The counted marker of a number sits in the shard its aggregates
// go to, so the marker and the additions are one transaction on one
// partition. n is the group's deliveries; <tag>_<bucket> is how many of
// them took bucket's time from their first event with tag to delivery
// (edd.Histogram), an attribute only for buckets that ever counted one.
// A carrier's own delivery date of a number is one item of its own,
// written only if newer (at, the event's time) and kept a year.
// No index: every item is read by key only.
const (
	eddShards     = 8
	skEddGroup    = "G#"
	skEddCounted  = "N#"
	attrEddCount  = "n"
	eddCountedTTL = 400 * 24 * time.Hour
)

func eddCarrierPK(number string) string { return "EDDC#" + number }

const skEddCarrier = "CARRIER"

func eddShard(number string) int {
	h := fnv.New32a()
	h.Write([]byte(number))
	return int(h.Sum32() % eddShards)
}

func eddPK(projectID string, shard int) string { return fmt.Sprintf("EDD#%s#%d", projectID, shard) }

func eddGroupSK(group string) string { return skEddGroup + group }

func eddCountedSK(number string) string { return skEddCounted + number }

// eddBucketAttr names the attribute counting bucket b of tag t.
func eddBucketAttr(t tag.Tag, b int) string { return string(t) + "_" + strconv.Itoa(b) }

// parseEddBucketAttr reads an attribute name eddBucketAttr made.
func parseEddBucketAttr(name string) (tag.Tag, int, bool) {
	i := strings.LastIndexByte(name, '_')
	if i <= 0 {
		return "", 0, false
	}
	b, err := strconv.Atoi(name[i+1:])
	if err != nil {
		return "", 0, false
	}
	t, ok := tag.ParseTag(name[:i])
	return t, b, ok
}
