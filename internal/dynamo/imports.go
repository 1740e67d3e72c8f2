package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"github.com/parcelgate/parcelgate/internal/data"
	"github.com/parcelgate/parcelgate/internal/outage"
	"github.com/parcelgate/parcelgate/internal/sweep"
)

var _ data.ImportStore = (*Imports)(nil)

// Import transactions: atomic writes of any number of records.
//
// An import larger than one TransactWriteItems follows a lock-and-commit
// protocol after awslabs/dynamodb-transactions' DESIGN.md, simplified by
// keeping each record's committed version in place until the commit
// (a shadow write) instead of writing over it and saving a before-image:
//
//	item                 PK                SK        holds
//	transaction record   DATATX#<id>       TX        state, progress, lease, counts, sweep index (GSI3)
//	journal chunk        DATATX#<id>       J#<n>     up to importChunkRows changes (code, stored stamp, new version) and checks
//
// States: PENDING → COMMITTED → DONE, or PENDING → ROLLING_BACK →
// ROLLED_BACK. The one conditional update PENDING → COMMITTED is the
// commit point; nothing else decides.
//
//  1. Stage: the transaction record (PENDING) and the journal are written.
//  2. Lock, chunk by chunk, only while PENDING: each record item gets
//     tx = <id> and txNew = its new version, on the condition that its
//     stamp is still the one planned and no other import holds it (a
//     record not stored yet gets a placeholder with txNone). Its GSI1
//     keys move to the new version's, so the delta-sync index is ready
//     before the commit. Records outside the import that its foreign keys
//     name get the id added to their txReaders set: while it is there no
//     single write or physical delete can touch them.
//  3. Commit: state PENDING → COMMITTED, conditionally; the licences of
//     the active accounts the import removes are given back in the same
//     transaction (counted when staged: the locks keep the records as
//     planned until then).
//  4. Apply, chunk by chunk: first the reference, tracked and subscription
//     items of every change, then each record's new version moved in
//     place of the old (conditional on tx = <id>), then the read locks
//     released; then DONE.
//
// Readers never see a mix: a reader that meets a locked item reads the
// transaction's state after the item, and serves txNew when COMMITTED or
// DONE, the item's committed attributes otherwise (a placeholder is then
// absent). Since the state only ever moves PENDING → COMMITTED before any
// item is applied, every item of one page resolves to the same side.
//
// Every step is idempotent and recorded (state, step) on the transaction
// record, under a lease: a runner that dies leaves the lease to expire,
// and the next one (the queue's redelivery, the sweeper's requeue) goes on
// from the recorded step. A failed lock (a row changed since it was read,
// or a foreign key target gone) decides ROLLING_BACK: every lock is
// removed and every placeholder deleted, and the import is FAILED with
// nothing changed. Writers that meet the lock of a finished transaction
// settle it (apply or roll back that item) and go on.
//
// Cost: per record, one conditional write to lock and one to apply (plus
// its reference items), and 1/importChunkRows journal write; about 2N+3
// writes where the library's protocol needs about 7N+4.

// Lock attributes of a record item.
const (
	attrTx        = "tx"
	attrTxNew     = "txNew"
	attrTxNone    = "txNone"
	attrTxGone    = "txGone"
	attrTxReaders = "txReaders"
)

// unlocked is the condition a single write puts on the record it writes:
// no import holds it.
const unlocked = "attribute_not_exists(" + attrTx + ") AND attribute_not_exists(" + attrTxReaders + ")"

// Transaction states.
const (
	txPending     = "PENDING"
	txCommitted   = "COMMITTED"
	txDone        = "DONE"
	txRollingBack = "ROLLING_BACK"
	txRolledBack  = "ROLLED_BACK"
)

const (
	// importChunkRows bounds the changes of one journal chunk, the unit of
	// progress; importChunkBytes bounds its size below DynamoDB's 400 KB.
	importChunkRows  = 100
	importChunkBytes = 300 << 10
	// importConcurrency bounds the writes of one chunk at once.
	importConcurrency = 16
	// importTTL keeps a finished import's status readable.
	importTTL = 7 * 24 * time.Hour
	// defaultImportLease is how long a runner holds an import without
	// renewing: past the processor's 30 s timeout.
	defaultImportLease = 45 * time.Second
)

