package dynamo

import (
	"fmt"
	"strconv"
	"strings"
)

// Data exchange (weavy-compatible) keys.
//
//	item          PK                            SK                         GSI1PK                        GSI1SK
//	record        DATA#<p>#<entity>[#<shard>]   <code>                     DATAX#<p>#<entity>[#<shard>]  <srvDateUTC>#<code>
//	reference     DATAREF#<p>#<entity>#<code>   <from entity>#<field>#<from code>
//	tracked       DATATRK#<number>              <p>#<entity>#<code>
//
// An entity's records spread over the project's record shards by a hash
// of the code, each shard one partition in code order; ordered, paged and
// filtered reads merge the shards (records_read.go). The count is fixed
// when the project is created and kept on its project item
// (recordShards): a project created now gets 4, and a project item
// without it (every project created before) keeps 1, whose records sit in
// DATA#<p>#<entity> with no shard suffix, where they were written, so no
// stored record moves. Why 4: at 100,000 events/s, with one client
// sending a third of the traffic, its project's shipments put 1,631 write
// units a second on one partition; in 4 the hottest takes 42 % of a
// partition's limit (docs/scale.md), for a Query per shard on every page.
//
// GSI1 holds a record only while srvExport = 0 (the attributes are
// removed on export validation), so the delta-sync query reads exactly
// the rows it returns, by srvDateUTC, in the shard of the record's own
// partition. A reference item per foreign key value, written in the same
// transaction as the record that holds it, answers "every record that
// refers to X" with one Query (physical delete, merge). A tracked item per
// shipment tracking number answers "the shipments of number N" when its
// status moves.

const (
	recordShards       = 4
	legacyRecordShards = 1
)

// dataBasePK is the partition of an entity's records in a project of one
// record shard, and the partition a records cursor is bound to.
func dataBasePK(projectID, entity string) string { return "DATA#" + projectID + "#" + entity }

// dataPK is the partition of shard of an entity's records in a project of
// n record shards.
func dataPK(n shards, projectID, entity string, shard int) string {
	if n <= legacyRecordShards {
		return dataBasePK(projectID, entity)
	}
	return dataBasePK(projectID, entity) + "#" + strconv.Itoa(shard)
}

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

// recordKey is the key of a record in a project of n record shards.
func recordKey(n shards, projectID, entity, code string) item {
	return item{attrPK: str(dataPK(n, projectID, entity, n.of(code))), attrSK: str(code)}
}

func licencesKey(projectID string) item {
	return item{attrPK: str(projectPK(projectID)), attrSK: str(skLicences)}
}

func taskKey(projectID, id string) item {
	return item{attrPK: str(tasksPK(projectID)), attrSK: str(taskSK(id))}
}

func pendingKey(projectID, code string) item {
	return item{attrPK: str(tasksPK(projectID)), attrSK: str(pendingTaskSK(code))}
}

func importPK(id string) string { return "DATATX#" + id }

func importKey(id string) item { return item{attrPK: str(importPK(id)), attrSK: str("TX")} }

func importChunkKey(id string, n int) item {
	return item{attrPK: str(importPK(id)), attrSK: str(fmt.Sprintf("J#%05d", n))}
}

// dataExportGSI1PKOf is the delta-sync partition of the records of the
// partition pk (a dataPK).
func dataExportGSI1PKOf(pk string) string { return "DATAX#" + strings.TrimPrefix(pk, "DATA#") }
