package dynamo

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parcelgate/parcelgate/internal/job"
)

// A job writes an association and its number's subscribers entry one
// after the other, each alone and conditional (billed once; the two in
// one transaction were billed twice), in the order that keeps the entry
// from ever answering for an association that a finished job left:
//
//   - an addition claims the entry first, on the association's own
//     condition (claimEntry), and only the claim's holder puts the
//     association;
//   - a renewal moves the association first, and the entry after it to
//     the times the association holds (growEntry);
//   - a removal deletes the association first, and the entry after it
//     (dropEntry), each on the removal's decision time.
//
// A processor dying between the two writes leaves an entry ahead of its
// association: the project hears of the number's changes from the
// moment the addition claims it, and until the removal completes; a
// renewal's entry keeps the old expiry, which matters only if that
// passes before the job is done. The job's redelivery makes the same
// writes at the same decision time, and completes the pair; a job given
// up on settles what it left first (Abandon).
//
// Two interleavings are not closed, each needing a write to land inside
// another writer's single round trip: a removal's drop made again (a
// duplicate delivery, or Abandon) after its pair was done can take the
// fresh claim of an addition decided before the removal, whose
// association then stands without its entry; and a claim made past an
// entry that expired while a renewal sat between its two writes is
// settled from an association read that a removal may overtake.

// AddAssociations implements job.Store. A claim lost means another
// writer holds the number: its association is read back, and a number
// whose association is not written yet (its writer is between the two
// writes, or a removal is) is tried again after a pause; after
// maxBatchAttempts the call fails, and the job with it, to be tried
// again later.
func (s *Jobs) AddAssociations(ctx context.Context, as []job.Association) ([]job.Association, error) {
	stored := make([]job.Association, len(as))
	pending := make([]int, len(as))
	for i := range as {
		pending[i] = i
	}
	for attempt := 1; len(pending) > 0; attempt++ {
		if attempt > maxBatchAttempts {
			return nil, fmt.Errorf("%d of %d associations: %w", len(pending), len(as), errStillClaimed)
		}
		if attempt > 1 {
			if err := backoff(ctx, attempt-1); err != nil {
				return nil, err
			}
		}
		// Each number's put follows its own claim at once: the shorter a
		// claim stands alone, the sooner another writer finds it settled.
		held := make([]bool, len(as))
		if _, err := each(ctx, pending, func(ctx context.Context, i int) (bool, error) {
			claimed, err := s.claimEntry(ctx, as[i])
			if !claimed || err != nil {
				return false, err
			}
			held[i] = true
			put, err := s.putIfAbsent(ctx, as[i])
			if put {
				stored[i] = as[i]
			}
			return put, err
		}); err != nil {
			return nil, err
		}
		var err error
		if pending, err = s.readBack(ctx, as, stored, pending, held); err != nil {
			return nil, err
		}
	}
	return stored, nil
}

// readBack reads the associations of the pending numbers not stored
// yet, consistently, keeps the live ones found, settles the claims of
// those held (claimed, but a live association was there), and returns
// the numbers still to try.
func (s *Jobs) readBack(ctx context.Context, as, stored []job.Association, pending []int, held []bool) ([]int, error) {
	var lost []int
	var keys []item
	for _, i := range pending {
		if stored[i].ProjectID == "" {
			count, err := s.shardsOf(ctx, as[i].ProjectID)
			if err != nil {
				return nil, err
			}
			lost = append(lost, i)
			keys = append(keys, associationKey(as[i].ProjectID, count, as[i].TrackingNumber))
		}
	}
	found, err := s.associationsAt(ctx, keys)
	if err != nil {
		return nil, err
	}
	var again []int
	for _, i := range lost {
		a, ok := found[as[i].ProjectID+"\x00"+as[i].TrackingNumber]
		if !ok || a.Expired(as[i].AddedAt) {
			again = append(again, i)
			continue
		}
		stored[i] = a
		if held[i] {
			if err := s.settleClaim(ctx, as[i], a); err != nil {
				return nil, err
			}
		}
	}
	return again, nil
}