func importPK(id string) string { return "DATATX#" + id }

func importKey(id string) item { return item{attrPK: str(importPK(id)), attrSK: str("TX")} }

func importChunkKey(id string, n int) item {
	return item{attrPK: str(importPK(id)), attrSK: str(fmt.Sprintf("J#%05d", n))}
}

func (s *Imports) importLease() time.Duration {
	if s.Lease > 0 {
		return s.Lease
	}
	return defaultImportLease
}

// hook runs the test hook between steps, if one is set.
func (s *Imports) hook(ctx context.Context, id, step string) error {
	if s.Hook == nil {
		return nil
	}
	if err := s.Hook(ctx, id, step); err != nil {
		return &crashError{err: err}
	}
	return nil
}

// txRecord is the transaction record as read.
type txRecord struct {
	ID        string
	ProjectID string
	Kind      data.ImportKind
	State     string
	Chunks    int
	Step      int
	Reached   int
	Counts    data.Counts
	Failure   *data.Failure
	Queries   int64
	Nanos     int64
	// Freed is how many licences the commit gives back (see
	// licencesFreed).
	Freed     int
	CreatedAt time.Time
	EndedAt   time.Time
}

func decodeTx(it item) (txRecord, error) {
	at := timesOf(getS(it, attrPK), getS(it, attrSK))
	t := txRecord{
		ID: getS(it, "id"), ProjectID: getS(it, "projectId"), Kind: data.ImportKind(getS(it, "importKind")),
		State: getS(it, "state"), Chunks: int(getN(it, "chunks")), Step: int(getN(it, "step")), Reached: int(getN(it, "reached")),
		Counts: data.Counts{
			Added: int(getN(it, "added")), Updated: int(getN(it, "updated")),
			Deleted: int(getN(it, "deleted")), Unchanged: int(getN(it, "unchanged")),
		},
		Queries: getN(it, "queryCount"), Nanos: getN(it, "queryNanos"), Freed: int(getN(it, "licencesFreed")),
		CreatedAt: at.at(getS(it, "createdAt")), EndedAt: at.at(getS(it, "endedAt")),
	}
	if r := getS(it, "failReason"); r != "" {
		t.Failure = &data.Failure{Reason: r, Field: getS(it, "failField"), Message: getS(it, "failMessage")}
	}
	return t, at.err
}

func (t txRecord) toImport() data.Import {
	imp := data.Import{ID: t.ID, ProjectID: t.ProjectID, Kind: t.Kind, Counts: t.Counts, Failure: t.Failure, CreatedAt: t.CreatedAt}
	switch t.State {
	case txPending:
		imp.Status = data.ImportQueued
		if t.Step > 0 {
			imp.Status = data.ImportRunning
		}
	case txCommitted:
		// Readers see the import from its commit on; it is COMPLETED
		// once every record holds its new version, so that writers
		// following the answer find them free.
		imp.Status = data.ImportRunning
	case txDone:
		imp.Status = data.ImportCompleted
	case txRollingBack, txRolledBack:
		imp.Status = data.ImportFailed
	}
	imp.Stats = data.Statistics{QueryCount: t.Queries, QueryDurationTotal: time.Duration(t.Nanos)}
	if !t.EndedAt.IsZero() {
		imp.Stats.ExecutionDuration = t.EndedAt.Sub(t.CreatedAt)
	}
	return imp
}

func (s *Table) readTx(ctx context.Context, id string) (txRecord, error) {
	out, err := s.Client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Name, Key: importKey(id), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return txRecord{}, err
	}
	if out.Item == nil {
		return txRecord{}, data.ErrNotFound
	}
	return decodeTx(out.Item)
}

// Import implements data.ImportStore.
func (s *Imports) Import(ctx context.Context, id string) (data.Import, error) {
	t, err := s.readTx(ctx, id)
	if err != nil {
		return data.Import{}, err
	}
	return t.toImport(), nil
}

// journal entries, as stored.
type journalChange struct {
	entity, code, row string
	oldStamp          string // "" when no item is stored
	newItem           item   // the new version's record attributes
	gone              bool
}

type journalCheck struct {
	entity, code, row, field string
}

type journalChunk struct {
	changes []journalChange
	checks  []journalCheck
}

