package dynamo

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"golang.org/x/sync/errgroup"
)

// Transactional writes: one all-or-nothing transaction retried through
// conflicts, and many small units grouped into shared transactions.

// DefaultTransactItems is how many actions share one TransactWriteItems
// unless Table.TransactItems says otherwise: DynamoDB Local's limit.
// DynamoDB takes 100.
const DefaultTransactItems = 10

func (s *Table) transactItems() int {
	if s.TransactItems > 0 {
		return s.TransactItems
	}
	return DefaultTransactItems
}

// transact runs a transaction, retrying conflicts with concurrent
// transactions; a cancelled one is passed to cancelled, whose error wins.
func (s *Table) transact(ctx context.Context, actions []types.TransactWriteItem, cancelled func([]types.CancellationReason) error) error {
	for attempt := 1; ; attempt++ {
		_, err := s.Client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: actions})
		var tc *types.TransactionCanceledException
		if !errors.As(err, &tc) {
			var conflict *types.TransactionConflictException
			if errors.As(err, &conflict) && attempt < maxBatchAttempts {
				if err := backoff(ctx, attempt); err != nil {
					return err
				}
				continue
			}
			return err
		}
		if cerr := cancelled(tc.CancellationReasons); cerr != nil {
			return cerr
		}
		if attempt == maxBatchAttempts {
			return err
		}
		if err := backoff(ctx, attempt); err != nil {
			return err
		}
	}
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
func (s *Table) transactUnits(ctx context.Context, units [][]types.TransactWriteItem) ([]bool, error) {
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
func (s *Table) transactUnit(ctx context.Context, unit []types.TransactWriteItem) (bool, error) {
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

// put is one conditional (condition "" for none) Put of v in a transaction.
func put(table string, v any, condition string) (types.TransactWriteItem, error) {
	av, err := attributevalue.MarshalMap(v)
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	p := &types.Put{TableName: &table, Item: av}
	if condition != "" {
		p.ConditionExpression = &condition
	}
	return types.TransactWriteItem{Put: p}, nil
}

// countOnce writes a transaction whose first action is the condition
// that the thing was not counted yet (a marker item) and whose others are
// the counts; it reports whether this call counted, false when the
// marker was already there. Conflicts with concurrent transactions are
// retried as transact does.
func (s *Table) countOnce(ctx context.Context, actions []types.TransactWriteItem, what, number string) (bool, error) {
	err := s.transact(ctx, actions, func(reasons []types.CancellationReason) error {
		if failed(reasons, 0) {
			return errCountedAlready
		}
		return nil
	})
	switch {
	case errors.Is(err, errCountedAlready):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("%s of %s: %w", what, number, err)
	}
	return true, nil
}

// errCountedAlready ends countOnce's transaction at its marker.
var errCountedAlready = errors.New("counted already")