// associationsAt reads associations by key, by project and number.
func (s *Jobs) associationsAt(ctx context.Context, keys []item) (map[string]job.Association, error) {
	items, err := s.batchGet(ctx, keys)
	if err != nil {
		return nil, err
	}
	found := make(map[string]job.Association, len(items))
	for _, raw := range items {
		var it associationItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return nil, err
		}
		a, err := it.association()
		if err != nil {
			return nil, err
		}
		found[it.ProjectID+"\x00"+it.TrackingNumber] = a
	}
	return found, nil
}

// putIfAbsent puts a unless a live association of its number exists,
// and reports whether it did.
func (s *Jobs) putIfAbsent(ctx context.Context, a job.Association) (bool, error) {
	count, err := s.shardsOf(ctx, a.ProjectID)
	if err != nil {
		return false, err
	}
	expiryPK, expirySK := expiryKeys(a.TrackingNumber, a.Carrier, a.ExpiresAt)
	av, err := attributevalue.MarshalMap(associationItem{
		PK: associationPK(a.ProjectID, count.of(a.TrackingNumber)), SK: associationSK(a.TrackingNumber),
		GSI1PK: associationTagGSI1PK(a.ProjectID, a.Tag, count.of(a.TrackingNumber)), GSI1SK: associationSK(a.TrackingNumber),
		GSI3PK: expiryPK, GSI3SK: expirySK,
		ProjectID: a.ProjectID, TrackingNumber: a.TrackingNumber, Carrier: a.Carrier,
		AddedAt: formatTime(a.AddedAt), ExpiresAt: a.ExpiresAt.Unix(), JobID: a.JobID, AddedBy: a.AddedBy,
		Tag: a.Tag, TagSequence: a.TagSequence,
	})
	if err != nil {
		return false, err
	}
	if a.JobID == "" {
		delete(av, "jobId") // not a job's (a processing task's): the API shows null
	}
	_, err = s.Client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           &s.Name,
		Item:                av,
		ConditionExpression: aws.String("attribute_not_exists(PK) OR expiresAt <= :at"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":at": &types.AttributeValueMemberN{Value: strconv.FormatInt(a.AddedAt.Unix(), 10)},
		},
	})
	if isConditionFailed(err) {
		return false, nil
	}
	return err == nil, err
}

// Apply implements job.Store. A renewal only moves an association's
// expiry forward, and a removal spares an association (re)added after
// the job's decision time, so a job delivered again after a later job
// never undoes that job's changes. A renewal whose condition failed
// was made before (a redelivery) or overtaken; the entry is moved to
// what the association holds when that is at least the renewal, so a
// crash between the two writes is completed; an association gone meanwhile
// leaves its entry to its removal.
func (s *Jobs) Apply(ctx context.Context, projectID string, renew []job.Association, remove []string, at time.Time) error {
	is := make([]int, len(renew))
	for i := range renew {
		renew[i].ProjectID, is[i] = projectID, i
	}
	renewed, err := each(ctx, is, func(ctx context.Context, i int) (bool, error) { return s.renewAssociation(ctx, renew[i]) })
	if err != nil {
		return err
	}
	count, err := s.shardsOf(ctx, projectID)
	if err != nil {
		return err
	}
	var keys []item
	for k, i := range is {
		if !renewed[k] {
			keys = append(keys, associationKey(projectID, count, renew[i].TrackingNumber))
		}
	}
	found, err := s.associationsAt(ctx, keys)
	if err != nil {
		return err
	}
	if _, err := each(ctx, is, func(ctx context.Context, i int) (bool, error) {
		a := renew[i]
		if !renewed[i] {
			cur, ok := found[projectID+"\x00"+a.TrackingNumber]
			if !ok || cur.ExpiresAt.Before(a.ExpiresAt) {
				return false, nil
			}
			a = cur
		}
		return true, s.growEntry(ctx, a)
	}); err != nil {
		return err
	}
	rs := make([]int, len(remove))
	for i := range remove {
		rs[i] = i
	}
	decided := formatTime(at)
	_, err = each(ctx, rs, func(ctx context.Context, i int) (bool, error) {
		if _, err := s.deleteIfOlder(ctx, projectID, remove[i], decided); err != nil {
			return false, err
		}
		// Whether this call deleted the association or an earlier
		// delivery did, the entry follows it.
		return true, s.dropEntry(ctx, projectID, remove[i], decided)
	})
	return err
}