func (c journalChunk) item(id string, n int) item {
	it := importChunkKey(id, n)
	changes := make([]types.AttributeValue, len(c.changes))
	for i, ch := range c.changes {
		m := item{"e": str(ch.entity), "c": str(ch.code), "r": str(ch.row), "n": &types.AttributeValueMemberM{Value: ch.newItem}}
		if ch.oldStamp != "" {
			m["o"] = str(ch.oldStamp)
		}
		if ch.gone {
			m["g"] = bool1(true)
		}
		changes[i] = &types.AttributeValueMemberM{Value: m}
	}
	checks := make([]types.AttributeValue, len(c.checks))
	for i, ck := range c.checks {
		checks[i] = &types.AttributeValueMemberM{Value: item{"e": str(ck.entity), "c": str(ck.code), "r": str(ck.row), "f": str(ck.field)}}
	}
	it["expiresAt"] = num(time.Now().Add(importTTL).Unix())
	it["changes"] = &types.AttributeValueMemberL{Value: changes}
	it["checks"] = &types.AttributeValueMemberL{Value: checks}
	return it
}

func decodeChunk(it item) journalChunk {
	var c journalChunk
	if l, ok := it["changes"].(*types.AttributeValueMemberL); ok {
		for _, v := range l.Value {
			m := v.(*types.AttributeValueMemberM).Value
			ch := journalChange{entity: getS(m, "e"), code: getS(m, "c"), row: getS(m, "r"), oldStamp: getS(m, "o")}
			if n, ok := m["n"].(*types.AttributeValueMemberM); ok {
				ch.newItem = n.Value
			}
			if g, ok := m["g"].(*types.AttributeValueMemberBOOL); ok {
				ch.gone = g.Value
			}
			c.changes = append(c.changes, ch)
		}
	}
	if l, ok := it["checks"].(*types.AttributeValueMemberL); ok {
		for _, v := range l.Value {
			m := v.(*types.AttributeValueMemberM).Value
			c.checks = append(c.checks, journalCheck{entity: getS(m, "e"), code: getS(m, "c"), row: getS(m, "r"), field: getS(m, "f")})
		}
	}
	return c
}

// avSize estimates an attribute value's stored size.
func avSize(v types.AttributeValue) int {
	switch x := v.(type) {
	case *types.AttributeValueMemberS:
		return len(x.Value)
	case *types.AttributeValueMemberB:
		return len(x.Value)
	case *types.AttributeValueMemberM:
		n := 3
		for k, e := range x.Value {
			n += len(k) + avSize(e) + 1
		}
		return n
	case *types.AttributeValueMemberL:
		n := 3
		for _, e := range x.Value {
			n += avSize(e) + 1
		}
		return n
	}
	return 21
}

// newVersionItem is a change's new version as its record attributes
// (no keys or index attributes).
func newVersionItem(projectID string, c data.Change) (item, error) {
	it, err := recordItem(projectID, c.Entity, c.New)
	if err != nil {
		return nil, err
	}
	for _, k := range []string{attrPK, attrSK, attrGSI1PK, attrGSI1SK} {
		delete(it, k)
	}
	return it, nil
}

