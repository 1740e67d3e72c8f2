package dynamo

import (
	"fmt"
	"strings"
)

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

func recordKey(projectID, entity, code string) item {
	return item{attrPK: str(dataPK(projectID, entity)), attrSK: str(code)}
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
