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
	"golang.org/x/sync/errgroup"

	"github.com/parcelgate/parcelgate/internal/carrier"
	"github.com/parcelgate/parcelgate/internal/message"
)

var _ message.UnmappedStore = (*Unmapped)(nil)

type unmappedItem struct {
	Carrier      string `dynamodbav:"carrier"`
	Status       string `dynamodbav:"status"`
	OriginStatus string `dynamodbav:"originStatus,omitempty"`
	Count        int    `dynamodbav:"seen"`
	Example      string `dynamodbav:"example"`
	LastSeen     string `dynamodbav:"lastSeenAt"`
}

// CountUnmapped implements message.UnmappedStore: one ADD per status.
func (s *Unmapped) CountUnmapped(ctx context.Context, clientID string, seen []message.Unmapped) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(batchConcurrency)
	for _, u := range seen {
		g.Go(func() error {
			update := "ADD seen :n SET carrier = :c, #s = :s, example = :e, lastSeenAt = :at, expiresAt = :exp"
			values := map[string]types.AttributeValue{
				":n": &types.AttributeValueMemberN{Value: strconv.Itoa(u.Count)},
				":c": str(string(u.Carrier)), ":s": str(u.Status), ":e": str(u.Example),
				":at":  str(formatTime(u.LastSeen)),
				":exp": &types.AttributeValueMemberN{Value: strconv.FormatInt(u.LastSeen.Add(message.UnmappedTTL).Unix(), 10)},
			}
			if u.OriginStatus != "" { // part of the key: the same on every write
				update += ", originStatus = :o"
				values[":o"] = str(u.OriginStatus)
			}
			_, err := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
				TableName:                 &s.Name,
				Key:                       item{attrPK: str(unmappedPK(clientID)), attrSK: str(unmappedSK(string(u.Carrier), u.Status, u.OriginStatus))},
				UpdateExpression:          &update,
				ExpressionAttributeNames:  map[string]string{"#s": "status"},
				ExpressionAttributeValues: values,
			})
			return err
		})
	}
	return g.Wait()
}

// UnmappedStatuses implements message.UnmappedStore: one Query of the
// client's partition (its first 1,000 statuses), sorted by count. The
// filter hides what expired and TTL has not deleted yet.
func (s *Unmapped) UnmappedStatuses(ctx context.Context, clientID string, now time.Time, limit int) ([]message.Unmapped, error) {
	out, err := s.Client.Query(ctx, &dynamodb.QueryInput{
		TableName:              &s.Name,
		KeyConditionExpression: aws.String("PK = :pk"),
		FilterExpression:       aws.String("expiresAt > :now"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":  str(unmappedPK(clientID)),
			":now": &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Unix(), 10)},
		},
		Limit: aws.Int32(1000),
	})
	if err != nil {
		return nil, err
	}
	list := make([]message.Unmapped, 0, len(out.Items))
	for _, raw := range out.Items {
		var it unmappedItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return nil, err
		}
		seen, err := parseTime(it.LastSeen)
		if err != nil {
			return nil, fmt.Errorf("item %s %s: %w", getS(raw, attrPK), getS(raw, attrSK), err)
		}
		list = append(list, message.Unmapped{Carrier: carrier.Carrier(it.Carrier), Status: it.Status, OriginStatus: it.OriginStatus,
			Count: it.Count, Example: it.Example, LastSeen: seen})
	}
	message.SortUnmapped(list)
	return list[:min(limit, len(list))], nil
}
