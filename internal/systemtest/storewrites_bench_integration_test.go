//go:build integration

package systemtest

// Emulator-only: a benchmark of the DynamoDB store.

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/parcelgate/parcelgate/internal/dynamo"
)

// The raw baselines of the benchmarks write what the store writes, with
// plain BatchWriteItem, and read what it reads. They get those items and
// reads from the store's own code, never from a copy of its key layout:
// a copy drifts from the store unnoticed (one did when associations
// gained their expiry index) and the baseline then measures something
// else.

// storeWrites is a store whose writes are recorded, never sent: each
// becomes the item it would leave in an empty table (a put as it is, a
// plain SET and REMOVE update applied to the item it names, which an
// UpdateItem asking for ALL_OLD gets back as it was), and is answered as
// a success. Reads and anything else fail: what a store call wrote must
// not depend on what it read, or the items would not be what it writes.
type storeWrites struct {
	Store *dynamo.Adapters
	keys  []string // the table's key attributes
	mu    sync.Mutex
	order []string
	items map[string]map[string]types.AttributeValue
}

// captureWrites returns a recorder of the writes of a store of table.
func captureWrites(tb testing.TB, cfg aws.Config, table string) *storeWrites {
	tb.Helper()
	out, err := dynamodb.NewFromConfig(cfg, localChecksums).DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: &table})
	if err != nil {
		tb.Fatal(err)
	}
	w := &storeWrites{items: map[string]map[string]types.AttributeValue{}}
	for _, k := range out.Table.KeySchema {
		w.keys = append(w.keys, *k.AttributeName)
	}
	client := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
			return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("captureWrites", w.capture), middleware.Before)
		})
	})
	w.Store = dynamo.Open(client, table, dynamo.Options{})
	return w
}

func (w *storeWrites) capture(_ context.Context, in middleware.InitializeInput, _ middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var result any
	var err error
	switch p := in.Parameters.(type) {
	case *dynamodb.BatchWriteItemInput:
		for _, writes := range p.RequestItems {
			for _, wr := range writes {
				if wr.PutRequest == nil {
					return middleware.InitializeOutput{}, middleware.Metadata{}, fmt.Errorf("storeWrites: a batch delete")
				}
				w.put(wr.PutRequest.Item)
			}
		}
		result = &dynamodb.BatchWriteItemOutput{}
	case *dynamodb.TransactWriteItemsInput:
		for _, it := range p.TransactItems {
			switch {
			case err != nil:
			case it.Put != nil:
				w.put(it.Put.Item)
			case it.Update != nil:
				_, err = w.update(it.Update.Key, aws.ToString(it.Update.UpdateExpression), it.Update.ExpressionAttributeNames, it.Update.ExpressionAttributeValues)
			default:
				err = fmt.Errorf("storeWrites: a transaction action other than Put and Update")
			}
		}
		result = &dynamodb.TransactWriteItemsOutput{}
	case *dynamodb.PutItemInput:
		w.put(p.Item)
		result = &dynamodb.PutItemOutput{}
	case *dynamodb.UpdateItemInput:
		out := &dynamodb.UpdateItemOutput{}
		old, uerr := w.update(p.Key, aws.ToString(p.UpdateExpression), p.ExpressionAttributeNames, p.ExpressionAttributeValues)
		if p.ReturnValues == types.ReturnValueAllOld {
			out.Attributes = old
		} else if p.ReturnValues != "" && p.ReturnValues != types.ReturnValueNone {
			uerr = fmt.Errorf("storeWrites: an update returning %s", p.ReturnValues)
		}
		result, err = out, uerr
	default:
		err = fmt.Errorf("storeWrites: %T is not a write", in.Parameters)
	}
	return middleware.InitializeOutput{Result: result}, middleware.Metadata{}, err
}

