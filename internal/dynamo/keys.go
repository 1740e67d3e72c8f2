// Package dynamo is the DynamoDB adapter: it stores the domain's records in
// one table and translates SDK errors into the domain's errors. Open gives
// one adapter per store port (Jobs, Requests, Tracking, Records, Imports,
// Webhooks, ...), each standing on Table, the layer that speaks DynamoDB.
//
// Every key is built in the keys files: keys.go (the table's layout,
// below), keys_data.go (data exchange, accounts and tasks) and
// keys_index.go (the secondary indexes: the tracker's GSI2, the sweep's
// and the expiry's GSI3) and keys_edd.go (delivery intelligence). No
// other file writes a key prefix.
package dynamo

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/parcelgate/parcelgate/internal/sorttime"
	"github.com/parcelgate/parcelgate/internal/tracking"
	"github.com/parcelgate/parcelgate/internal/webhook"
)

// Every key of the single table is built in the keys files, so the key
// design can be read in one place.
//
//	item        PK                   SK                   GSI1PK               GSI1SK
//	principal   PRINCIPAL#<id>       PRINCIPAL            CLIENT#<client>#PRINCIPALS <id> (not on deleted ones)
//	audit       AUDIT#<client>       <utc time>#<random>
//	project     PROJECT#<id>         PROJECT
//	member      PROJECT#<id>         MEMBER#<principal>   PRINCIPAL#<principal> PROJECT#<createdAt>#<id>
//	job         REQ#<id>             REQ                  PROJECT#<p>#JOBS     <createdAt>#<id>
//	job numbers REQ#<id>             IN#<chunk>
//	job results REQ#<id>             OUT#<chunk>
//	idempotency IDEM#<c>#<p>#<key>   IDEM
//	association ASSOC#<p>#<shard>    TN#<number>          (none from jobs; TN#<number> PROJECT#<p> from records.go)
//	messages    REQ#<id>             MSG#<chunk>
//	outcomes    REQ#<id>             RES#<chunk>
//	shipment    TRK#<number>         SHIPMENT
//	event       TRK#<number>         EV#<utc time>#<digest>
//	service     TRK#<number>         SVC#<utc time>#<digest>
//	notified    TRK#<number>         NOTIFIED
//	subscribers TRK#<number>         SUBSCRIBERS          (see subscribers.go)
//	notification NOTIFY#<p>#<shard>  <utc time of change>#<number>#<sequence>
//	attempt     WHATTEMPT#<webhook>#<shard> <utc time>#<attempt>#<random>
//
// and on every unfinished job or request item (see sweep.go)
//
//	GSI3PK = OPEN#<shard>   GSI3SK = <deadline>#<id>
//
// A principal's projects are one Query on GSI1; a project's members one
// Query on the base table; a project and a membership check are GetItems.
// A job is a request (REQ#): its numbers and results sit in its own
// partition in chunks of chunkSize, read in order by one Query. A project's
// jobs, newest first, are one Query on GSI1.
//
// Associations are spread over the project's shards (shards.go: 48, or 16
// for a project created before), by a hash of the number: a project of 10
// million numbers receiving many jobs at once writes to 48 partitions, not
// one, and "is N associated to P" is still one GetItem. GSI1 answers
// "which projects subscribe N".
// A message request is a request too: its messages and their outcomes sit
// in chunks in its partition. A parcel's tracking data is one partition:
// the shipment, its events (newest first is a reverse Query) and its
// service changes. An event's key is its time and a digest of its content,
// so the same event delivered twice is stored once.
//
// The shipment item is also the number's state: its owner (the client
// that first sent data for it), its current status and the sequence of
// its status changes, with the changes not yet known to be notified
// (pending). NOTIFIED holds the sequence up to which the subscribed
// projects got their notification records: a change lost to a crash
// between the two writes is still pending, and recorded on the retry.
// A notification is keyed by its change, so recording it twice is one.
//
// Items that expire carry expiresAt (epoch seconds), the table's TTL
// attribute; reads also filter on it, since deletion is lazy.

