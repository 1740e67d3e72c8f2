package dynamo

import (
	"fmt"
	"hash/fnv"
	"time"

	"github.com/parcelgate/parcelgate/internal/request"
	"github.com/parcelgate/parcelgate/internal/sorttime"
)

// The tracker's index (GSI2). Every request is in its client's partition
//
//	GSI2PK = CLIENT#<client>   GSI2SK = <receivedAt>#<id>
//
// through a job's item, or a message request's marker item (SK IDX#,
// clientMarker), and, in the request's partition, one small marker item
// per search key the request answers to, with
//
//	PK = REQ#<id>  SK = IDX#<key>  GSI2PK = CLIENT#<client>#<key>  GSI2SK = <receivedAt>#<id>
//
// A message request's item is updated as it is processed (started,
// finished): were it in the index itself, each update would write its
// client's partition again, the busiest of the index (three writes a
// request). Its marker is written once, with the others. Message requests
// stored before the marker carry the key on their item; both are read
// alike, by the key alone.
//
// where <key> is TS#<type>#<status> for each facet (message type and status
// occurring together), TS#*#<status> for each status, and REF#<reference>
// for the batch reference and each message's external reference. Every
// tracker criterion is then a Query on one GSI2 partition of the caller's
// client over a time range: its cost follows the answer, not the client's
// history, and no key can reach another client.
//
// A message request's facet markers are written with it and moved once,
// when it finishes: starting it moves none (two puts and two deletes, each
// also in the index, for a state that lasts one invocation), so its
// queued markers stand for it while it is processing, and a search by
// Processing reads the Queued partition beside the Processing one (where
// jobs, and requests started by earlier versions, are). The request's item
// then decides: its facets are kept as received until it finishes, and
// read as started while it is processing. The move follows the finish's
// update of the item; a processor stopped between the two leaves it to
// the request's next delivery (CompleteFinish).

const (
	attrGSI2PK = "GSI2PK"
	attrGSI2SK = "GSI2SK"
	indexGSI2  = "GSI2"
	skIndex    = "IDX#"

	// maxIndexedTypes bounds the message types one request is indexed
	// under: unknown types are caller-chosen strings.
	maxIndexedTypes = 20
	maxIndexedKey   = 200
)

func clientGSI2PK(clientID, key string) string {
	if key == "" {
		return "CLIENT#" + clientID
	}
	return "CLIENT#" + clientID + "#" + key
}

func requestGSI2SK(receivedAt time.Time, id string) string {
	return sorttime.Format(receivedAt) + "#" + id
}

// clientMarker is the key of a message request's marker in its client's
// partition (clientGSI2PK of it is CLIENT#<client>).
const clientMarker = ""

// FacetKey is the index key of requests with messages of a type and status.
func FacetKey(f request.Facet) string { return facetKeyPrefix + f.Type + "#" + string(f.Status) }

// facetKeyPrefix begins every facet key: a request's facet markers are
// the items of its partition under skIndex + facetKeyPrefix.
const facetKeyPrefix = "TS#"

// RefKey is the index key of requests with a batch or message reference.
func RefKey(ref string) string { return "REF#" + ref }

// facetKeys returns the keys of facets, with the any-type key of each status.
func facetKeys(facets []request.Facet) []string {
	set := map[string]bool{}
	typesSeen := map[string]bool{}
	for _, f := range facets {
		set[FacetKey(request.Facet{Type: request.AnyType, Status: f.Status})] = true
		if !typesSeen[f.Type] && len(typesSeen) >= maxIndexedTypes {
			continue
		}
		typesSeen[f.Type] = true
		set[FacetKey(f)] = true
	}
	return sortedSet(set)
}

func refKeys(refs []string) []string {
	set := map[string]bool{}
	for _, r := range refs {
		if r != "" {
			set[RefKey(r)] = true
		}
	}
	return sortedSet(set)
}

// The sweeper's index (GSI3) is sparse: only unfinished work is in it.
// A job, message request, import or processing task item carries, from
// the moment it is stored until it is finished,
//
//	GSI3PK = OPEN#<shard>   GSI3SK = <deadline>#<id>
//
// where the deadline is when the work counts as stuck (package sweep) and
// moves when processing starts or the work is sent again. Finishing the
// work removes both attributes in the same update that records its end, so
// the index holds exactly the open work and a sweep costs one Query per
// shard for the work past its deadline: never a Scan, and nothing for the
// millions of finished jobs. The shard is a hash of the id, so the writes
// of many requests a second spread over sweepShards index partitions.
const (
	attrGSI3PK  = "GSI3PK"
	attrGSI3SK  = "GSI3SK"
	indexGSI3   = "GSI3"
	sweepShards = 16
)

func sweepShard(id string) int {
	h := fnv.New32a()
	h.Write([]byte(id))
	return int(h.Sum32() % sweepShards)
}

func sweepGSI3PK(shard int) string { return fmt.Sprintf("OPEN#%02d", shard) }

func sweepGSI3SK(due time.Time, id string) string { return formatTime(due) + "#" + id }

// sweepKeys are the index attributes of open work due at due (none when
// due is zero).
func sweepKeys(id string, due time.Time) (pk, sk string) {
	if due.IsZero() {
		return "", ""
	}
	return sweepGSI3PK(sweepShard(id)), sweepGSI3SK(due, id)
}

// The expiry index shares GSI3 (sparse) with the sweeper's open work. An
// association whose tracking_number.expiring event is still to come
// carries, from the write that sets its expiry,
//
//	GSI3PK = EXPIRY#<expiry day, UTC>#<shard>   GSI3SK = <expiresAt>#<carrier>
//
// where the shard is its own (a hash of the number). Once its event is
// recorded and queued both attributes are removed, and a renewal sets them
// again for the new expiry. A check reads, per shard, the day partitions
// from today to the end of the notice window, with a key condition on the
// expiry: it costs what it returns, one small Query per partition when
// nothing is due, whatever the number of associations. The table's keys,
// projected into every index, give the project and the number; the
// carrier rides in the sort key, so nothing else is read.
//
// A day spreads over expiryShards partitions by a hash of the number, so
// a project adding numbers quickly (all expiring on the same day) stays
// under a partition's write limit: at 100,000 events/s the largest
// client's job burst puts about 60,000 associations a second on one day,
// which 16 shards (the count before) could not hold and 80 hold below 80 %
// (docs/scale.md). Entries written under 16 shards sit in EXPIRY#<day>#00
// to #15, partitions a check still reads, so they are noticed as before;
// the write that renews an association moves its entry to its new shard.
// A check costs expiryShards Queries per day of the notice window.
const expiryShards = 96

func expiryShard(number string) int {
	h := fnv.New32a()
	h.Write([]byte(number))
	return int(h.Sum32() % expiryShards)
}

func expiryGSI3PK(expiresAt time.Time, shard int) string {
	return fmt.Sprintf("EXPIRY#%s#%02d", expiresAt.UTC().Format(time.DateOnly), shard)
}

func expiryGSI3SK(expiresAt time.Time, carrier string) string {
	return sorttime.Format(expiresAt) + "#" + carrier
}

// expiryKeys are the index attributes of an association of number,
// expiring at expiresAt.
func expiryKeys(number, carrier string, expiresAt time.Time) (pk, sk string) {
	expiresAt = time.Unix(expiresAt.Unix(), 0) // as the association keeps it
	return expiryGSI3PK(expiresAt, expiryShard(number)), expiryGSI3SK(expiresAt, carrier)
}
