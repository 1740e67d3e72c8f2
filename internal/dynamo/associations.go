package dynamo

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/page"
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
	keys := make([]item, len(numbers))
	for i, n := range numbers {
		keys[i] = associationKey(projectID, n)
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
	writes := make([]*types.Update, len(updates))
	for i, u := range updates {
		writes[i] = &types.Update{
			TableName:                &s.Name,
			Key:                      associationKey(u.ProjectID, u.TrackingNumber),
			UpdateExpression:         aws.String("SET #tag = :tag, tagSeq = :seq, GSI1PK = :gpk, GSI1SK = :gsk"),
			ConditionExpression:      aws.String("attribute_exists(PK) AND (attribute_not_exists(tagSeq) OR tagSeq < :seq)"),
			ExpressionAttributeNames: map[string]string{"#tag": "tag"},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":tag": str(u.Tag), ":seq": &types.AttributeValueMemberN{Value: strconv.Itoa(u.Sequence)},
				":gpk": str(associationTagGSI1PK(u.ProjectID, u.Tag, associationShard(u.TrackingNumber))),
				":gsk": str(associationSK(u.TrackingNumber)),
			},
		}
	}
	_, err := s.conditionalUpdates(ctx, writes)
	return err
}

// Associated implements job.Store. It reads the shards one after another
// (of the table, or with a tag of its tag index); the cursor names the
// shard and the position within it.
func (s *Jobs) Associated(ctx context.Context, projectID string, now time.Time, tagged string, req page.Request) (page.Page[job.Association], error) {
	shard, inner, err := splitShardCursor(req.Cursor)
	if err != nil {
		return page.Page[job.Association]{}, err
	}
	limit := req.Limit
	if limit <= 0 {
		limit = page.DefaultLimit
	}
	var out page.Page[job.Association]
	for ; shard < associationShards; shard++ {
		in := &dynamodb.QueryInput{
			KeyConditionExpression: aws.String("PK = :pk"),
			FilterExpression:       aws.String("expiresAt > :now"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":now": &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Unix(), 10)},
			},
		}
		attr, pk := attrPK, associationPK(projectID, shard)
		if tagged != "" {
			attr, pk = attrGSI1PK, associationTagGSI1PK(projectID, tagged, shard)
			in.IndexName, in.KeyConditionExpression = aws.String(indexGSI1), aws.String("GSI1PK = :pk")
		}
		in.ExpressionAttributeValues[":pk"] = str(pk)
		items, next, err := s.queryPage(ctx, in, attr, pk, page.Request{Cursor: inner, Limit: limit - len(out.Items)})
		if err != nil {
			return out, err
		}
		inner = ""
		for _, raw := range items {
			var it associationItem
			if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
				return out, err
			}
			a, err := it.association()
			if err != nil {
				return out, err
			}
			out.Items = append(out.Items, a)
		}
		switch {
		case next != "":
			out.NextCursor = fmt.Sprintf("%d.%s", shard, next)
			return out, nil
		case len(out.Items) >= limit && shard+1 < associationShards:
			out.NextCursor = fmt.Sprintf("%d.", shard+1)
			return out, nil
		}
	}
	return out, nil
}

func splitShardCursor(c string) (int, string, error) {
	if c == "" {
		return 0, "", nil
	}
	head, rest, ok := strings.Cut(c, ".")
	shard, err := strconv.Atoi(head)
	if !ok || err != nil || shard < 0 || shard >= associationShards {
		return 0, "", page.ErrBadCursor
	}
	return shard, rest, nil
}
