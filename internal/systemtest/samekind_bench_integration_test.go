//go:build integration

package systemtest

// Emulator-only: the raw baseline of the write-path benchmarks.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
	"golang.org/x/sync/errgroup"
)

// A write path is compared with raw writes of the same kind, on the same
// table in the same run: the very write requests the path sent, recorded
// as it sent them (writeLog), written again under keys of their own at
// several numbers of requests in flight. Conditional writes and
// transactions cannot be batched, so they are sent again request for
// request, as the code sent them (same actions, conditions and items);
// plain items (batch writes, unconditional puts and deletes) are written
// with BatchWriteItem, 25 to a request. The fastest writer count of each
// kind is the emulator's limit for it, and the path's floor on this
// machine is the time both kinds take at their limits. Reads are not in
// that floor, but they are recorded too and sent again as they were (on
// the path's own items), so a second figure says how much of the gap the
// path's reads explain.

// sameKindWriters are the numbers of requests in flight the raw writes
// are measured at.
var sameKindWriters = []int{1, 4, 8, 16, 32}

// writeSet is what a path wrote: requests to send again as they were,
// and plain items to batch-write.
type writeSet struct {
	sent    []any
	batched []types.WriteRequest
	reads   []any
	// requests counts the path's write requests by kind; refused, its
	// writes refused by a condition or a cancelled transaction (work the
	// path did that the baseline, repeating only writes that took, does
	// not).
	requests map[string]int
	refused  int
	// inFlight is the time integral of the path's write requests in
	// flight (request-seconds): over the run's time, how many it kept
	// going on average, to hold against the raw writes' best count.
	inFlight float64
}

// writeLog records the writes that took of every client it is installed
// in (Option, or APIOption for apitest.Options), and passes every call on.
type writeLog struct {
	mu       sync.Mutex
	set      writeSet
	inFlight int
	changed  time.Time
}

// flight moves the count of write requests in flight by d, adding the
// time since the last move at the old count.
func (l *writeLog) flight(d int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if l.inFlight > 0 {
		l.set.inFlight += float64(l.inFlight) * now.Sub(l.changed).Seconds()
	}
	l.inFlight += d
	l.changed = now
}

// isWrite tells the write requests apart from reads and other calls.
func isWrite(params any) bool {
	switch params.(type) {
	case *dynamodb.BatchWriteItemInput, *dynamodb.PutItemInput, *dynamodb.DeleteItemInput, *dynamodb.UpdateItemInput, *dynamodb.TransactWriteItemsInput:
		return true
	}
	return false
}

func (l *writeLog) Option(o *dynamodb.Options) { o.APIOptions = append(o.APIOptions, l.APIOption) }

func (l *writeLog) APIOption(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("writeLog", l.record), middleware.Before)
}

func (l *writeLog) record(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
	if !isWrite(in.Parameters) {
		out, md, err := next.HandleInitialize(ctx, in)
		if err == nil {
			l.recordRead(in.Parameters)
		}
		return out, md, err
	}
	l.flight(1)
	out, md, err := next.HandleInitialize(ctx, in)
	l.flight(-1)
	l.mu.Lock()
	defer l.mu.Unlock()
	s := &l.set
	if s.requests == nil {
		s.requests = map[string]int{}
	}
	var cond *types.ConditionalCheckFailedException
	var cancelled *types.TransactionCanceledException
	if errors.As(err, &cond) || errors.As(err, &cancelled) {
		s.refused++
		return out, md, err
	}
	if err != nil {
		return out, md, err
	}
	switch p := in.Parameters.(type) {
	case *dynamodb.BatchWriteItemInput:
		s.requests["BatchWriteItem"]++
		left := map[string]bool{}
		if o, ok := out.Result.(*dynamodb.BatchWriteItemOutput); ok {
			for _, ws := range o.UnprocessedItems {
				for _, w := range ws {
					left[writeKey(w)] = true
				}
			}
		}
		for _, ws := range p.RequestItems {
			for _, w := range ws {
				if !left[writeKey(w)] {
					s.batched = append(s.batched, w)
				}
			}
		}
	case *dynamodb.PutItemInput:
		c := *p
		s.single("PutItem", p.ConditionExpression != nil, types.WriteRequest{PutRequest: &types.PutRequest{Item: p.Item}}, &c)
	case *dynamodb.DeleteItemInput:
		c := *p
		s.single("DeleteItem", p.ConditionExpression != nil, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: p.Key}}, &c)
	case *dynamodb.UpdateItemInput:
		if p.ConditionExpression == nil {
			s.requests["UpdateItem"]++
		} else {
			s.requests["UpdateItem conditional"]++
		}
		c := *p
		s.sent = append(s.sent, &c)
	case *dynamodb.TransactWriteItemsInput:
		s.requests[fmt.Sprintf("TransactWriteItems of %d", len(p.TransactItems))]++
		c := *p
		s.sent = append(s.sent, &c)
	}
	return out, md, err
}

