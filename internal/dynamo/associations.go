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
)

type associationItem struct {
	PK             string `dynamodbav:"PK"`
	SK             string `dynamodbav:"SK"`
	GSI1PK         string `dynamodbav:"GSI1PK"`
	GSI1SK         string `dynamodbav:"GSI1SK"`
	ProjectID      string `dynamodbav:"projectId"`
	TrackingNumber string `dynamodbav:"trackingNumber"`
	Carrier        string `dynamodbav:"carrier"`
	AddedAt        string `dynamodbav:"addedAt"`
	ExpiresAt      int64  `dynamodbav:"expiresAt"`
	JobID          string `dynamodbav:"jobId"`
}

func (it associationItem) association() job.Association {
	return job.Association{
		ProjectID: it.ProjectID, TrackingNumber: it.TrackingNumber, Carrier: it.Carrier,
		AddedAt: parseTime(it.AddedAt), ExpiresAt: time.Unix(it.ExpiresAt, 0).UTC(), JobID: it.JobID,
	}
}

func associationKey(projectID, number string) item {
	return item{
		attrPK: &types.AttributeValueMemberS{Value: associationPK(projectID, associationShard(number))},
		attrSK: &types.AttributeValueMemberS{Value: associationSK(number)},
	}
}

// Associations implements job.Store.
func (s *Store) Associations(ctx context.Context, projectID string, numbers []string) (map[string]job.Association, error) {
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
		out[it.TrackingNumber] = it.association()
	}
	return out, nil
}

// Apply implements job.Store.
func (s *Store) Apply(ctx context.Context, projectID string, put []job.Association, remove []string) error {
	writes := make([]types.WriteRequest, 0, len(put)+len(remove))
	for _, a := range put {
		av, err := attributevalue.MarshalMap(associationItem{
			PK: associationPK(projectID, associationShard(a.TrackingNumber)), SK: associationSK(a.TrackingNumber),
			GSI1PK: numberGSI1PK(a.TrackingNumber), GSI1SK: projectPK(projectID),
			ProjectID: projectID, TrackingNumber: a.TrackingNumber, Carrier: a.Carrier,
			AddedAt: formatTime(a.AddedAt), ExpiresAt: a.ExpiresAt.Unix(), JobID: a.JobID,
		})
		if err != nil {
			return err
		}
		writes = append(writes, types.WriteRequest{PutRequest: &types.PutRequest{Item: av}})
	}
	for _, n := range remove {
		writes = append(writes, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: associationKey(projectID, n)}})
	}
	return s.batchWrite(ctx, writes)
}

// Associated implements job.Store. It reads the shards one after another;
// the cursor names the shard and the position within it.
func (s *Store) Associated(ctx context.Context, projectID string, now time.Time, req page.Request) (page.Page[job.Association], error) {
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
		pk := associationPK(projectID, shard)
		items, next, err := s.queryPage(ctx, &dynamodb.QueryInput{
			KeyConditionExpression: aws.String("PK = :pk"),
			FilterExpression:       aws.String("expiresAt > :now"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":pk":  &types.AttributeValueMemberS{Value: pk},
				":now": &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Unix(), 10)},
			},
		}, attrPK, pk, page.Request{Cursor: inner, Limit: limit - len(out.Items)})
		if err != nil {
			return out, err
		}
		inner = ""
		for _, raw := range items {
			var it associationItem
			if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
				return out, err
			}
			out.Items = append(out.Items, it.association())
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
