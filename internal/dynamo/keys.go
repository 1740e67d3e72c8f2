// Package dynamo is the DynamoDB adapter: it stores the domain's records in
// one table and translates SDK errors into the domain's errors.
package dynamo

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/parcelgate/parcelgate/internal/sorttime"
)

// Every key of the single table is built here, so the key design can be
// read in one place.
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
// Associations are spread over associationShards partitions per project,
// by a hash of the number: a project of 10 million numbers receiving many
// jobs at once writes to 16 partitions, not one, and "is N associated to P"
// is still one GetItem. GSI1 answers "which projects subscribe N".
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
	// associationShards partitions a project's associations.
	associationShards = 16
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

func notificationPK(projectID, number string) string {
	return fmt.Sprintf("NOTIFY#%s#%02d", projectID, associationShard(number))
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

func associationShard(number string) int {
	h := fnv.New32a()
	h.Write([]byte(number))
	return int(h.Sum32() % associationShards)
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

// Data exchange (weavy-compatible) keys.
//
//	item          PK                          SK                         GSI1PK                GSI1SK
//	record        DATA#<p>#<entity>           <code>                     DATAX#<p>#<entity>    <srvDateUTC>#<code>
//	reference     DATAREF#<p>#<entity>#<code> <from entity>#<field>#<from code>
//	tracked       DATATRK#<number>            <p>#<entity>#<code>
//
// An entity's records are one partition in code order (simple retrieval,
// paging, filtered reads). GSI1 holds a record only while srvExport = 0
// (the attributes are removed on export validation), so the delta-sync
// query reads exactly the rows it returns, by srvDateUTC. A reference item
// per foreign key value, written in the same transaction as the record
// that holds it, answers "every record that refers to X" with one Query
// (physical delete, merge). A tracked item per shipment tracking number
// answers "the shipments of number N" when its status moves.

func dataPK(projectID, entity string) string { return "DATA#" + projectID + "#" + entity }

func dataExportGSI1PK(projectID, entity string) string { return "DATAX#" + projectID + "#" + entity }

func dataExportGSI1SK(stamp, code string) string { return stamp + "#" + code }

func dataRefPK(projectID, entity, code string) string {
	return "DATAREF#" + projectID + "#" + entity + "#" + code
}

func dataRefSK(fromEntity, field, fromCode string) string {
	return fromEntity + "#" + field + "#" + fromCode
}

func dataTrackedPK(number string) string { return "DATATRK#" + number }

func dataTrackedSK(projectID, entity, code string) string {
	return projectID + "#" + entity + "#" + code
}

// Accounts and tasks (weavy-compatible) keys.
//
//	item          PK                  SK
//	licences      PROJECT#<p>         LICENCES
//	task          TASKS#<p>           TASK#<id>
//	pending task  TASKS#<p>           PENDING#<code>
//
// The licences item holds the project's licences and its count of active
// accounts: every activation and release updates it in the account's own
// transaction. A project's tasks are one partition, newest first by their
// time-ordered ids; a pending item per task code exists while a task of
// that code waits in the queue, so "is one pending" is a condition on a
// put, never a read. An unfinished task carries the sweeper's GSI3 keys
// (see sweep.go); the sweep reads its project back from its PK.

const skLicences = "LICENCES"

func tasksPK(projectID string) string { return "TASKS#" + projectID }

// tasksProject is the project of a tasks partition key ("" for another key).
func tasksProject(pk string) string {
	p, ok := strings.CutPrefix(pk, "TASKS#")
	if !ok {
		return ""
	}
	return p
}

func taskSK(id string) string { return "TASK#" + id }

func pendingTaskSK(code string) string { return "PENDING#" + code }

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
// a large project's numbers in one tag (Delivered, say) spread over 16
// partitions as its associations do.
func associationTagGSI1PK(projectID, tag string, shard int) string {
	return fmt.Sprintf("TAGGED#%s#%s#%02d", projectID, tag, shard)
}
