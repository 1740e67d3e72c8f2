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
//	aggregate   EDD#<project>#<shard>   G#<group key>      n, <tag>_<bucket>..., <tag>_g<bucket>..., <tag>_d<bucket>...
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
// (edd.Histogram), an attribute only for buckets that ever counted one;
// <tag>_g<bucket> how many of their gaps between events in tag took
// bucket's time, <tag>_d<bucket> how many stayed that long in tag in all.
// Gaps and stays are in the same items as the transit times so the read
// of an estimate brings the stall thresholds with it.
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

func eddShard(number string) int { return fnvShard(number, eddShards) }

func eddPK(projectID string, shard int) string { return fmt.Sprintf("EDD#%s#%d", projectID, shard) }

func eddGroupSK(group string) string { return skEddGroup + group }

func eddCountedSK(number string) string { return skEddCounted + number }

// eddHist names one of an aggregate's histograms per tag (edd.Aggregate):
// Since, Gaps, Dwell.
type eddHist byte

const (
	eddSince eddHist = iota
	eddGaps
	eddDwell
)

// eddHistMark sets a histogram's attributes apart: Since's are
// <tag>_<bucket>, as stored from the start; Gaps' <tag>_g<bucket> and
// Dwell's <tag>_d<bucket>, names that a reader knowing only Since's skips
// (its bucket is no number), so items gain them without a migration.
var eddHistMark = [...]string{eddSince: "", eddGaps: "g", eddDwell: "d"}

// eddBucketAttr names the attribute counting bucket b of tag t in
// histogram k.
func eddBucketAttr(k eddHist, t tag.Tag, b int) string {
	return string(t) + "_" + eddHistMark[k] + strconv.Itoa(b)
}

// parseEddBucketAttr reads an attribute name eddBucketAttr made.
func parseEddBucketAttr(name string) (eddHist, tag.Tag, int, bool) {
	i := strings.LastIndexByte(name, '_')
	if i <= 0 {
		return 0, "", 0, false
	}
	t, ok := tag.ParseTag(name[:i])
	if !ok {
		return 0, "", 0, false
	}
	rest, k := name[i+1:], eddSince
	for m, mark := range eddHistMark {
		if mark != "" && strings.HasPrefix(rest, mark) {
			rest, k = rest[len(mark):], eddHist(m)
			break
		}
	}
	if rest == "" || rest[0] < '0' || rest[0] > '9' {
		return 0, "", 0, false
	}
	b, err := strconv.Atoi(rest)
	if err != nil {
		return 0, "", 0, false
	}
	return k, t, b, true
}

// Keys of the stall and late watches (Watches) and of the delivery
// analytics (Outcomes):
//
//	item      PK                          SK                     GSI3PK / GSI3SK
//	watch     WATCH#<number>              WATCH                  WATCH#<shard> / <listed>#<number>, while one is owed
//	counted   OUTCOME#<project>#<shard>   N#<number>             (expires)
//	figures   OUTCOME#<project>#<shard>   W#<week>#<group key>
//
// A watch is in GSI3, the sparse index the sweeper already reads for
// stuck work and expiring associations, while it owes a check
// (listed at edd.Watch.Indexed, at or before its Due: an event that
// moves the Due later leaves the entry, which a check finding it early
// moves, so most events write no index entry): a new prefix there costs
// nothing more, where a GSI of its own would add an index to keep for
// the same query shape (due by now, per shard). The entry goes with the last announcement, so a check
// costs one Query per shard, never a Scan; the shard is a hash of the
// number, spreading a busy project's writes over watchShards partitions.
// An outcome is one transaction in its number's shard: the counted
// marker (only if absent) and an ADD to each of its groups' figures of
// the week, so it counts once however often it is recorded; a range of
// weeks is one Query per shard (the figures sort by week).
const (
	watchShards = 16
	// outcomeShards spreads a busy project's deliveries over partitions;
	// few, since a read costs a Query per shard.
	outcomeShards = 4
	skOutcomeWeek = "W#"
)

func watchKey(number string) item {
	return item{attrPK: str("WATCH#" + number), attrSK: str("WATCH")}
}

func watchShard(number string) int { return fnvShard(number, watchShards) }

func watchGSI3PK(shard int) string { return fmt.Sprintf("WATCH#%02d", shard) }

func watchGSI3SK(due time.Time, number string) string { return formatTime(due) + "#" + number }

// watchDueBy bounds the GSI3SK of the watches due at or before now: "$"
// sorts after "#".
func watchDueBy(now time.Time) string { return formatTime(now) + "$" }

func outcomePK(projectID string, shard int) string {
	return fmt.Sprintf("OUTCOME#%s#%d", projectID, shard)
}

func outcomeShard(number string) int { return fnvShard(number, outcomeShards) }

func outcomeCountedSK(number string) string { return skEddCounted + number }

// outcomeWeekSK is the figures of group in week; with group "", the
// start of the week's figures.
func outcomeWeekSK(week, group string) string { return skOutcomeWeek + week + "#" + group }

// outcomeWeekEnd sorts after every figure of week.
func outcomeWeekEnd(week string) string { return skOutcomeWeek + week + "$" }

func parseOutcomeWeekSK(sk string) (week, group string) {
	week, group, _ = strings.Cut(strings.TrimPrefix(sk, skOutcomeWeek), "#")
	return week, group
}

func fnvShard(s string, shards int) int {
	h := fnv.New32a()
	h.Write([]byte(s))
	return int(h.Sum32() % uint32(shards))
}