// single records a PutItem or DeleteItem of op: a conditional one to send
// again as it was (req), a plain one as an item to batch-write (plain).
func (s *writeSet) single(op string, conditional bool, plain types.WriteRequest, req any) {
	if conditional {
		s.requests[op+" conditional"]++
		s.sent = append(s.sent, req)
		return
	}
	s.requests[op]++
	s.batched = append(s.batched, plain)
}

// recordRead keeps a read that succeeded, to send again as it was.
func (l *writeLog) recordRead(params any) {
	var c any
	switch p := params.(type) {
	case *dynamodb.GetItemInput:
		v := *p
		c = &v
	case *dynamodb.BatchGetItemInput:
		v := *p
		c = &v
	case *dynamodb.QueryInput:
		v := *p
		c = &v
	default:
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.set.reads = append(l.set.reads, c)
}

// Take returns what was recorded so far, and forgets it.
func (l *writeLog) Take() writeSet {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.set
	l.set = writeSet{}
	return s
}

// writeKey names the item a batch write touches.
func writeKey(w types.WriteRequest) string {
	k := map[string]types.AttributeValue{}
	if w.PutRequest != nil {
		k = w.PutRequest.Item
	} else if w.DeleteRequest != nil {
		k = w.DeleteRequest.Key
	}
	var pk, sk string
	if v, ok := k["PK"].(*types.AttributeValueMemberS); ok {
		pk = v.Value
	}
	if v, ok := k["SK"].(*types.AttributeValueMemberS); ok {
		sk = v.Value
	}
	return pk + "\x00" + sk
}

// rekey is item (or key) with its partition key under prefix: the raw
// writes land on items of their own, which their conditions find as the
// path's found its own when the path's earlier writes were replayed
// first.
func rekey(prefix string, item map[string]types.AttributeValue) map[string]types.AttributeValue {
	out := make(map[string]types.AttributeValue, len(item))
	for name, v := range item {
		out[name] = v
	}
	if v, ok := item["PK"].(*types.AttributeValueMemberS); ok {
		out["PK"] = &types.AttributeValueMemberS{Value: prefix + v.Value}
	}
	return out
}

// withKey is a copy of *v with the key or item field that at points to
// rekeyed under prefix.
func withKey[T any](prefix string, v *T, at func(*T) *map[string]types.AttributeValue) *T {
	c := *v
	k := at(&c)
	*k = rekey(prefix, *k)
	return &c
}

// resend sends a recorded request again, a write under prefix (a read as
// it was). A condition or transaction refused is no error: it is the
// emulator's work all the same.
func resend(ctx context.Context, client *dynamodb.Client, prefix string, req any) (refused bool, err error) {
	type attrs = map[string]types.AttributeValue
	switch p := req.(type) {
	case *dynamodb.UpdateItemInput:
		_, err = client.UpdateItem(ctx, withKey(prefix, p, func(c *dynamodb.UpdateItemInput) *attrs { return &c.Key }))
	case *dynamodb.PutItemInput:
		_, err = client.PutItem(ctx, withKey(prefix, p, func(c *dynamodb.PutItemInput) *attrs { return &c.Item }))
	case *dynamodb.DeleteItemInput:
		_, err = client.DeleteItem(ctx, withKey(prefix, p, func(c *dynamodb.DeleteItemInput) *attrs { return &c.Key }))
	case *dynamodb.TransactWriteItemsInput:
		c := *p
		c.ClientRequestToken = nil // a token names one request's contents
		c.TransactItems = make([]types.TransactWriteItem, len(p.TransactItems))
		for i, it := range p.TransactItems {
			switch {
			case it.Put != nil:
				it.Put = withKey(prefix, it.Put, func(a *types.Put) *attrs { return &a.Item })
			case it.Update != nil:
				it.Update = withKey(prefix, it.Update, func(a *types.Update) *attrs { return &a.Key })
			case it.Delete != nil:
				it.Delete = withKey(prefix, it.Delete, func(a *types.Delete) *attrs { return &a.Key })
			case it.ConditionCheck != nil:
				it.ConditionCheck = withKey(prefix, it.ConditionCheck, func(a *types.ConditionCheck) *attrs { return &a.Key })
			}
			c.TransactItems[i] = it
		}
		_, err = client.TransactWriteItems(ctx, &c)
	case *dynamodb.GetItemInput:
		_, err = client.GetItem(ctx, p)
	case *dynamodb.BatchGetItemInput:
		_, err = client.BatchGetItem(ctx, p)
	case *dynamodb.QueryInput:
		_, err = client.Query(ctx, p)
	default:
		return false, fmt.Errorf("resend: %T is not a recorded call", req)
	}
	var cond *types.ConditionalCheckFailedException
	var cancelled *types.TransactionCanceledException
	if errors.As(err, &cond) || errors.As(err, &cancelled) {
		return true, nil
	}
	return false, err
}

// packUnique packs writes into BatchWriteItem requests of up to 25, in
// order, never two writes of one item in a request (DynamoDB refuses
// that): the path may write an item twice in a run.
func packUnique(writes []types.WriteRequest) [][]types.WriteRequest {
	var out [][]types.WriteRequest
	var cur []types.WriteRequest
	seen := map[string]bool{}
	for _, w := range writes {
		k := writeKey(w)
		if len(cur) == 25 || seen[k] {
			out, cur, seen = append(out, cur), nil, map[string]bool{}
		}
		cur = append(cur, w)
		seen[k] = true
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// kindRate is one kind's raw throughput by writers in flight.
type kindRate struct {
	units map[int]int
	time  map[int]time.Duration
}

func (k *kindRate) add(writers, units int, d time.Duration) {
	if k.units == nil {
		k.units, k.time = map[int]int{}, map[int]time.Duration{}
	}
	k.units[writers] += units
	k.time[writers] += d
}

func (k *kindRate) rate(writers int) float64 {
	if k.time[writers] <= 0 {
		return 0
	}
	return float64(k.units[writers]) / k.time[writers].Seconds()
}

// best is the writer count of the highest rate, and that rate.
func (k *kindRate) best() (int, float64) {
	bestW, bestRate := 0, 0.0
	for _, w := range sameKindWriters {
		if r := k.rate(w); r > bestRate {
			bestW, bestRate = w, r
		}
	}
	return bestW, bestRate
}

func (k *kindRate) String() string {
	w, best := k.best()
	parts := []string{}
	for _, n := range sameKindWriters {
		if k.units[n] > 0 {
			parts = append(parts, fmt.Sprintf("%d: %.0f/s", n, k.rate(n)))
		}
	}
	return fmt.Sprintf("best %.0f/s at %d in flight (%s)", best, w, strings.Join(parts, ", "))
}

// sameKind is the raw baseline of a path, summed over its runs.
type sameKind struct {
	sent, batched, reads kindRate
	// pathSent and pathBatched are the path's requests sent as they were
	// and plain items; pathTime, the path's time for them.
	pathSent, pathBatched, pathReads int
	pathTime                         time.Duration
	requests                         map[string]int
	pathRefused, refused             int
	pathInFlight                     float64
}

// replay writes s again under prefix, split into one part per writer
// count (in the order of sameKindWriters rotated by rotate, so no count
// always meets the table at the same size), and adds the path's run of s,
// which took took.
func (k *sameKind) replay(ctx context.Context, client *dynamodb.Client, table, prefix string, s writeSet, took time.Duration, rotate int) error {
	if k.requests == nil {
		k.requests = map[string]int{}
	}
	for name, n := range s.requests {
		k.requests[name] += n
	}
	k.pathSent += len(s.sent)
	k.pathBatched += len(s.batched)
	k.pathReads += len(s.reads)
	k.pathTime += took
	k.pathRefused += s.refused
	k.pathInFlight += s.inFlight
	n := len(sameKindWriters)
	for part := range n {
		writers := sameKindWriters[(part+rotate)%n]
		sent := s.sent[part*len(s.sent)/n : (part+1)*len(s.sent)/n]
		start := time.Now()
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(writers)
		var mu sync.Mutex
		for _, req := range sent {
			g.Go(func() error {
				refused, err := resend(gctx, client, prefix, req)
				if refused {
					mu.Lock()
					k.refused++
					mu.Unlock()
				}
				return err
			})
		}
		if err := g.Wait(); err != nil {
			return err
		}
		k.sent.add(writers, len(sent), time.Since(start))

		items := s.batched[part*len(s.batched)/n : (part+1)*len(s.batched)/n]
		start = time.Now()
		if err := sendBatches(ctx, client, table, packUnique(rekeyWrites(prefix, items)), writers); err != nil {
			return err
		}
		k.batched.add(writers, len(items), time.Since(start))

		reads := s.reads[part*len(s.reads)/n : (part+1)*len(s.reads)/n]
		start = time.Now()
		g, gctx = errgroup.WithContext(ctx)
		g.SetLimit(writers)
		for _, req := range reads {
			g.Go(func() error {
				_, err := resend(gctx, client, prefix, req)
				return err
			})
		}
		if err := g.Wait(); err != nil {
			return err
		}
		k.reads.add(writers, len(reads), time.Since(start))
	}
	return nil
}

// rekeyWrites is writes with their items' partition keys under prefix.
func rekeyWrites(prefix string, writes []types.WriteRequest) []types.WriteRequest {
	out := make([]types.WriteRequest, len(writes))
	for i, w := range writes {
		if w.PutRequest != nil {
			out[i] = types.WriteRequest{PutRequest: &types.PutRequest{Item: rekey(prefix, w.PutRequest.Item)}}
		} else {
			out[i] = types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: rekey(prefix, w.DeleteRequest.Key)}}
		}
	}
	return out
}

// seedWriters is how many requests seed keeps in flight.
const seedWriters = 32

// seed writes s again under prefix, untimed and at once: what a path's
// run finds written before it (its requests, its associations), so that
// the replay's conditions find it too; it is not measured.
func seed(ctx context.Context, client *dynamodb.Client, table, prefix string, s writeSet) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(seedWriters)
	for _, req := range s.sent {
		g.Go(func() error {
			_, err := resend(gctx, client, prefix, req)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return sendBatches(ctx, client, table, packUnique(rekeyWrites(prefix, s.batched)), seedWriters)
}

// floor is the time the path's writes take as raw writes of their kinds,
// each at its best writer count.
func (k *sameKind) floor() time.Duration {
	var d float64
	if _, r := k.sent.best(); r > 0 {
		d += float64(k.pathSent) / r
	}
	if _, r := k.batched.best(); r > 0 {
		d += float64(k.pathBatched) / r
	}
	return time.Duration(d * float64(time.Second))
}

// ratio is the path's rate over the raw rate of the same writes: the
// floor's time over the path's.
func (k *sameKind) ratio() float64 { return k.floor().Seconds() / k.pathTime.Seconds() }

// readTime is the time the path's reads take sent again at their best
// count.
func (k *sameKind) readTime() time.Duration {
	_, r := k.reads.best()
	if r == 0 {
		return 0
	}
	return time.Duration(float64(k.pathReads) / r * float64(time.Second))
}

// ratioWithReads is ratio with the path's reads in the floor.
func (k *sameKind) ratioWithReads() float64 {
	return (k.floor() + k.readTime()).Seconds() / k.pathTime.Seconds()
}

// String says what the path wrote and how fast each kind went raw.
func (k *sameKind) String() string {
	return fmt.Sprintf("path %.1f s for %d requests sent as they were and %d plain items (%s; %d refused by a condition, not repeated; %.1f write requests in flight on average); raw, as sent: %s, %d refused on replay; plain items by BatchWriteItem: %s; floor %.1f s, ratio %.2f (aim ≥ 0.8); the path's %d reads sent again: %s, %.1f s; ratio with them in the floor %.2f",
		k.pathTime.Seconds(), k.pathSent, k.pathBatched, requestKinds(k.requests), k.pathRefused, k.pathInFlight/k.pathTime.Seconds(),
		&k.sent, k.refused, &k.batched, k.floor().Seconds(), k.ratio(), k.pathReads, &k.reads, k.readTime().Seconds(), k.ratioWithReads())
}

func requestKinds(m map[string]int) string {
	parts := make([]string, 0, len(m))
	for _, name := range names(m) {
		parts = append(parts, fmt.Sprintf("%s %d", name, m[name]))
	}
	return strings.Join(parts, ", ")
}

// sendBatches writes batches with writers requests in flight, unprocessed
// items retried after 20 ms, doubling, as the store's batch writer does.
func sendBatches(ctx context.Context, client *dynamodb.Client, table string, batches [][]types.WriteRequest, writers int) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(writers)
	for _, batch := range batches {
		g.Go(func() error {
			pending := map[string][]types.WriteRequest{table: batch}
			for attempt := 1; ; attempt++ {
				out, err := client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
				if err != nil {
					return err
				}
				if len(out.UnprocessedItems) == 0 {
					return nil
				}
				if attempt == 8 {
					return fmt.Errorf("batch write: %d items still unprocessed", len(out.UnprocessedItems[table]))
				}
				pending = out.UnprocessedItems
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(20 * time.Millisecond << (attempt - 1)):
				}
			}
		})
	}
	return g.Wait()
}