// key names an item by its key attributes' values.
func (w *storeWrites) key(it map[string]types.AttributeValue) string {
	parts := make([]string, len(w.keys))
	for i, name := range w.keys {
		if s, ok := it[name].(*types.AttributeValueMemberS); ok {
			parts[i] = s.Value
		}
	}
	return strings.Join(parts, "\x00")
}

func (w *storeWrites) put(it map[string]types.AttributeValue) {
	k := w.key(it)
	if _, ok := w.items[k]; !ok {
		w.order = append(w.order, k)
	}
	w.items[k] = it
}

// update applies "SET a = :x, #b = :y REMOVE c, #d" to the item key
// names, created empty when absent, and returns the item as it was. Any
// other update is refused: applying it would take an evaluator of update
// expressions, which a benchmark should not hold.
func (w *storeWrites) update(key map[string]types.AttributeValue, expr string, names map[string]string, values map[string]types.AttributeValue) (map[string]types.AttributeValue, error) {
	refused := fmt.Errorf("storeWrites: update %q is not a plain SET and REMOVE", expr)
	attr := func(path string) (string, bool) {
		path = strings.TrimSpace(path)
		if strings.HasPrefix(path, "#") {
			path = names[path]
		}
		return path, path != "" && !strings.ContainsAny(path, " .[(")
	}
	k := w.key(key)
	old := w.items[k]
	it := map[string]types.AttributeValue{}
	for name, v := range old {
		it[name] = v
	}
	for name, v := range key {
		it[name] = v
	}
	set, remove, _ := strings.Cut(strings.TrimSpace(expr), "REMOVE ")
	if set = strings.TrimSpace(set); set != "" {
		assignments, ok := strings.CutPrefix(set, "SET ")
		if !ok {
			return nil, refused
		}
		for _, a := range strings.Split(assignments, ",") {
			path, value, ok := strings.Cut(a, "=")
			name, plain := attr(path)
			v, known := values[strings.TrimSpace(value)]
			if !ok || !plain || !known {
				return nil, refused
			}
			it[name] = v
		}
	}
	if remove != "" {
		for _, path := range strings.Split(remove, ",") {
			name, plain := attr(path)
			if !plain {
				return nil, refused
			}
			delete(it, name)
		}
	}
	w.put(it)
	return old, nil
}

// Puts returns the recorded items, in the order first written, as puts,
// and forgets them.
func (w *storeWrites) Puts() []types.WriteRequest {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]types.WriteRequest, len(w.order))
	for i, k := range w.order {
		out[i] = types.WriteRequest{PutRequest: &types.PutRequest{Item: w.items[k]}}
	}
	w.order, w.items = nil, map[string]map[string]types.AttributeValue{}
	return out
}

// storeReads records the GetItem and Query requests a client sends, and
// sends them: a raw baseline then repeats the very reads the store made.
type storeReads struct {
	mu    sync.Mutex
	reads []any
}

// Option is a dynamodb.Options function that installs the recorder.
func (r *storeReads) Option(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("recordReads", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			switch p := in.Parameters.(type) {
			case *dynamodb.GetItemInput:
				c := *p
				r.add(&c)
			case *dynamodb.QueryInput:
				c := *p
				r.add(&c)
			}
			return next.HandleInitialize(ctx, in)
		}), middleware.Before)
	})
}

func (r *storeReads) add(v any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reads = append(r.reads, v)
}

// Take returns the reads recorded so far, and forgets them.
func (r *storeReads) Take() []any {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.reads
	r.reads = nil
	return out
}

// replay sends a recorded read again; it returns the items it read.
func replay(ctx context.Context, client *dynamodb.Client, read any) (int, error) {
	switch in := read.(type) {
	case *dynamodb.GetItemInput:
		out, err := client.GetItem(ctx, in)
		if err != nil || out.Item == nil {
			return 0, err
		}
		return 1, nil
	case *dynamodb.QueryInput:
		out, err := client.Query(ctx, in)
		if err != nil {
			return 0, err
		}
		return len(out.Items), nil
	}
	return 0, fmt.Errorf("replay: %T is not a recorded read", read)
}
