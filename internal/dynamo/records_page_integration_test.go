//go:build integration

package dynamo

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"

	"github.com/parcelgate/parcelgate/internal/data"
)

// callHook runs a test's function before each DynamoDB call of a client,
// so that a test moves an import at a chosen point of a read.
type callHook struct {
	before atomic.Pointer[func(op string, in any)]
}

func (h *callHook) option(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("callHook", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			if f := h.before.Load(); f != nil {
				(*f)(awsmiddleware.GetOperationName(ctx), in.Parameters)
			}
			return next.HandleInitialize(ctx, in)
		}), middleware.Before)
	})
}

// pageCalls counts what reading a page asked of the table.
type pageCalls struct {
	mu sync.Mutex
	// queries counts the Queries that start a shard's read, by partition
	// (one per page and attempt); states the BatchGetItems of import states.
	queries map[string]int
	states  int
}

func (c *pageCalls) count(op string, in any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch in := in.(type) {
	case *dynamodb.QueryInput:
		if in.ExclusiveStartKey == nil {
			c.queries[getS(in.ExpressionAttributeValues, ":pk")]++
		}
	case *dynamodb.BatchGetItemInput:
		if readsStates(in) {
			c.states++
		}
	}
}

// readsStates tells whether a BatchGetItem reads imports' states.
func readsStates(in *dynamodb.BatchGetItemInput) bool {
	for _, ka := range in.RequestItems {
		for _, k := range ka.Keys {
			if strings.HasPrefix(getS(k, attrPK), importPK("")) {
				return true
			}
		}
	}
	return false
}

// pageFixture is a project of 4 record shards, read through a hooked
// client.
type pageFixture struct {
	*raceFixture
	hook  *callHook
	calls *pageCalls
}

func newPageFixture(t *testing.T, s *Adapters, hook *callHook) *pageFixture {
	f := &pageFixture{raceFixture: newRaceFixture(t, s), hook: hook, calls: &pageCalls{queries: map[string]int{}}}
	s.Table.counts.m.Store(f.project, layout{associationShards, recordShards})
	t.Cleanup(func() { hook.before.Store(nil) })
	return f
}

// inShard is n codes of users that hash to shard 0 of 4: a page of them
// needs more than one round of that shard.
func inShard(n int) []string {
	var codes []string
	for i := 0; len(codes) < n; i++ {
		if c := fmt.Sprintf("u%04d", i); shards(recordShards).of(c) == 0 {
			codes = append(codes, c)
		}
	}
	return codes
}

func renamed(codes []string, name string) map[string]string {
	out := map[string]string{}
	for _, c := range codes {
		out[c] = name
	}
	return out
}

// paused runs the import of p until its hook reaches step, and holds it
// there until the function it returns is called, which lets the import
// go on and returns how it ended.
func (f *pageFixture) paused(p data.Plan, step string) func() data.Import {
	reached, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	running := *f.s.Imports
	running.Hook = func(_ context.Context, _, at string) error {
		if at == step {
			once.Do(func() { close(reached); <-release })
		}
		return nil
	}
	id := f.stage(&running, p)
	ended := make(chan data.Import, 1)
	go func() {
		imp, err := running.RunImport(f.ctx, id, time.Now().Add(time.Minute))
		if err != nil {
			f.t.Error(err)
		}
		ended <- imp
	}()
	<-reached
	var resumed sync.Once
	var imp data.Import
	return func() data.Import {
		resumed.Do(func() { close(release); imp = <-ended })
		return imp
	}
}

// when counts every call from now on, and runs move once, before the
// first call that matches (none when match is nil).
func (f *pageFixture) when(match func(op string, in any) bool, move func()) {
	var once sync.Once
	fn := func(op string, in any) {
		f.calls.count(op, in)
		if match != nil && match(op, in) {
			once.Do(move)
		}
	}
	f.hook.before.Store(&fn)
}

// page reads the users in code order and counts their names.
func (f *pageFixture) page(limit int) map[string]int {
	f.t.Helper()
	recs, _, err := f.s.Records.ReadRecords(f.ctx, data.Read{ProjectID: f.project, Entity: f.users, Limit: limit})
	if err != nil {
		f.t.Fatal(err)
	}
	names := map[string]int{}
	for _, r := range recs {
		n, _ := r.Values["name"].(string)
		names[n]++
	}
	return names
}

func laterRound(_ string, in any) bool {
	q, ok := in.(*dynamodb.QueryInput)
	return ok && q.ExclusiveStartKey != nil
}

func statesRead(_ string, in any) bool {
	b, ok := in.(*dynamodb.BatchGetItemInput)
	return ok && readsStates(b)
}

