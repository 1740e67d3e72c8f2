package dynamo

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"golang.org/x/sync/errgroup"

	"github.com/parcelgate/parcelgate/internal/job"
)

// A number's subscribers item (TRK#<number>, SUBSCRIBERS) mirrors its
// associations: one attribute per associated project, SUB#<project>, a
// map of the association's addedAt and expiresAt. It changes only in the
// transaction that changes the association, so it never names a project
// that is not, or no longer, associated, nor misses one that is; an
// expired association stays in it until replaced, and is filtered out by
// its expiresAt as reads of associations filter them. Message ingestion
// reads the subscribers of the numbers it notifies for in one
// BatchGetItem per 100 numbers, consistently, instead of one Query on
// GSI1 per number.
const subscriberAttrPrefix = "SUB#"

// DefaultTransactItems is how many actions share one TransactWriteItems
// unless Store.TransactItems says otherwise: DynamoDB Local's limit.
// DynamoDB takes 100.
const DefaultTransactItems = 10

func (s *Store) transactItems() int {
	if s.TransactItems > 0 {
		return s.TransactItems
	}
	return DefaultTransactItems
}

func subscribersKey(number string) item { return trackingKey(number, skSubscribers) }

// subscribed sets a's entry in its number's subscribers item.
func (s *Store) subscribed(a job.Association) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{
		TableName: &s.Table, Key: subscribersKey(a.TrackingNumber),
		UpdateExpression:         aws.String("SET trackingNumber = :n, #p = :a"),
		ExpressionAttributeNames: map[string]string{"#p": subscriberAttrPrefix + a.ProjectID},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":n": str(a.TrackingNumber),
			":a": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
				"addedAt":   str(formatTime(a.AddedAt)),
				"expiresAt": &types.AttributeValueMemberN{Value: strconv.FormatInt(a.ExpiresAt.Unix(), 10)},
			}},
		},
	}}
}

// unsubscribed removes projectID's entry from number's subscribers item.
func (s *Store) unsubscribed(projectID, number string) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{
		TableName: &s.Table, Key: subscribersKey(number),
		UpdateExpression:         aws.String("REMOVE #p"),
		ExpressionAttributeNames: map[string]string{"#p": subscriberAttrPrefix + projectID},
	}}
}

// Subscribers implements message.Tracking: the projects associated with
// each number at now, from the numbers' subscribers items.
func (s *Store) Subscribers(ctx context.Context, numbers []string, now time.Time) (map[string][]string, error) {
	keys := make([]item, 0, len(numbers))
	seen := make(map[string]bool, len(numbers))
	for _, n := range numbers {
		if !seen[n] {
			seen[n] = true
			keys = append(keys, subscribersKey(n))
		}
	}
	items, err := s.batchGet(ctx, keys)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]string, len(items))
	for _, raw := range items {
		pk, _ := raw[attrPK].(*types.AttributeValueMemberS)
		if pk == nil {
			continue
		}
		number := strings.TrimPrefix(pk.Value, trackingPK(""))
		for name, v := range raw {
			projectID, ok := strings.CutPrefix(name, subscriberAttrPrefix)
			m, isMap := v.(*types.AttributeValueMemberM)
			if !ok || !isMap {
				continue
			}
			exp, _ := m.Value["expiresAt"].(*types.AttributeValueMemberN)
			if exp == nil {
				continue
			}
			if secs, err := strconv.ParseInt(exp.Value, 10, 64); err == nil && secs > now.Unix() {
				out[number] = append(out[number], projectID)
			}
		}
	}
	return out, nil
}

// transactUnits writes units, each all or nothing: several units share a
// TransactWriteItems of up to s.transactItems() actions, and the units of
// a cancelled one (a condition failed, or another transaction touched one
// of its items) are written again each on its own. It reports the units
// whose condition failed; a unit that conflicts with another transaction
// is tried again after a pause.
//
// On DynamoDB a transactional write costs twice the write units of a plain
// one; the saving is in requests and round trips: 10 actions per request
// on DynamoDB Local, up to 100 on DynamoDB, where one failed condition
// also makes the whole group fall back unit by unit.
func (s *Store) transactUnits(ctx context.Context, units [][]types.TransactWriteItem) ([]bool, error) {
	failed := make([]bool, len(units))
	var mu sync.Mutex
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(batchConcurrency)
	for start := 0; start < len(units); {
		// A transaction may touch an item once: a unit that touches one
		// the group does starts the next group.
		end, actions, touched := start, 0, map[string]bool{}
	grouping:
		for end < len(units) && actions+len(units[end]) <= s.transactItems() {
			for _, w := range units[end] {
				if touched[writeKey(w)] {
					break grouping
				}
			}
			for _, w := range units[end] {
				touched[writeKey(w)] = true
			}
			actions += len(units[end])
			end++
		}
		end = max(end, start+1)
		group := units[start:end]
		first := start
		start = end
		g.Go(func() error {
			if len(group) > 1 {
				var items []types.TransactWriteItem
				for _, u := range group {
					items = append(items, u...)
				}
				_, err := s.Client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
				var cancelled *types.TransactionCanceledException
				if !errors.As(err, &cancelled) {
					return err
				}
			}
			for i, u := range group {
				lost, err := s.transactUnit(ctx, u)
				if err != nil {
					return err
				}
				if lost {
					mu.Lock()
					failed[first+i] = true
					mu.Unlock()
				}
			}
			return nil
		})
	}
	return failed, g.Wait()
}

// transactUnit writes one unit, and reports whether its condition failed.
func (s *Store) transactUnit(ctx context.Context, unit []types.TransactWriteItem) (bool, error) {
	for attempt := 1; ; attempt++ {
		_, err := s.Client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: unit})
		if err == nil {
			return false, nil
		}
		if isConditionFailed(err) {
			return true, nil
		}
		var cancelled *types.TransactionCanceledException
		var conflict *types.TransactionConflictException
		if (!errors.As(err, &cancelled) && !errors.As(err, &conflict)) || attempt == maxBatchAttempts {
			return false, err
		}
		if err := backoff(ctx, attempt); err != nil {
			return false, err
		}
	}
}

// writeKey names the item a transaction action writes.
func writeKey(w types.TransactWriteItem) string {
	var key item
	switch {
	case w.Put != nil:
		key = w.Put.Item
	case w.Update != nil:
		key = w.Update.Key
	case w.Delete != nil:
		key = w.Delete.Key
	case w.ConditionCheck != nil:
		key = w.ConditionCheck.Key
	}
	pk, _ := key[attrPK].(*types.AttributeValueMemberS)
	sk, _ := key[attrSK].(*types.AttributeValueMemberS)
	if pk == nil || sk == nil {
		return ""
	}
	return pk.Value + "\x00" + sk.Value
}