// StageImport implements data.ImportStore: the journal, then the
// transaction record, which makes the import exist.
func (s *Imports) StageImport(ctx context.Context, imp data.Import, p data.Plan) error {
	var chunks []journalChunk
	cur, size := journalChunk{}, 0
	flush := func() {
		if len(cur.changes)+len(cur.checks) > 0 {
			chunks = append(chunks, cur)
		}
		cur, size = journalChunk{}, 0
	}
	for _, c := range p.Changes {
		nv, err := newVersionItem(p.ProjectID, c)
		if err != nil {
			return err
		}
		jc := journalChange{entity: c.Entity.Name, code: c.New.Code, row: c.Row, newItem: nv, gone: c.New.Deleted}
		if c.Old != nil {
			jc.oldStamp = c.Old.SrvDateUTC.UTC().Format(data.StampLayout)
		}
		n := avSize(&types.AttributeValueMemberM{Value: nv}) + len(jc.code) + len(jc.row) + 64
		if len(cur.changes) == importChunkRows || size+n > importChunkBytes {
			flush()
		}
		cur.changes = append(cur.changes, jc)
		size += n
	}
	for _, ck := range p.Checks {
		if len(cur.checks) == importChunkRows {
			flush()
		}
		cur.checks = append(cur.checks, journalCheck{entity: ck.Entity.Name, code: ck.Code, row: ck.Row, field: ck.Field})
	}
	flush()
	freed, err := licencesFreed(p)
	if err != nil {
		return err
	}
	writes := make([]types.WriteRequest, len(chunks))
	for i, c := range chunks {
		writes[i] = types.WriteRequest{PutRequest: &types.PutRequest{Item: c.item(imp.ID, i)}}
	}
	if err := s.batchWrite(ctx, writes); err != nil {
		return err
	}
	now := imp.CreatedAt
	tx := importKey(imp.ID)
	values := item{}
	setSweep(values, imp.ID, sweep.Deadline(sweep.Running, now))
	tx["GSI3PK"], tx["GSI3SK"] = values[":gsi3pk"], values[":gsi3sk"]
	attrs := item{
		"id": str(imp.ID), "kind": str(sweep.KindImport), "importKind": str(string(imp.Kind)), "projectId": str(imp.ProjectID),
		"state": str(txPending), "chunks": num(int64(len(chunks))), "step": num(0), "reached": num(0),
		"added": num(int64(imp.Counts.Added)), "updated": num(int64(imp.Counts.Updated)),
		"deleted": num(int64(imp.Counts.Deleted)), "unchanged": num(int64(imp.Counts.Unchanged)),
		"queryCount": num(imp.Stats.QueryCount), "queryNanos": num(int64(imp.Stats.QueryDurationTotal)),
		"createdAt": str(formatTime(now)), "expiresAt": num(now.Add(importTTL).Unix()),
		"licencesFreed": num(int64(freed)),
	}
	for k, v := range attrs {
		tx[k] = v
	}
	_, err = s.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Name, Item: tx, ConditionExpression: aws.String("attribute_not_exists(PK)")})
	return err
}

func (s *Imports) readChunk(ctx context.Context, id string, n int) (journalChunk, error) {
	out, err := s.Client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Name, Key: importChunkKey(id, n), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return journalChunk{}, err
	}
	if out.Item == nil {
		return journalChunk{}, fmt.Errorf("import %s: journal chunk %d missing", id, n)
	}
	return decodeChunk(out.Item), nil
}

// runner holds an import's lease while it takes the import forward.
type runner struct {
	s     *Imports
	id    string
	owner string
	tx    txRecord
	stats *data.Stats
}

// lease takes the import for this runner: free, expired or already ours.
func (s *Imports) lease(ctx context.Context, id, owner string) (txRecord, error) {
	now := time.Now()
	out, err := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.Name, Key: importKey(id),
		UpdateExpression:         aws.String("SET leaseOwner = :me, leaseUntil = :until"),
		ConditionExpression:      aws.String("attribute_exists(PK) AND #state IN (:p, :c, :r) AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now OR leaseOwner = :me)"),
		ExpressionAttributeNames: map[string]string{"#state": "state"},
		ExpressionAttributeValues: item{
			":me": str(owner), ":until": num(now.Add(s.importLease()).UnixMilli()), ":now": num(now.UnixMilli()),
			":p": str(txPending), ":c": str(txCommitted), ":r": str(txRollingBack),
		},
		ReturnValues: types.ReturnValueAllNew,
	})
	if isConditionFailed(err) {
		t, rerr := s.readTx(ctx, id)
		if rerr != nil {
			return txRecord{}, rerr
		}
		if t.State == txDone || t.State == txRolledBack {
			return t, nil
		}
		return txRecord{}, data.ErrImportBusy
	}
	if err != nil {
		return txRecord{}, err
	}
	return decodeTx(out.Attributes)
}

// advance records progress (and a new state, if not "") and renews the
// lease; it fails when the lease was lost.
func (r *runner) advance(ctx context.Context, state string, step int, extra string, values item) error {
	u := r.progress(state, step, extra, values)
	_, err := r.s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: u.TableName, Key: u.Key, UpdateExpression: u.UpdateExpression, ConditionExpression: u.ConditionExpression,
		ExpressionAttributeNames: u.ExpressionAttributeNames, ExpressionAttributeValues: u.ExpressionAttributeValues,
	})
	if isConditionFailed(err) {
		return data.ErrImportBusy
	}
	if err != nil {
		return err
	}
	r.moved(state, step)
	return nil
}