const (
	attrPK     = "PK"
	attrSK     = "SK"
	attrGSI1PK = "GSI1PK"
	attrGSI1SK = "GSI1SK"
	indexGSI1  = "GSI1"

	skPrincipal = "PRINCIPAL"
	skProject   = "PROJECT"
	skMember    = "MEMBER#"
)

const (
	skRequest     = "REQ"
	skInputChunk  = "IN#"
	skResultChunk = "OUT#"
	skIdempotency = "IDEM"

	// chunkSize numbers or results share one item (about 40 KB at most):
	// a job's 1,000 numbers are 4 items, written with the job in one
	// transaction and read in one Query. It also keeps a transaction within
	// DynamoDB Local's 10 items (DynamoDB itself allows 100).
	chunkSize = 250
)

const (
	skMessageChunk = "MSG#"
	skOutcomeChunk = "RES#"
	skShipment     = "SHIPMENT"
	skEvent        = "EV#"
	skService      = "SVC#"
	skNotified     = "NOTIFIED"
	skSubscribers  = "SUBSCRIBERS"
)

func trackingPK(number string) string { return "TRK#" + number }

// historySK keys an event or a service change by time and content.
func historySK(prefix string, at time.Time, parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return prefix + sorttime.Format(at) + "#" + hex.EncodeToString(sum[:8])
}

func notificationPK(projectID string, n shards, number string) string {
	return notificationShardPK(projectID, n.of(number))
}

// notificationSK orders a project's notifications by the time the status
// moved; the sequence makes a change's key one and the same on a retry.
func notificationSK(at time.Time, number string, sequence int) string {
	return fmt.Sprintf("%s#%s#%010d", sorttime.Format(at), number, sequence)
}

func requestPK(id string) string { return "REQ#" + id }

func chunkSK(prefix string, i int) string { return fmt.Sprintf("%s%03d", prefix, i) }

func projectJobsGSI1PK(projectID string) string { return "PROJECT#" + projectID + "#JOBS" }

func jobGSI1SK(createdAt, id string) string { return createdAt + "#" + id }

func idempotencyPK(clientID, projectID, key string) string {
	return "IDEM#" + clientID + "#" + projectID + "#" + key
}

func associationPK(projectID string, shard int) string {
	return fmt.Sprintf("ASSOC#%s#%02d", projectID, shard)
}

func associationSK(number string) string { return "TN#" + number }

func principalPK(id string) string { return "PRINCIPAL#" + id }

// clientPrincipalsGSI1PK lists a client's credentials. A principal stored
// before it existed gets it when it next gets a token.
func clientPrincipalsGSI1PK(clientID string) string { return "CLIENT#" + clientID + "#PRINCIPALS" }

func auditPK(clientID string) string { return "AUDIT#" + clientID }

// auditSK orders a client's audit entries by time; the time-ordered id
// (UUIDv7, monotonic within a process) keeps two entries of one instant
// apart and in the order they were written.
func auditSK(at time.Time, random string) string { return sorttime.Format(at) + "#" + random }

func projectPK(id string) string { return "PROJECT#" + id }

func memberSK(principalID string) string { return skMember + principalID }

func membershipGSI1SK(projectCreatedAt, projectID string) string {
	return "PROJECT#" + projectCreatedAt + "#" + projectID
}

// unmappedPK holds a client's tally of raw statuses no mapping table knows.
func unmappedPK(clientID string) string { return "UNMAPPED#" + clientID }

// unmappedSK names one raw status of one carrier; hashed, since statuses
// are the sender's text, of any characters and up to 64 of them.
func unmappedSK(carrier, status, origin string) string {
	sum := sha256.Sum256([]byte(carrier + "\x00" + status + "\x00" + origin))
	return "STATUS#" + hex.EncodeToString(sum[:12])
}

// associationTagGSI1PK is the tag index partition of a project's
// associations with one current tag, in one of the associations' shards:
// a large project's numbers in one tag (Delivered, say) spread over its
// shards as its associations do (shards.go).
func associationTagGSI1PK(projectID, tag string, shard int) string {
	return fmt.Sprintf("TAGGED#%s#%s#%02d", projectID, tag, shard)
}

