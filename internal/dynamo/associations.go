package dynamo

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/tag"
)

// associationItem is an association. Its GSI1 entry lists a project's
// numbers by current tag (TAGGED#<project>#<tag>#<shard>, sharded as the
// associations are), for the project's "what needs attention" list; the
// number → projects direction needs no index, a number's subscribers
// item answers it in one read. Items written before tags had a GSI1
// entry of another form (or none) until they are put or tagged again.
type associationItem struct {
	PK             string `dynamodbav:"PK"`
	SK             string `dynamodbav:"SK"`
	GSI1PK         string `dynamodbav:"GSI1PK,omitempty"` // tag index
	GSI1SK         string `dynamodbav:"GSI1SK,omitempty"`
	GSI3PK         string `dynamodbav:"GSI3PK,omitempty"` // expiry index (expiring.go)
	GSI3SK         string `dynamodbav:"GSI3SK,omitempty"`
	ProjectID      string `dynamodbav:"projectId"`
	TrackingNumber string `dynamodbav:"trackingNumber"`
	Carrier        string `dynamodbav:"carrier"`
	AddedAt        string `dynamodbav:"addedAt"`
	ExpiresAt      int64  `dynamodbav:"expiresAt"`
	JobID          string `dynamodbav:"jobId"`
	AddedBy        string `dynamodbav:"addedBy,omitempty"`
	Tag            string `dynamodbav:"tag,omitempty"`
	TagSequence    int    `dynamodbav:"tagSeq,omitempty"`
}

func (it associationItem) association() (job.Association, error) {
	at := timesOf(it.PK, it.SK)
	a := job.Association{
		ProjectID: it.ProjectID, TrackingNumber: it.TrackingNumber, Carrier: it.Carrier,
		AddedAt: at.at(it.AddedAt), ExpiresAt: time.Unix(it.ExpiresAt, 0).UTC(), JobID: it.JobID, AddedBy: it.AddedBy,
		Tag: it.Tag, TagSequence: it.TagSequence,
	}
	if a.Tag == "" {
		a.Tag = string(tag.Pending) // added before associations had tags
	}
	return a, at.err
}

