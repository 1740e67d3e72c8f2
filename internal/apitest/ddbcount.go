//go:build integration

package apitest

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
)

// DDBCounter counts what a DynamoDB client asks of the table: operations,
// HTTP attempts (SDK retries included), items written, and the capacity
// the endpoint reports. Install it with
//
//	dynamodb.NewFromConfig(cfg, counter.Option)
//
// It asks for the consumed capacity (ReturnConsumedCapacity=INDEXES) on
// every operation that can report it, on a copy of the caller's input.
// It also estimates the write units from the sizes of the items written,
// for endpoints that report no capacity: see EstimatedWCU.
type DDBCounter struct {
	mu  sync.Mutex
	ops map[string]*DDBOp
	// other counts the calls to other services ("SQS SendMessage"), when
	// the counter is installed on every client of a configuration.
	other map[string]int
}

// DDBOp is what one kind of operation did.
type DDBOp struct {
	Calls    int // operation calls, as the code made them
	Attempts int // HTTP requests, SDK retries included
	Errors   int // calls that returned an error (a failed condition, say)
	// ItemWrites counts the items written or deleted by calls that
	// succeeded; an item a batch leaves unprocessed counts when a later
	// call writes it.
	ItemWrites int
	// Reported is true when a response carried ConsumedCapacity; then WCU
	// and RCU are the endpoint's figures (table and indexes), and
	// IndexWCU the part of WCU that went to secondary indexes.
	Reported      bool
	WCU, RCU      float64
	IndexWCU      float64
	ReportedCalls int
	// EstimatedWCU is computed from the request, as DynamoDB bills it:
	// one unit per started KB of each item put, for the table and for each
	// index the item is in (both indexes of the table project ALL), twice
	// that inside a transaction. Deletes and updates count one unit each,
	// a lower bound: the stored item's size and the indexes it is in are
	// not known here. Items a batch leaves unprocessed are not counted,
	// nor are calls that failed (DynamoDB does bill a failed condition).
	EstimatedWCU float64
	// Units are the reported units by table or index name ("table" for
	// the base table), so an index's share of a call is exact.
	Units map[string]Units
}

// Units are the read and write capacity units one table or index consumed.
type Units struct{ Read, Write float64 }

// Option is a dynamodb.Options function that installs the counter.
func (c *DDBCounter) Option(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, c.Install)
}

// Install adds the counter to a client's middleware stack: given in an
// aws.Config's APIOptions it sees every client built from it, and counts
// the calls to services other than DynamoDB by name (see Other).
func (c *DDBCounter) Install(stack *middleware.Stack) error {
	if err := stack.Initialize.Add(middleware.InitializeMiddlewareFunc("ddbCount", c.initialize), middleware.After); err != nil {
		return err
	}
	return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("ddbCountAttempt", func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
		if awsmiddleware.GetServiceID(ctx) == "DynamoDB" {
			c.op(operation(ctx, nil), func(op *DDBOp) { op.Attempts++ })
		}
		return next.HandleFinalize(ctx, in)
	}), middleware.After)
}

// Other returns the calls counted to services other than DynamoDB, by
// service and operation ("SQS SendMessage").
func (c *DDBCounter) Other() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.other))
	for k, v := range c.other {
		out[k] = v
	}
	return out
}

// Reset forgets everything counted so far.
func (c *DDBCounter) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ops, c.other = nil, nil
}

// Ops returns a copy of the counts by operation name.
func (c *DDBCounter) Ops() map[string]DDBOp {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]DDBOp, len(c.ops))
	for name, op := range c.ops {
		cp := *op
		cp.Units = make(map[string]Units, len(op.Units))
		for k, v := range op.Units {
			cp.Units[k] = v
		}
		out[name] = cp
	}
	return out
}

// Total sums every operation.
func (c *DDBCounter) Total() DDBOp {
	var t DDBOp
	for _, op := range c.Ops() {
		t.Calls += op.Calls
		t.Attempts += op.Attempts
		t.Errors += op.Errors
		t.ItemWrites += op.ItemWrites
		t.Reported = t.Reported || op.Reported
		t.ReportedCalls += op.ReportedCalls
		t.WCU += op.WCU
		t.RCU += op.RCU
		t.IndexWCU += op.IndexWCU
		t.EstimatedWCU += op.EstimatedWCU
		for k, v := range op.Units {
			if t.Units == nil {
				t.Units = map[string]Units{}
			}
			u := t.Units[k]
			u.Read += v.Read
			u.Write += v.Write
			t.Units[k] = u
		}
	}
	return t
}