func associationKey(projectID string, n shards, number string) item {
	return item{
		attrPK: &types.AttributeValueMemberS{Value: associationPK(projectID, n.of(number))},
		attrSK: &types.AttributeValueMemberS{Value: associationSK(number)},
	}
}

func itemKey(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		attrPK: &types.AttributeValueMemberS{Value: pk},
		attrSK: &types.AttributeValueMemberS{Value: sk},
	}
}

func requestKey(id string) item {
	return item{
		attrPK: &types.AttributeValueMemberS{Value: requestPK(id)},
		attrSK: &types.AttributeValueMemberS{Value: skRequest},
	}
}

func trackingKey(number, sk string) item {
	return item{
		attrPK: &types.AttributeValueMemberS{Value: trackingPK(number)},
		attrSK: &types.AttributeValueMemberS{Value: sk},
	}
}

func eventSK(ev tracking.Event) string { return skEvent + tracking.EventKey(ev) }

const subscriberAttrPrefix = "SUB#"

func subscribersKey(number string) item { return trackingKey(number, skSubscribers) }

const skWebhook = "WEBHOOK#"

func webhookSK(id string) string { return skWebhook + id }

// An endpoint's delivery attempts are spread over attemptShards
// partitions by a hash of the event id: every delivery to a busy endpoint
// writes one, more than one partition takes. The retries of one event
// share its shard. Attempts stored before the shards, under the bare
// legacyAttemptPK, are read beside them until they expire (AttemptTTL).
const attemptShards = 64

func attemptShard(eventID string) int {
	h := fnv.New32a()
	h.Write([]byte(eventID))
	return int(h.Sum32() % attemptShards)
}

func attemptPK(webhookID string, shard int) string {
	return fmt.Sprintf("WHATTEMPT#%s#%02d", webhookID, shard)
}

func legacyAttemptPK(webhookID string) string { return "WHATTEMPT#" + webhookID }

// webhookEventSK is where an event sits in its NOTIFY# partition. A
// tracking.exception record follows its change's notification record,
// so the feed gives the two in that order and a cursor between them
// loses neither.
func webhookEventSK(ref webhook.Ref) string {
	if suffix, ok := eventSuffixes[ref.Type]; ok {
		return sorttime.Format(ref.At) + "#" + ref.Subject + "#" + suffix
	}
	if ref.Type == webhook.TrackingException {
		return notificationSK(ref.At, ref.Subject, ref.Sequence) + "#exception"
	}
	return notificationSK(ref.At, ref.Subject, ref.Sequence)
}

func endpointKey(projectID, id string) item {
	return item{attrPK: str(projectPK(projectID)), attrSK: str(webhookSK(id))}
}

// notificationShardPK is one of the shards (shards.go) of a project's
// notifications (and of the webhook events stored beside them).
func notificationShardPK(projectID string, shard int) string {
	return fmt.Sprintf("NOTIFY#%s#%02d", projectID, shard)
}

const (
	skOutboxItem      = "ITEM"
	skOutboxArchive   = "ARCHIVE"
	outboxChunkDigits = "%03d"
)

func outboxPK(projectID, id string) string { return "OUTBOX#" + projectID + "#" + id }

func outboxDocPK(projectID, docID string) string { return "OUTBOXDOC#" + projectID + "#" + docID }

func outboxChunkSK(i int) string { return fmt.Sprintf(outboxChunkDigits, i) }

func outboxArchivePK(projectID, key string) string {
	sum := sha256.Sum256([]byte(key))
	return "OUTBOXARCHIVE#" + projectID + "#" + hex.EncodeToString(sum[:])
}

func outboxKey(projectID, id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrPK: str(outboxPK(projectID, id)), attrSK: str(skOutboxItem)}
}

// associationOfKeys reads the project and the number back from an
// association's keys; ok is false for keys of another item.
func associationOfKeys(pk, sk string) (projectID, number string, ok bool) {
	projectID, ok = strings.CutPrefix(pk, "ASSOC#")
	if i := strings.LastIndex(projectID, "#"); ok && i >= 0 {
		projectID = projectID[:i]
	}
	number, _ = strings.CutPrefix(sk, "TN#")
	return projectID, number, ok
}
