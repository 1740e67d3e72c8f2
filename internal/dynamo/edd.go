package dynamo

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parcelgate/parcelgate/internal/edd"
	"github.com/parcelgate/parcelgate/internal/tag"
)

var _ edd.Store = (*Edd)(nil)

// RecordDelivery writes, in one transaction on the number's shard, the
// number's counted marker (only if absent) and one ADD per group: the
// group's delivery count and each of its tag buckets. A marker already
// there cancels the whole transaction, so a delivery counts once however
// often, and by however many processors at once, it is recorded; a
// conflict with a concurrent transaction on the same items is tried
// again, and then finds the marker if the other one was the same number.
// One TransactWriteItems of 1 + groups actions (5 for a parcel with a
// postal code): 2 write units per KB of each item (a transaction counts
// twice), so the units grow with an aggregate item's buckets.
func (s *Edd) RecordDelivery(ctx context.Context, projectID string, d edd.Delivery) (bool, error) {
	shard := eddShard(d.TrackingNumber)
	pk := eddPK(projectID, shard)
	actions := []types.TransactWriteItem{{Put: &types.Put{
		TableName: aws.String(s.Name),
		Item: item{attrPK: str(pk), attrSK: str(eddCountedSK(d.TrackingNumber)),
			"expiresAt": num(d.DeliveredAt.Add(eddCountedTTL).Unix())},
		ConditionExpression: aws.String("attribute_not_exists(PK)"),
	}}}
	names, values, expr := eddAdditions(d)
	for _, g := range d.Groups {
		actions = append(actions, types.TransactWriteItem{Update: &types.Update{
			TableName:                 aws.String(s.Name),
			Key:                       item{attrPK: str(pk), attrSK: str(eddGroupSK(g))},
			UpdateExpression:          aws.String(expr),
			ExpressionAttributeNames:  names,
			ExpressionAttributeValues: values,
		}})
	}
	return s.countOnce(ctx, actions, "record delivery", d.TrackingNumber)
}

// eddAdditions is the update adding d to a group's item: its delivery,
// the bucket of each tag's time to delivery, its gaps by tag and bucket
// (several may share one, hence counts other than one) and each tag's
// stay. Attributes are added in a fixed order, so the same delivery is
// always the same request.
func eddAdditions(d edd.Delivery) (map[string]string, item, string) {
	names := map[string]string{"#n": attrEddCount}
	values := item{":1": num(1)}
	expr := "ADD #n :1"
	add := func(k eddHist, t tag.Tag, b int, n int64) {
		name := "#b" + strconv.Itoa(len(names)-1)
		value := ":" + strconv.FormatInt(n, 10)
		names[name] = eddBucketAttr(k, t, b)
		values[value] = num(n)
		expr += ", " + name + " " + value
	}
	for _, t := range slices.Sorted(maps.Keys(d.Buckets)) {
		add(eddSince, t, d.Buckets[t], 1)
	}
	for _, t := range slices.Sorted(maps.Keys(d.Gaps)) {
		for _, b := range slices.Sorted(maps.Keys(d.Gaps[t])) {
			add(eddGaps, t, b, d.Gaps[t][b])
		}
	}
	for _, t := range slices.Sorted(maps.Keys(d.Dwell)) {
		add(eddDwell, t, d.Dwell[t], 1)
	}
	return names, values, expr
}

// Aggregates reads every shard of every group of every project, in
// BatchGetItems of up to 100 keys (one for a parcel's 4 groups in one
// project: 32 items, eventually consistent, half a read unit each for
// items under 4 KB), and adds them up.
func (s *Edd) Aggregates(ctx context.Context, projectIDs []string, groups []string) (map[string]edd.Aggregate, error) {
	var keys []item
	for _, p := range eddDistinct(projectIDs) {
		for _, g := range eddDistinct(groups) {
			for shard := range eddShards {
				keys = append(keys, item{attrPK: str(eddPK(p, shard)), attrSK: str(eddGroupSK(g))})
			}
		}
	}
	out := map[string]edd.Aggregate{}
	for start := 0; start < len(keys); start += maxBatchGet {
		pending := map[string]types.KeysAndAttributes{s.Name: {Keys: keys[start:min(start+maxBatchGet, len(keys))]}}
		for attempt := 1; len(pending) > 0; attempt++ {
			res, err := s.Client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: pending})
			if err != nil {
				return nil, err
			}
			for _, it := range res.Responses[s.Name] {
				g := getS(it, attrSK)[len(skEddGroup):]
				a := out[g]
				a.Merge(decodeAggregate(it))
				out[g] = a
			}
			pending = res.UnprocessedKeys
			if len(pending) > 0 {
				if attempt == maxBatchAttempts {
					return nil, fmt.Errorf("aggregates: keys still unprocessed after %d attempts", attempt)
				}
				if err := backoff(ctx, attempt); err != nil {
					return nil, err
				}
			}
		}
	}
	return out, nil
}

func decodeAggregate(it item) edd.Aggregate {
	a := edd.Aggregate{Deliveries: getN(it, attrEddCount), Since: map[tag.Tag]*edd.Histogram{},
		Gaps: map[tag.Tag]*edd.Histogram{}, Dwell: map[tag.Tag]*edd.Histogram{}}
	for name := range it {
		k, t, b, ok := parseEddBucketAttr(name)
		if !ok || b < 0 || b >= edd.NumBuckets {
			continue
		}
		hs := a.Since
		switch k {
		case eddGaps:
			hs = a.Gaps
		case eddDwell:
			hs = a.Dwell
		}
		if hs[t] == nil {
			hs[t] = new(edd.Histogram)
		}
		hs[t][b] += getN(it, name)
	}
	return a
}

func eddDistinct(s []string) []string {
	return slices.Compact(slices.Sorted(slices.Values(s)))
}

// eddCarrierTTL is how long a carrier's date is kept.
const eddCarrierTTL = 365 * 24 * time.Hour

// SetCarrierDate is one conditional PutItem: only over an older event's
// date.
func (s *Edd) SetCarrierDate(ctx context.Context, number, date string, at time.Time) error {
	_, err := s.Client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.Name),
		Item: item{attrPK: str(eddCarrierPK(number)), attrSK: str(skEddCarrier), "date": str(date),
			"at": num(at.UnixMilli()), "expiresAt": num(at.Add(eddCarrierTTL).Unix())},
		ConditionExpression:       aws.String("attribute_not_exists(PK) OR #at <= :at"),
		ExpressionAttributeNames:  map[string]string{"#at": "at"},
		ExpressionAttributeValues: item{":at": num(at.UnixMilli())},
	})
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		return nil
	}
	return err
}

// CarrierDate is one GetItem.
func (s *Edd) CarrierDate(ctx context.Context, number string) (string, error) {
	out, err := s.Client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.Name),
		Key: item{attrPK: str(eddCarrierPK(number)), attrSK: str(skEddCarrier)}})
	if err != nil {
		return "", err
	}
	return getS(out.Item, "date"), nil
}