// String lists the operations, one a line.
func (c *DDBCounter) String() string {
	ops := c.Ops()
	names := make([]string, 0, len(ops))
	for name := range ops {
		names = append(names, name)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, name := range names {
		op := ops[name]
		reported := "capacity not reported"
		if op.Reported {
			reported = fmt.Sprintf("reported WCU %7.1f (indexes %6.1f), RCU %5.1f", op.WCU, op.IndexWCU, op.RCU)
		}
		fmt.Fprintf(&b, "%-18s calls %3d  attempts %3d  errors %2d  item writes %5d  %-52s  estimated WCU %7.1f\n",
			name, op.Calls, op.Attempts, op.Errors, op.ItemWrites, reported, op.EstimatedWCU)
	}
	return b.String()
}

func (c *DDBCounter) op(name string, f func(*DDBOp)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ops == nil {
		c.ops = map[string]*DDBOp{}
	}
	op := c.ops[name]
	if op == nil {
		op = &DDBOp{}
		c.ops[name] = op
	}
	f(op)
}

func operation(ctx context.Context, input any) string {
	if name := awsmiddleware.GetOperationName(ctx); name != "" {
		return name
	}
	return strings.TrimSuffix(strings.TrimPrefix(fmt.Sprintf("%T", input), "*dynamodb."), "Input")
}

const indexes = types.ReturnConsumedCapacityIndexes

// initialize asks for the consumed capacity, runs the operation and
// records what it cost.
func (c *DDBCounter) initialize(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
	if service := awsmiddleware.GetServiceID(ctx); service != "DynamoDB" {
		c.mu.Lock()
		if c.other == nil {
			c.other = map[string]int{}
		}
		c.other[service+" "+awsmiddleware.GetOperationName(ctx)]++
		c.mu.Unlock()
		return next.HandleInitialize(ctx, in)
	}
	name := operation(ctx, in.Parameters)
	var writes int
	var estimate float64
	switch p := in.Parameters.(type) {
	case *dynamodb.PutItemInput:
		cp := *p
		cp.ReturnConsumedCapacity = indexes
		in.Parameters = &cp
		writes, estimate = 1, putUnits(p.Item)
	case *dynamodb.UpdateItemInput:
		cp := *p
		cp.ReturnConsumedCapacity = indexes
		in.Parameters = &cp
		writes, estimate = 1, keyUnits(p.Key)
	case *dynamodb.DeleteItemInput:
		cp := *p
		cp.ReturnConsumedCapacity = indexes
		in.Parameters = &cp
		writes, estimate = 1, keyUnits(p.Key)
	case *dynamodb.BatchWriteItemInput:
		cp := *p
		cp.ReturnConsumedCapacity = indexes
		in.Parameters = &cp
		writes, estimate = batchUnits(p.RequestItems)
	case *dynamodb.TransactWriteItemsInput:
		cp := *p
		cp.ReturnConsumedCapacity = indexes
		in.Parameters = &cp
		for _, w := range p.TransactItems {
			writes++
			switch {
			case w.Put != nil:
				estimate += 2 * putUnits(w.Put.Item)
			case w.Update != nil:
				estimate += 2 * keyUnits(w.Update.Key)
			case w.Delete != nil:
				estimate += 2 * keyUnits(w.Delete.Key)
			case w.ConditionCheck != nil:
				writes--
				estimate += 2
			}
		}
	case *dynamodb.GetItemInput:
		cp := *p
		cp.ReturnConsumedCapacity = indexes
		in.Parameters = &cp
	case *dynamodb.QueryInput:
		cp := *p
		cp.ReturnConsumedCapacity = indexes
		in.Parameters = &cp
	case *dynamodb.BatchGetItemInput:
		cp := *p
		cp.ReturnConsumedCapacity = indexes
		in.Parameters = &cp
	case *dynamodb.TransactGetItemsInput:
		cp := *p
		cp.ReturnConsumedCapacity = indexes
		in.Parameters = &cp
	}
	out, md, err := next.HandleInitialize(ctx, in)
	var consumed []types.ConsumedCapacity
	switch r := out.Result.(type) {
	case *dynamodb.PutItemOutput:
		consumed = one(r.ConsumedCapacity)
	case *dynamodb.UpdateItemOutput:
		consumed = one(r.ConsumedCapacity)
	case *dynamodb.DeleteItemOutput:
		consumed = one(r.ConsumedCapacity)
	case *dynamodb.BatchWriteItemOutput:
		consumed = r.ConsumedCapacity
		n, units := batchUnits(r.UnprocessedItems)
		writes -= n
		estimate -= units
	case *dynamodb.TransactWriteItemsOutput:
		consumed = r.ConsumedCapacity
	case *dynamodb.GetItemOutput:
		consumed = one(r.ConsumedCapacity)
	case *dynamodb.QueryOutput:
		consumed = one(r.ConsumedCapacity)
	case *dynamodb.BatchGetItemOutput:
		consumed = r.ConsumedCapacity
	case *dynamodb.TransactGetItemsOutput:
		consumed = r.ConsumedCapacity
	}
	c.op(name, func(op *DDBOp) {
		op.Calls++
		if err != nil {
			op.Errors++
			return
		}
		op.ItemWrites += writes
		op.EstimatedWCU += estimate
		if len(consumed) > 0 {
			op.Reported = true
			op.ReportedCalls++
		}
		for _, cc := range consumed {
			op.WCU += f64(cc.WriteCapacityUnits)
			op.RCU += f64(cc.ReadCapacityUnits)
			if cc.WriteCapacityUnits == nil && cc.ReadCapacityUnits == nil {
				// Some endpoints give only the total: count it by kind.
				if isRead(name) {
					op.RCU += f64(cc.CapacityUnits)
				} else {
					op.WCU += f64(cc.CapacityUnits)
				}
			}
			for _, ix := range cc.GlobalSecondaryIndexes {
				op.IndexWCU += indexWrites(name, ix)
			}
			op.addUnits(name, cc)
			for _, ix := range cc.LocalSecondaryIndexes {
				op.IndexWCU += indexWrites(name, ix)
			}
		}
	})
	return out, md, err
}

// addUnits records a reported capacity by table and index. Where the
// endpoint gives no breakdown (TOTAL only), the whole goes to the table.
func (op *DDBOp) addUnits(name string, cc types.ConsumedCapacity) {
	if op.Units == nil {
		op.Units = map[string]Units{}
	}
	add := func(key string, c types.Capacity) {
		u := op.Units[key]
		switch {
		case c.ReadCapacityUnits != nil || c.WriteCapacityUnits != nil:
			u.Read += f64(c.ReadCapacityUnits)
			u.Write += f64(c.WriteCapacityUnits)
		case isRead(name):
			u.Read += f64(c.CapacityUnits)
		default:
			u.Write += f64(c.CapacityUnits)
		}
		op.Units[key] = u
	}
	if cc.Table == nil && len(cc.GlobalSecondaryIndexes) == 0 {
		add("table", types.Capacity{CapacityUnits: cc.CapacityUnits, ReadCapacityUnits: cc.ReadCapacityUnits, WriteCapacityUnits: cc.WriteCapacityUnits})
		return
	}
	if cc.Table != nil {
		add("table", *cc.Table)
	}
	for name, ix := range cc.GlobalSecondaryIndexes {
		add(name, ix)
	}
}

// indexWrites is the write units an index consumed; DynamoDB Local gives
// only CapacityUnits for most operations.
func indexWrites(name string, c types.Capacity) float64 {
	switch {
	case c.WriteCapacityUnits != nil:
		return *c.WriteCapacityUnits
	case c.ReadCapacityUnits == nil && !isRead(name):
		return f64(c.CapacityUnits)
	}
	return 0
}

func isRead(name string) bool {
	switch name {
	case "GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems":
		return true
	}
	return false
}

func one(c *types.ConsumedCapacity) []types.ConsumedCapacity {
	if c == nil {
		return nil
	}
	return []types.ConsumedCapacity{*c}
}

func f64(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}

func batchUnits(requests map[string][]types.WriteRequest) (writes int, units float64) {
	for _, rs := range requests {
		for _, r := range rs {
			writes++
			switch {
			case r.PutRequest != nil:
				units += putUnits(r.PutRequest.Item)
			case r.DeleteRequest != nil:
				units += keyUnits(r.DeleteRequest.Key)
			}
		}
	}
	return writes, units
}

// gsiKeys are the key attributes of the table's indexes, both of which
// project ALL attributes.
var gsiKeys = [][2]string{{"GSI1PK", "GSI1SK"}, {"GSI2PK", "GSI2SK"}}

// putUnits is the write units of putting a new item: the table's and those
// of every index the item has keys for.
func putUnits(item map[string]types.AttributeValue) float64 {
	units := math.Ceil(float64(ItemSize(item)) / 1024)
	total := units
	for _, k := range gsiKeys {
		if item[k[0]] != nil && item[k[1]] != nil {
			total += units
		}
	}
	return total
}

// keyUnits is at least what an update or delete by key costs: one unit.
func keyUnits(map[string]types.AttributeValue) float64 { return 1 }

// ItemSize is an item's size as DynamoDB counts it: attribute names plus
// values; numbers about half their digits plus one; lists and maps 3 bytes
// plus one per element.
func ItemSize(item map[string]types.AttributeValue) int {
	n := 0
	for name, v := range item {
		n += len(name) + valueSize(v)
	}
	return n
}

func valueSize(v types.AttributeValue) int {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return len(v.Value)
	case *types.AttributeValueMemberN:
		return numberSize(v.Value)
	case *types.AttributeValueMemberB:
		return len(v.Value)
	case *types.AttributeValueMemberBOOL, *types.AttributeValueMemberNULL:
		return 1
	case *types.AttributeValueMemberSS:
		n := 0
		for _, s := range v.Value {
			n += len(s)
		}
		return n
	case *types.AttributeValueMemberNS:
		n := 0
		for _, s := range v.Value {
			n += numberSize(s)
		}
		return n
	case *types.AttributeValueMemberBS:
		n := 0
		for _, b := range v.Value {
			n += len(b)
		}
		return n
	case *types.AttributeValueMemberL:
		n := 3
		for _, e := range v.Value {
			n += 1 + valueSize(e)
		}
		return n
	case *types.AttributeValueMemberM:
		n := 3
		for name, e := range v.Value {
			n += 1 + len(name) + valueSize(e)
		}
		return n
	}
	return 0
}

func numberSize(s string) int {
	digits := strings.Trim(strings.NewReplacer("-", "", ".", "").Replace(s), "0")
	return (len(digits)+1)/2 + 1
}