// progress is advance's update of the transaction record, conditioned on
// the lease and the state the runner knows.
func (r *runner) progress(state string, step int, extra string, values item) *types.Update {
	if values == nil {
		values = item{}
	}
	values[":me"], values[":cur"] = str(r.owner), str(r.tx.State)
	values[":step"], values[":until"] = num(int64(step)), num(time.Now().Add(r.s.importLease()).UnixMilli())
	update := "SET step = :step, leaseUntil = :until"
	if state != "" {
		update += ", #state = :next"
		values[":next"] = str(state)
	}
	update += extra
	return &types.Update{
		TableName: &r.s.Name, Key: importKey(r.id),
		UpdateExpression: &update, ConditionExpression: aws.String("leaseOwner = :me AND #state = :cur"),
		ExpressionAttributeNames: map[string]string{"#state": "state"}, ExpressionAttributeValues: values,
	}
}

// moved records in the runner the progress written.
func (r *runner) moved(state string, step int) {
	if state != "" {
		r.tx.State = state
	}
	r.tx.Step = step
}

// commit is the commit point: PENDING → COMMITTED. The licences of the
// active accounts the import removes are given back in the same
// transaction, so they are freed when the import commits and only then:
// a run that crashes before it leaves them taken (the import rolls
// back), and every run after it finds the import COMMITTED.
func (r *runner) commit(ctx context.Context) error {
	if r.tx.Freed == 0 {
		return r.advance(ctx, txCommitted, 0, "", nil)
	}
	actions := []types.TransactWriteItem{
		{Update: r.progress(txCommitted, 0, "", nil)},
		r.s.releaseLicences(r.tx.ProjectID, r.tx.Freed),
	}
	err := r.s.transact(ctx, actions, func(reasons []types.CancellationReason) error {
		if failed(reasons, 0) {
			return data.ErrImportBusy
		}
		return nil
	})
	if err != nil {
		return err
	}
	r.moved(txCommitted, 0)
	return nil
}

// release gives the lease back and adds the requests this run made.
func (r *runner) release(ctx context.Context) error {
	_, err := r.s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &r.s.Name, Key: importKey(r.id),
		UpdateExpression:    aws.String("REMOVE leaseOwner, leaseUntil ADD queryCount :q, queryNanos :d"),
		ConditionExpression: aws.String("leaseOwner = :me"),
		ExpressionAttributeValues: item{
			":me": str(r.owner), ":q": num(r.stats.Queries()), ":d": num(int64(r.stats.Duration())),
		},
	})
	if isConditionFailed(err) {
		return nil
	}
	return err
}

// RunImport implements data.ImportStore.
func (s *Imports) RunImport(ctx context.Context, id string, until time.Time) (data.Import, error) {
	r := &runner{s: s, id: id, owner: uuid.NewString(), stats: &data.Stats{}}
	ctx = data.WithStats(ctx, r.stats)
	tx, err := s.lease(ctx, id, r.owner)
	if err != nil {
		return data.Import{}, err
	}
	r.tx = tx
	if tx.State == txDone || tx.State == txRolledBack {
		return tx.toImport(), nil
	}
	err = r.run(ctx, until)
	var crash *crashError
	if errors.As(err, &crash) {
		return data.Import{}, crash.err // as a crash would: the lease stays
	}
	// Released even when the run was cut short, so the next runner need
	// not wait for the lease to expire.
	rctx, cancel := outage.Detach(ctx)
	defer cancel()
	if rerr := r.release(rctx); rerr != nil {
		return data.Import{}, errors.Join(err, rerr)
	}
	if err != nil && !errors.Is(err, errPaused) {
		return data.Import{}, err
	}
	return s.Import(rctx, id)
}

// crashError is an error of the test hook: the run stops as if the
// process had died.
type crashError struct{ err error }

func (c *crashError) Error() string { return c.err.Error() }