func TestAPageOfShardedRecordsSeesAnImportAllBeforeOrAllAfterItsCommit(t *testing.T) {
	hook := &callHook{}
	s := newStore(t, hook.option)

	// The import is read PENDING in the page's first round, then commits
	// and applies every record before the second: the page, which would
	// have served 10 old records and 14 new, is read again, all new.
	t.Run("CommittedAndAppliedBetweenTwoRounds", func(t *testing.T) {
		f := newPageFixture(t, s, hook)
		codes := inShard(24)
		for _, c := range codes {
			f.stored(c, "old")
		}
		resume := f.paused(f.plan(renamed(codes, "new"), codes...), "locked 0")
		f.when(laterRound, func() {
			if imp := resume(); imp.Status != data.ImportCompleted {
				t.Errorf("import: %+v", imp)
			}
		})
		if got := f.page(24); got["new"] != 24 {
			t.Errorf("page: %v, want 24 new", got)
		}
		if q := f.calls.queries[dataPK(recordShards, f.project, f.users.Name, 0)]; q != 2 {
			t.Errorf("shard 0 read from its start %d times, want 2 (the page read again once)", q)
		}
	})

	// The import has locked its first chunk of 100 when the page's
	// Queries read, then locks the other 50, commits and applies before
	// the page reads its state: those 50 were read as they were, nothing
	// showing the import, so the page is read again, all new.
	t.Run("CommittedBetweenTheQueriesAndTheStateRead", func(t *testing.T) {
		f := newPageFixture(t, s, hook)
		var codes []string
		for i := range 150 {
			codes = append(codes, fmt.Sprintf("u%04d", i))
			f.stored(codes[i], "old")
		}
		resume := f.paused(f.plan(renamed(codes, "new"), codes...), "locked 0")
		f.when(statesRead, func() {
			if imp := resume(); imp.Status != data.ImportCompleted {
				t.Errorf("import: %+v", imp)
			}
		})
		if got := f.page(200); got["new"] != 150 {
			t.Errorf("page: %v, want 150 new", got)
		}
		if f.calls.states != 1 {
			t.Errorf("%d reads of import states, want 1", f.calls.states)
		}
	})

	// An import paused between its commit and its apply: the first page
	// that meets it reads its state and is read again; the process then
	// knows it committed, and its next page reads neither.
	t.Run("CommittedImportJudgedOncePerProcess", func(t *testing.T) {
		f := newPageFixture(t, s, hook)
		var codes []string
		for i := range 12 {
			codes = append(codes, fmt.Sprintf("u%04d", i))
			f.stored(codes[i], "old")
		}
		resume := f.paused(f.plan(renamed(codes, "new"), codes...), "committed")
		defer resume()
		f.when(nil, nil)
		shard0 := dataPK(recordShards, f.project, f.users.Name, 0)
		for i, want := range []int{2, 3} {
			if got := f.page(100); got["new"] != 12 {
				t.Errorf("page %d: %v, want 12 new", i+1, got)
			}
			if f.calls.states != 1 || f.calls.queries[shard0] != want {
				t.Errorf("after page %d: %d reads of import states, shard 0 read from its start %d times; want 1 and %d", i+1, f.calls.states, f.calls.queries[shard0], want)
			}
		}
	})

	// The import fails on a row of its second chunk, changed since it
	// was planned, and rolls back between the page's rounds: the first
	// read its first chunk's rows locked, the others read them released,
	// all old and the page read once.
	t.Run("RolledBackBetweenTwoRounds", func(t *testing.T) {
		f := newPageFixture(t, s, hook)
		codes := inShard(importChunkRows + 1)
		stored := map[string]data.Record{}
		for _, c := range codes {
			stored[c] = f.stored(c, "old")
		}
		p := f.plan(renamed(codes, "new"), codes...)
		last := codes[importChunkRows]
		changed := stored[last]
		if err := s.Records.SaveRecord(f.ctx, f.project, f.users, &changed, f.user(last, "old")); err != nil {
			t.Fatal(err)
		}
		resume := f.paused(p, fmt.Sprintf("refused [%d]", importChunkRows))
		f.when(laterRound, func() {
			if imp := resume(); imp.Status != data.ImportFailed {
				t.Errorf("import: %+v, want FAILED", imp)
			}
		})
		if got := f.page(24); got["old"] != 24 {
			t.Errorf("page: %v, want 24 old", got)
		}
		if q := f.calls.queries[dataPK(recordShards, f.project, f.users.Name, 0)]; q != 1 || f.calls.states != 2 {
			t.Errorf("shard 0 read from its start %d times, import states read %d times; want 1 and 2 (judged, then confirmed)", q, f.calls.states)
		}
	})

	// Locks written late by a rolled-back import's runner, whose
	// transaction record has since expired: the records read as they
	// were, the one it would have added not at all, for one read of the
	// import's state in all 4 shards.
	t.Run("LocksOfAnImportWhoseRecordIsGone", func(t *testing.T) {
		f := newPageFixture(t, s, hook)
		var codes []string
		for i := range 12 {
			codes = append(codes, fmt.Sprintf("u%04d", i))
			f.stored(codes[i], "old")
		}
		p := f.plan(renamed(append(codes, "u9999"), "new"), append(codes, "u9999")...)
		id := f.stage(s.Imports, p)
		chunk, err := s.Imports.readChunk(f.ctx, id, 0)
		if err != nil {
			t.Fatal(err)
		}
		if imp, err := s.Imports.FailImport(f.ctx, id, "processing gave up"); err != nil || imp.Status != data.ImportFailed {
			t.Fatalf("FailImport: %+v, %v", imp, err)
		}
		late := &runner{s: s.Imports, id: id, tx: txRecord{ProjectID: f.project}}
		for _, ch := range chunk.changes {
			if fail, err := late.lockChange(f.ctx, ch); fail != nil || err != nil {
				t.Fatalf("late lock of %s: %+v, %v", ch.code, fail, err)
			}
		}
		if _, err := s.Table.Client.DeleteItem(f.ctx, &dynamodb.DeleteItemInput{TableName: &s.Table.Name, Key: importKey(id)}); err != nil {
			t.Fatal(err)
		}
		f.when(nil, nil)
		if got := f.page(100); got["old"] != 12 || len(got) != 1 {
			t.Errorf("page: %v, want 12 old", got)
		}
		if f.calls.states != 1 || len(f.calls.queries) != recordShards {
			t.Errorf("%d reads of import states and %d shards read, want 1 and %d", f.calls.states, len(f.calls.queries), recordShards)
		}
	})
}
