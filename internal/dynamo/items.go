package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"golang.org/x/sync/errgroup"
)

// Reading and writing items: one by key (get, getRaw) and many in
// batches (batchGet, batchWrite).

// DynamoDB's per-request limits, and how many requests run at once: enough
// to hide round trips, few enough to stay polite to one table and to the
// 2-vCPU machines the processor runs on.
const (
	maxBatchWrite     = 25
	maxBatchGet       = 100
	batchConcurrency  = 8
	maxBatchAttempts  = 8
	firstRetryBackoff = 20 * time.Millisecond
)

// backoff waits before retry attempt n (from 1), doubling each time.
func backoff(ctx context.Context, attempt int) error {
	t := time.NewTimer(firstRetryBackoff << (attempt - 1))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// batchWrite runs the write requests in batches of 25, several at once,
// retrying what DynamoDB leaves unprocessed.
func (s *Table) batchWrite(ctx context.Context, writes []types.WriteRequest) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(batchConcurrency)
	for start := 0; start < len(writes); start += maxBatchWrite {
		batch := writes[start:min(start+maxBatchWrite, len(writes))]
		g.Go(func() error {
			pending := map[string][]types.WriteRequest{s.Name: batch}
			for attempt := 1; ; attempt++ {
				out, err := s.Client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
				if err != nil {
					return err
				}
				if len(out.UnprocessedItems) == 0 {
					return nil
				}
				if attempt == maxBatchAttempts {
					return fmt.Errorf("batch write: %d items still unprocessed after %d attempts", len(out.UnprocessedItems[s.Name]), attempt)
				}
				pending = out.UnprocessedItems
				if err := backoff(ctx, attempt); err != nil {
					return err
				}
			}
		})
	}
	return g.Wait()
}

// batchGet reads the keys in batches of 100, several at once, retrying
// what DynamoDB leaves unprocessed. Missing items are simply absent.
func (s *Table) batchGet(ctx context.Context, keys []item) ([]item, error) {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(batchConcurrency)
	results := make([][]item, (len(keys)+maxBatchGet-1)/maxBatchGet)
	for n, start := 0, 0; start < len(keys); n, start = n+1, start+maxBatchGet {
		batch := keys[start:min(start+maxBatchGet, len(keys))]
		g.Go(func() error {
			pending := map[string]types.KeysAndAttributes{s.Name: {Keys: batch, ConsistentRead: aws.Bool(true)}}
			for attempt := 1; ; attempt++ {
				out, err := s.Client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: pending})
				if err != nil {
					return err
				}
				results[n] = append(results[n], out.Responses[s.Name]...)
				if len(out.UnprocessedKeys) == 0 {
					return nil
				}
				if attempt == maxBatchAttempts {
					return fmt.Errorf("batch get: keys still unprocessed after %d attempts", attempt)
				}
				pending = out.UnprocessedKeys
				if err := backoff(ctx, attempt); err != nil {
					return err
				}
			}
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var all []item
	for _, r := range results {
		all = append(all, r...)
	}
	return all, nil
}

// get reads one item into v, reporting whether it exists.
func (s *Table) get(ctx context.Context, pk, sk string, v any) (bool, error) {
	out, err := s.Client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &s.Name,
		Key: map[string]types.AttributeValue{
			attrPK: &types.AttributeValueMemberS{Value: pk},
			attrSK: &types.AttributeValueMemberS{Value: sk},
		},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return false, err
	}
	if out.Item == nil {
		return false, nil
	}
	return true, attributevalue.UnmarshalMap(out.Item, v)
}

// getRaw reads one item as it is stored; nil when it does not exist.
func (s *Table) getRaw(ctx context.Context, key item) (item, error) {
	out, err := s.Client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Name, Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, err
	}
	return out.Item, nil
}