// Associations implements job.Store.
func (s *Jobs) Associations(ctx context.Context, projectID string, numbers []string) (map[string]job.Association, error) {
	count, err := s.shardsOf(ctx, projectID)
	if err != nil {
		return nil, err
	}
	keys := make([]item, len(numbers))
	for i, n := range numbers {
		keys[i] = associationKey(projectID, count, n)
	}
	items, err := s.batchGet(ctx, keys)
	if err != nil {
		return nil, err
	}
	out := make(map[string]job.Association, len(items))
	for _, raw := range items {
		var it associationItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return nil, err
		}
		if out[it.TrackingNumber], err = it.association(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// AddAssociations implements job.Store: each association is put on the
// condition that no association of its number exists or it expired by
// a.AddedAt, in one transaction with its entry in the number's
// subscribers item; several such pairs share a transaction (see
// transactUnits). The associations whose condition failed are read back
// together, consistently (DynamoDB Local does not return the item that
// failed a condition); one removed meanwhile is put again.
func (s *Jobs) AddAssociations(ctx context.Context, as []job.Association) ([]job.Association, error) {
	stored := make([]job.Association, len(as))
	pending := make([]int, len(as))
	projects := make([]string, len(as))
	for i := range as {
		pending[i] = i
		projects[i] = as[i].ProjectID
	}
	counts, err := s.shardsOfAll(ctx, projects)
	if err != nil {
		return nil, err
	}
	for attempt := 1; len(pending) > 0; attempt++ {
		if attempt > maxBatchAttempts {
			return nil, fmt.Errorf("%d associations added and removed concurrently %d times", len(pending), attempt-1)
		}
		units := make([][]types.TransactWriteItem, len(pending))
		for k, i := range pending {
			put, err := s.putIfAbsent(as[i], counts[as[i].ProjectID])
			if err != nil {
				return nil, err
			}
			units[k] = []types.TransactWriteItem{put, s.subscribed(as[i])}
		}
		taken, err := s.transactUnits(ctx, units)
		if err != nil {
			return nil, err
		}
		var keys []item
		var lost []int
		for k, i := range pending {
			if taken[k] {
				keys = append(keys, associationKey(as[i].ProjectID, counts[as[i].ProjectID], as[i].TrackingNumber))
				lost = append(lost, i)
			} else {
				stored[i] = as[i]
			}
		}
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
		pending = pending[:0]
		for _, i := range lost {
			if a, ok := found[as[i].ProjectID+"\x00"+as[i].TrackingNumber]; ok {
				stored[i] = a
			} else {
				pending = append(pending, i)
			}
		}
	}
	return stored, nil
}

// putIfAbsent puts a, in its project's shards, unless a live association
// of its number exists.
func (s *Jobs) putIfAbsent(a job.Association, count shards) (types.TransactWriteItem, error) {
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
		return types.TransactWriteItem{}, err
	}
	if a.JobID == "" {
		delete(av, "jobId") // not a job's (a processing task's): the API shows null
	}
	return types.TransactWriteItem{Put: &types.Put{
		TableName:           &s.Name,
		Item:                av,
		ConditionExpression: aws.String("attribute_not_exists(PK) OR expiresAt <= :at"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":at": &types.AttributeValueMemberN{Value: strconv.FormatInt(a.AddedAt.Unix(), 10)},
		},
	}}, nil
}

// Apply implements job.Store. Each renewal and removal is one conditional
// write, in one transaction with the number's subscribers item: a renewal
// only moves an association's expiry forward, and a removal spares an
// association (re)added after the job's decision time, so a job delivered
// again after a later job never undoes that job's changes.
func (s *Jobs) Apply(ctx context.Context, projectID string, renew []job.Association, remove []string, at time.Time) error {
	count, err := s.shardsOf(ctx, projectID)
	if err != nil {
		return err
	}
	units := make([][]types.TransactWriteItem, 0, len(renew)+len(remove))
	for _, a := range renew {
		a.ProjectID = projectID
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
		units = append(units, []types.TransactWriteItem{{Update: &types.Update{
			TableName:                 &s.Name,
			Key:                       associationKey(projectID, count, a.TrackingNumber),
			UpdateExpression:          &update,
			ConditionExpression:       aws.String("attribute_exists(PK) AND expiresAt < :exp"),
			ExpressionAttributeValues: values,
		}}, s.subscribed(a)})
	}
	for _, n := range remove {
		units = append(units, []types.TransactWriteItem{{Delete: &types.Delete{
			TableName:           &s.Name,
			Key:                 associationKey(projectID, count, n),
			ConditionExpression: aws.String("addedAt <= :at"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":at": str(formatTime(at)),
			},
		}}, s.unsubscribed(projectID, n)})
	}
	// A failed condition leaves both items as they were: renewed later
	// already, removed since, gone already or added again since.
	_, err = s.transactUnits(ctx, units)
	return err
}

// SetTags implements job.Store: one conditional update per association,
// several to a transaction; an update older than the stored tag, or of
// an association removed meanwhile, changes nothing.
func (s *Jobs) SetTags(ctx context.Context, updates []job.TagUpdate) error {
	projects := make([]string, len(updates))
	for i, u := range updates {
		projects[i] = u.ProjectID
	}
	counts, err := s.shardsOfAll(ctx, projects)
	if err != nil {
		return err
	}
	writes := make([]*types.Update, len(updates))
	for i, u := range updates {
		count := counts[u.ProjectID]
		writes[i] = &types.Update{
			TableName:                &s.Name,
			Key:                      associationKey(u.ProjectID, count, u.TrackingNumber),
			UpdateExpression:         aws.String("SET #tag = :tag, tagSeq = :seq, GSI1PK = :gpk, GSI1SK = :gsk"),
			ConditionExpression:      aws.String("attribute_exists(PK) AND (attribute_not_exists(tagSeq) OR tagSeq < :seq)"),
			ExpressionAttributeNames: map[string]string{"#tag": "tag"},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":tag": str(u.Tag), ":seq": &types.AttributeValueMemberN{Value: strconv.Itoa(u.Sequence)},
				":gpk": str(associationTagGSI1PK(u.ProjectID, u.Tag, count.of(u.TrackingNumber))),
				":gsk": str(associationSK(u.TrackingNumber)),
			},
		}
	}
	_, err = s.conditionalUpdates(ctx, writes)
	return err
}