// renewAssociation moves a's association to a's times if they are later,
// and reports whether it did.
func (s *Jobs) renewAssociation(ctx context.Context, a job.Association) (bool, error) {
	count, err := s.shardsOf(ctx, a.ProjectID)
	if err != nil {
		return false, err
	}
	expiryPK, expirySK := expiryKeys(a.TrackingNumber, a.Carrier, a.ExpiresAt)
	values := map[string]types.AttributeValue{
		":c":     str(a.Carrier),
		":added": str(formatTime(a.AddedAt)),
		":exp":   &types.AttributeValueMemberN{Value: strconv.FormatInt(a.ExpiresAt.Unix(), 10)},
		":xpk":   str(expiryPK),
		":xsk":   str(expirySK),
	}
	update := "SET carrier = :c, addedAt = :added, expiresAt = :exp, GSI3PK = :xpk, GSI3SK = :xsk"
	if a.JobID != "" {
		update += ", jobId = :job"
		values[":job"] = str(a.JobID)
	} else {
		update += " REMOVE jobId" // renewed by a processing task, not a job
	}
	return s.updateIf(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.Name,
		Key:                       associationKey(a.ProjectID, count, a.TrackingNumber),
		UpdateExpression:          &update,
		ConditionExpression:       aws.String("attribute_exists(PK) AND expiresAt < :exp"),
		ExpressionAttributeValues: values,
	})
}

// deleteIfOlder deletes number's association unless it was (re)added
// after the decision time at.
func (s *Jobs) deleteIfOlder(ctx context.Context, projectID, number, at string) (bool, error) {
	count, err := s.shardsOf(ctx, projectID)
	if err != nil {
		return false, err
	}
	_, err = s.Client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                 &s.Name,
		Key:                       associationKey(projectID, count, number),
		ConditionExpression:       aws.String("addedAt <= :at"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":at": str(at)},
	})
	if isConditionFailed(err) {
		return false, nil
	}
	return err == nil, err
}

// Abandon implements job.Store: the pairs a job given up on left half
// written are settled as its redelivery would have, without it. An
// addition's claim whose association was never put is taken back (or
// given the association's times, when another writer's is there); a
// removal's entry whose association it deleted is dropped.
func (s *Jobs) Abandon(ctx context.Context, j job.Job, numbers []string) error {
	if j.StartedAt.IsZero() || len(numbers) == 0 {
		return nil // never started: nothing written
	}
	count, err := s.shardsOf(ctx, j.ProjectID)
	if err != nil {
		return err
	}
	keys := make([]item, len(numbers))
	for i, n := range numbers {
		keys[i] = associationKey(j.ProjectID, count, n)
	}
	found, err := s.associationsAt(ctx, keys)
	if err != nil {
		return err
	}
	is := make([]int, len(numbers))
	for i := range numbers {
		is[i] = i
	}
	decided := formatTime(j.StartedAt)
	_, err = each(ctx, is, func(ctx context.Context, i int) (bool, error) {
		cur, ok := found[j.ProjectID+"\x00"+numbers[i]]
		switch {
		case j.Action == job.Remove && !ok:
			return true, s.dropEntry(ctx, j.ProjectID, numbers[i], decided)
		case j.Action == job.Remove:
			return false, nil
		case !ok:
			return true, s.releaseClaim(ctx, job.Association{ProjectID: j.ProjectID, TrackingNumber: numbers[i], AddedAt: j.StartedAt, AddedBy: j.ID})
		}
		claim := job.Association{ProjectID: j.ProjectID, TrackingNumber: numbers[i], AddedAt: j.StartedAt, ExpiresAt: j.StartedAt.Add(job.AssociationTTL), AddedBy: j.ID}
		return true, s.settleClaim(ctx, claim, cur)
	})
	return err
}
