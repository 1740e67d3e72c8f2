package dynamo

import "time"

// Partition keys of the table and its indexes, built by the store's own
// key builders, for the partition-level scale simulation
// (internal/scalesim): a change of the key layout changes what it
// reports at once, with nothing copied to drift.

// TrackingPartition holds a parcel: shipment, state, events, NOTIFIED,
// SUBSCRIBERS.
func TrackingPartition(number string) string { return trackingPK(number) }

// NotificationPartition holds a project's notifications (the event feed)
// of number's shard; the projects are created now, with the count of
// shards new projects get (shards.go).
func NotificationPartition(projectID, number string) string {
	return notificationPK(projectID, associationShards, number)
}

// AssociationPartition holds a project's associations of number's shard.
func AssociationPartition(projectID, number string) string {
	return associationPK(projectID, shards(associationShards).of(number))
}

// TagIndexPartition is the GSI1 partition of a project's associations
// with one tag, in number's shard.
func TagIndexPartition(projectID, tag, number string) string {
	return associationTagGSI1PK(projectID, tag, shards(associationShards).of(number))
}

// ExpiryIndexPartition is the GSI3 partition of an association of number
// expiring at expiresAt.
func ExpiryIndexPartition(number string, expiresAt time.Time) string {
	pk, _ := expiryKeys(number, "", expiresAt)
	return pk
}

// SweepIndexPartition is the GSI3 partition of open work with id.
func SweepIndexPartition(id string) string { return sweepGSI3PK(sweepShard(id)) }

// RequestPartition holds a job or a message request and its chunks and
// markers.
func RequestPartition(id string) string { return requestPK(id) }

// TrackerIndexPartition is the GSI2 partition of a client's requests
// (key "") or of those answering to key (FacetKey, RefKey).
func TrackerIndexPartition(clientID, key string) string { return clientGSI2PK(clientID, key) }

// ProjectJobsIndexPartition is the GSI1 partition of a project's jobs.
func ProjectJobsIndexPartition(projectID string) string { return projectJobsGSI1PK(projectID) }

// ProjectPartition holds a project, its members and its webhook endpoints.
func ProjectPartition(projectID string) string { return projectPK(projectID) }

// AttemptPartition holds an endpoint's delivery attempts of the event's
// shard.
func AttemptPartition(webhookID, eventID string) string {
	return attemptPK(webhookID, attemptShard(eventID))
}

// PrincipalPartition holds a credential, read on every request it makes.
func PrincipalPartition(id string) string { return principalPK(id) }

// RecordPartition holds a project's records of one entity, in code's
// shard.
func RecordPartition(projectID, entity, code string) string {
	return getS(recordKey(recordShards, projectID, entity, code), attrPK)
}

// RecordPartitions are the partitions of a project's records of one
// entity, one per shard.
func RecordPartitions(projectID, entity string) []string {
	out := make([]string, recordShards)
	for i := range out {
		out[i] = dataPK(recordShards, projectID, entity, i)
	}
	return out
}

// DeltaIndexPartition is the GSI1 partition of an entity's records not
// yet exported, in code's shard.
func DeltaIndexPartition(projectID, entity, code string) string {
	return dataExportGSI1PKOf(RecordPartition(projectID, entity, code))
}

// IdempotencyPartition holds one idempotency key of a client's project.
func IdempotencyPartition(clientID, projectID, key string) string {
	return idempotencyPK(clientID, projectID, key)
}