// FailImport implements data.ImportStore: a PENDING import is rolled
// back; a committed one is finished.
func (s *Imports) FailImport(ctx context.Context, id, reason string) (data.Import, error) {
	r := &runner{s: s, id: id, owner: uuid.NewString(), stats: &data.Stats{}}
	ctx = data.WithStats(ctx, r.stats)
	tx, err := s.lease(ctx, id, r.owner)
	if err != nil {
		return data.Import{}, err
	}
	r.tx = tx
	if tx.State == txPending {
		if err := r.decideRollback(ctx, &data.Failure{Reason: data.FailAborted, Message: reason}); err != nil {
			return data.Import{}, err
		}
	}
	if tx.State != txDone && tx.State != txRolledBack {
		if err := r.run(ctx, time.Now().Add(10*time.Minute)); err != nil {
			return data.Import{}, err
		}
		rctx, cancel := outage.Detach(ctx)
		defer cancel()
		if err := r.release(rctx); err != nil {
			return data.Import{}, err
		}
	}
	return s.Import(ctx, id)
}

var errPaused = errors.New("paused")

// run takes the import forward, step by step, until it ends or until.
func (r *runner) run(ctx context.Context, until time.Time) error {
	n := r.tx.Chunks
	for {
		if time.Now().After(until) {
			return errPaused
		}
		switch r.tx.State {
		case txPending:
			if r.tx.Step < n {
				failure, err := r.lockChunk(ctx, r.tx.Step)
				if err != nil {
					return err
				}
				if failure != nil {
					if err := r.decideRollback(ctx, failure); err != nil {
						return err
					}
					continue
				}
				if err := r.s.hook(ctx, r.id, fmt.Sprintf("locked %d", r.tx.Step)); err != nil {
					return err
				}
				if err := r.advance(ctx, "", r.tx.Step+1, ", reached = :step", nil); err != nil {
					return err
				}
				continue
			}
			if err := r.commit(ctx); err != nil {
				return err
			}
			if err := r.s.hook(ctx, r.id, "committed"); err != nil {
				return err
			}
		case txCommitted:
			if r.tx.Step < 3*n {
				phase, chunk := r.tx.Step/n, r.tx.Step%n
				if err := r.applyStep(ctx, phase, chunk); err != nil {
					return err
				}
				if err := r.s.hook(ctx, r.id, fmt.Sprintf("applied %d.%d", phase, chunk)); err != nil {
					return err
				}
				if err := r.advance(ctx, "", r.tx.Step+1, "", nil); err != nil {
					return err
				}
				continue
			}
			return r.finish(ctx, txDone)
		case txRollingBack:
			if r.tx.Step < min(r.tx.Reached+1, n) {
				if err := r.rollbackChunk(ctx, r.tx.Step); err != nil {
					return err
				}
				if err := r.advance(ctx, "", r.tx.Step+1, "", nil); err != nil {
					return err
				}
				continue
			}
			return r.finish(ctx, txRolledBack)
		default:
			return nil
		}
	}
}

// decideRollback moves a PENDING import to ROLLING_BACK with its failure.
func (r *runner) decideRollback(ctx context.Context, f *data.Failure) error {
	values := item{":reached": num(int64(max(r.tx.Reached, r.tx.Step)))}
	set := ", reached = :reached"
	// Only what is known is written: a failure without a field (a crash,
	// not a row) has none, and DynamoDB Local refuses empty strings.
	for _, a := range []struct{ name, key, value string }{
		{"failReason", ":fr", f.Reason}, {"failField", ":ff", f.Field}, {"failMessage", ":fm", f.Message},
	} {
		if a.value != "" {
			set += ", " + a.name + " = " + a.key
			values[a.key] = str(a.value)
		}
	}
	if err := r.advance(ctx, txRollingBack, 0, set, values); err != nil {
		return err
	}
	r.tx.Reached = max(r.tx.Reached, r.tx.Step)
	r.tx.Failure = f
	return nil
}

// finish records the end state and takes the import out of the sweeper's
// index; the journal expires with it.
func (r *runner) finish(ctx context.Context, state string) error {
	now := time.Now()
	values := item{":end": str(formatTime(now)), ":exp": num(now.Add(importTTL).Unix())}
	if err := r.advance(ctx, state, r.tx.Step, ", endedAt = :end, expiresAt = :exp"+removeSweep, values); err != nil {
		return err
	}
	// The journal is no longer needed; what is not deleted now expires.
	writes := make([]types.WriteRequest, r.tx.Chunks)
	for i := range writes {
		writes[i] = types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: importChunkKey(r.id, i)}}
	}
	return r.s.batchWrite(ctx, writes)
}
