package dynamo

import (
	"context"
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
