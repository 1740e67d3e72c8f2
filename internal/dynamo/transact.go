package dynamo

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Transactional writes: one all-or-nothing transaction retried through
// conflicts.

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
