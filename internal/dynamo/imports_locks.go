package dynamo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"golang.org/x/sync/errgroup"

	"github.com/parcelgate/parcelgate/internal/data"
)

// lockAttempts bounds the waits for another import's lock to go: about
// 15 s in all.
const lockAttempts = 10

// deltaKeys sets or removes the GSI1 keys of a version in an update.
func deltaKeys(pk, code string, version item, values item) (set, remove string) {
	_, gone := version[attrRecordDelete]
	if gone || getN(version, attrRecordExport) != 0 {
		return "", "GSI1PK, GSI1SK"
	}
	values[":gpk"] = str("DATAX#" + strings.TrimPrefix(pk, "DATA#"))
	values[":gsk"] = str(dataExportGSI1SK(getS(version, attrRecordStamp), code))
	return "GSI1PK = :gpk, GSI1SK = :gsk", ""
}

func joinClauses(set []string, remove []string) string {
	var b strings.Builder
	if len(set) > 0 {
		b.WriteString("SET " + strings.Join(set, ", "))
	}
	if len(remove) > 0 {
		b.WriteString(" REMOVE " + strings.Join(remove, ", "))
	}
	return b.String()
}

func nonEmpty(xs ...string) []string {
	var out []string
	for _, x := range xs {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}

// lockChunk locks the records and read-locks the checks of one journal
// chunk. A row that cannot be locked is a failure, not an error.
func (r *runner) lockChunk(ctx context.Context, n int) (*data.Failure, error) {
	c, err := r.s.readChunk(ctx, r.id, n)
	if err != nil {
		return nil, err
	}
	var (
		mu       sync.Mutex
		failure  *data.Failure
		failedAt = -1
	)
	fail := func(i int, f *data.Failure) {
		mu.Lock()
		defer mu.Unlock()
		if failure == nil || i < failedAt {
			failure, failedAt = f, i
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(importConcurrency)
	for i, ch := range c.changes {
		g.Go(func() error {
			f, err := r.lockChange(gctx, ch)
			if f != nil {
				fail(i, f)
			}
			return err
		})
	}
	for i, ck := range c.checks {
		g.Go(func() error {
			f, err := r.readLock(gctx, ck)
			if f != nil {
				fail(len(c.changes)+i, f)
			}
			return err
		})
	}
	return failure, g.Wait()
}

func (r *runner) lockChange(ctx context.Context, ch journalChange) (*data.Failure, error) {
	key := recordKey(r.tx.ProjectID, ch.entity, ch.code)
	pk := getS(key, attrPK)
	for attempt := 1; ; attempt++ {
		values := item{":tx": str(r.id), ":n": &types.AttributeValueMemberM{Value: ch.newItem}}
		setDelta, removeDelta := deltaKeys(pk, ch.code, ch.newItem, values)
		var err error
		if ch.oldStamp == "" {
			it := item{attrPK: key[attrPK], attrSK: key[attrSK], attrTx: str(r.id), attrTxNew: values[":n"], attrTxNone: bool1(true)}
			if setDelta != "" {
				it[attrGSI1PK], it[attrGSI1SK] = values[":gpk"], values[":gsk"]
			}
			_, err = r.s.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &r.s.Name, Item: it, ConditionExpression: aws.String("attribute_not_exists(PK)")})
		} else {
			set := []string{"tx = :tx", "txNew = :n"}
			if ch.gone {
				set = append(set, "txGone = :t")
				values[":t"] = bool1(true)
			}
			values[":old"], values[":now"] = str(ch.oldStamp), num(time.Now().Unix())
			_, err = r.s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
				TableName: &r.s.Name, Key: key,
				UpdateExpression:          aws.String(joinClauses(append(set, nonEmpty(setDelta)...), nonEmpty(removeDelta))),
				ConditionExpression:       aws.String("stamp = :old AND attribute_not_exists(tx) AND (attribute_not_exists(lockUntil) OR lockUntil < :now)"),
				ExpressionAttributeValues: values,
			})
		}
		if !isConditionFailed(err) {
			return nil, err
		}
		if err := r.s.hook(ctx, r.id, "refused "+ch.row); err != nil {
			return nil, err
		}
		raw, err := r.s.getRaw(ctx, key)
		if err != nil {
			return nil, err
		}
		owner := getS(raw, attrTx)
		if owner == r.id {
			return nil, nil // locked by an earlier run of this import
		}
		if owner == "" && !asPlanned(raw, ch.oldStamp) {
			return data.RowFailure(ch.row, data.ErrRecordChanged), nil
		}
		// Another import holds the record, or what refused the write is
		// gone by now: the lock or placeholder of an import rolled back
		// between the write and the read (by its rollback, or by a writer
		// settling it), or a physical delete's short lock. Only the
		// stamp says whether the record changed.
		free := owner == "" && getN(raw, attrRecordLockAt) < time.Now().Unix()
		if owner != "" {
			if free, err = r.s.settle(ctx, raw); err != nil {
				return nil, err
			}
		}
		if attempt == lockAttempts {
			return data.RowFailure(ch.row, data.ErrRecordBusy), nil
		}
		if !free {
			if err := backoff(ctx, min(attempt+3, 8)); err != nil {
				return nil, err
			}
		}
	}
}

// versionStamp is the stamp of a record version, "" for none.
func versionStamp(r *data.Record) string {
	if r == nil {
		return ""
	}
	return r.SrvDateUTC.UTC().Format(data.StampLayout)
}

// asPlanned says whether a record item (nil: none) is still the version
// an import planned to write over: its stamp, or no item when stamp is "".
func asPlanned(raw item, stamp string) bool {
	if stamp == "" {
		return raw == nil
	}
	return raw != nil && getS(raw, attrRecordStamp) == stamp
}

// readLock marks the record a check names as read by the import, so no
// delete removes it before the import commits. A refusal is decided on
// the record as read afterwards: gone or deleted is the row's failure;
// still there, it was held by a physical delete's short lock, which
// either removes it (and the next read finds it gone) or gives up.
func (r *runner) readLock(ctx context.Context, ck journalCheck) (*data.Failure, error) {
	key := recordKey(r.tx.ProjectID, ck.entity, ck.code)
	for attempt := 1; ; attempt++ {
		_, err := r.s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: &r.s.Name, Key: key,
			UpdateExpression:          aws.String("ADD txReaders :me"),
			ConditionExpression:       aws.String(liveRecord),
			ExpressionAttributeValues: item{":me": &types.AttributeValueMemberSS{Value: []string{r.id}}, ":now": num(time.Now().Unix())},
		})
		if !isConditionFailed(err) {
			return nil, err
		}
		if err := r.s.hook(ctx, r.id, "refused "+ck.row+"."+ck.field); err != nil {
			return nil, err
		}
		raw, err := r.s.getRaw(ctx, key)
		if err != nil {
			return nil, err
		}
		if ss, ok := raw[attrTxReaders].(*types.AttributeValueMemberSS); ok && slices.Contains(ss.Value, r.id) {
			return nil, nil
		}
		if raw == nil || getS(raw, attrRecordStamp) == "" || raw[attrRecordDelete] != nil {
			return data.ReferenceDeleted(ck.row, ck.field, ck.code, ck.entity), nil
		}
		if attempt == lockAttempts {
			return data.ReferenceBeingDeleted(ck.row, ck.field, ck.code, ck.entity), nil
		}
		if getN(raw, attrRecordLockAt) >= time.Now().Unix() {
			if err := backoff(ctx, min(attempt+3, 8)); err != nil {
				return nil, err
			}
		}
	}
}

func (s *Imports) releaseRead(ctx context.Context, projectID, id string, ck journalCheck) error {
	_, err := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.Name, Key: recordKey(projectID, ck.entity, ck.code),
		UpdateExpression:          aws.String("DELETE txReaders :me"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: item{":me": &types.AttributeValueMemberSS{Value: []string{id}}},
	})
	if isConditionFailed(err) {
		return nil
	}
	return err
}

// rawOfChunk reads the record items of a chunk's changes, by key.
func (r *runner) rawOfChunk(ctx context.Context, c journalChunk) (map[string]item, error) {
	keys := make([]item, len(c.changes))
	for i, ch := range c.changes {
		keys[i] = recordKey(r.tx.ProjectID, ch.entity, ch.code)
	}
	items, err := r.s.batchGet(ctx, keys)
	if err != nil {
		return nil, err
	}
	out := make(map[string]item, len(items))
	for _, it := range items {
		out[getS(it, attrPK)+"\x00"+getS(it, attrSK)] = it
	}
	return out, nil
}

// applyStep runs phase 0 (reference items), 1 (records) or 2 (read
// locks released) of one chunk of a committed import.
func (r *runner) applyStep(ctx context.Context, phase, n int) error {
	c, err := r.s.readChunk(ctx, r.id, n)
	if err != nil {
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(importConcurrency)
	switch phase {
	case 0:
		raws, err := r.rawOfChunk(ctx, c)
		if err != nil {
			return err
		}
		var writes []types.WriteRequest
		seen := map[string]int{}
		for _, ch := range c.changes {
			raw := raws[getS(recordKey(r.tx.ProjectID, ch.entity, ch.code), attrPK)+"\x00"+ch.code]
			if getS(raw, attrTx) != r.id {
				continue // applied already
			}
			e, ok := data.DefaultCatalog.Entity(ch.entity)
			if !ok {
				return fmt.Errorf("import %s: unknown entity %q", r.id, ch.entity)
			}
			old, rec, err := versions(e, raw)
			if err != nil {
				return err
			}
			acts, _, err := r.s.refActions(r.tx.ProjectID, e, old, rec, false)
			if err != nil {
				return err
			}
			for _, a := range acts {
				var w types.WriteRequest
				var key item
				switch {
				case a.Put != nil:
					w, key = types.WriteRequest{PutRequest: &types.PutRequest{Item: a.Put.Item}}, a.Put.Item
				case a.Delete != nil:
					w, key = types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: a.Delete.Key}}, a.Delete.Key
				case a.Update != nil:
					u := a.Update
					g.Go(func() error {
						_, err := r.s.Client.UpdateItem(gctx, &dynamodb.UpdateItemInput{
							TableName: &r.s.Name, Key: u.Key, UpdateExpression: u.UpdateExpression,
							ExpressionAttributeNames: u.ExpressionAttributeNames, ExpressionAttributeValues: u.ExpressionAttributeValues,
						})
						return err
					})
					continue
				default:
					continue
				}
				// One batch cannot write a key twice: the last write wins.
				k := getS(key, attrPK) + "\x00" + getS(key, attrSK)
				if i, dup := seen[k]; dup {
					writes[i] = w
					continue
				}
				seen[k] = len(writes)
				writes = append(writes, w)
			}
		}
		g.Go(func() error { return r.s.batchWrite(gctx, writes) })
	case 1:
		for _, ch := range c.changes {
			g.Go(func() error {
				return r.s.applyItem(gctx, recordKey(r.tx.ProjectID, ch.entity, ch.code), r.id, ch.newItem)
			})
		}
	case 2:
		for _, ck := range c.checks {
			g.Go(func() error { return r.s.releaseRead(gctx, r.tx.ProjectID, r.id, ck) })
		}
	}
	return g.Wait()
}

// versions decodes a locked item's committed and new versions.
func versions(e *data.Entity, raw item) (*data.Record, data.Record, error) {
	var old *data.Record
	if _, none := raw[attrTxNone]; !none {
		o, err := decodeRecord(e, raw)
		if err != nil {
			return nil, data.Record{}, err
		}
		old = &o
	}
	nv, _ := raw[attrTxNew].(*types.AttributeValueMemberM)
	if nv == nil {
		return nil, data.Record{}, fmt.Errorf("locked record %s has no new version", getS(raw, attrSK))
	}
	rec, err := decodeRecord(e, nv.Value)
	return old, rec, err
}

// applyItem moves the new version of a record in place of the old and
// removes the lock, if id still holds it.
func (s *Table) applyItem(ctx context.Context, key item, id string, version item) error {
	values := item{":tx": str(id)}
	set := []string{}
	for _, a := range []string{attrRecordCode, attrRecordStamp, attrRecordExport, attrRecordValues} {
		if v, ok := version[a]; ok {
			values[":"+a] = v
			set = append(set, a+" = :"+a)
		}
	}
	remove := []string{attrTx, attrTxNew, attrTxNone, attrTxGone}
	if d, ok := version[attrRecordDelete]; ok {
		values[":deleted"] = d
		set = append(set, attrRecordDelete+" = :deleted")
	} else {
		remove = append(remove, attrRecordDelete)
	}
	_, err := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.Name, Key: key,
		UpdateExpression:          aws.String(joinClauses(set, remove)),
		ConditionExpression:       aws.String("tx = :tx"),
		ExpressionAttributeValues: values,
	})
	if isConditionFailed(err) {
		return nil // applied already
	}
	return err
}

// rollbackItem removes id's lock from a record item: a placeholder goes,
// a stored record gets its own delta-sync keys back.
func (s *Table) rollbackItem(ctx context.Context, raw item, id string) error {
	key := item{attrPK: raw[attrPK], attrSK: raw[attrSK]}
	values := item{":tx": str(id)}
	if _, none := raw[attrTxNone]; none {
		_, err := s.Client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
			TableName: &s.Name, Key: key, ConditionExpression: aws.String("tx = :tx"), ExpressionAttributeValues: values,
		})
		if isConditionFailed(err) {
			return nil
		}
		return err
	}
	setDelta, removeDelta := deltaKeys(getS(raw, attrPK), getS(raw, attrRecordCode), raw, values)
	_, err := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.Name, Key: key,
		UpdateExpression:          aws.String(joinClauses(nonEmpty(setDelta), append([]string{attrTx, attrTxNew, attrTxGone}, nonEmpty(removeDelta)...))),
		ConditionExpression:       aws.String("tx = :tx"),
		ExpressionAttributeValues: values,
	})
	if isConditionFailed(err) {
		return nil
	}
	return err
}

// rollbackChunk undoes what a run may have locked in one chunk.
func (r *runner) rollbackChunk(ctx context.Context, n int) error {
	c, err := r.s.readChunk(ctx, r.id, n)
	if err != nil {
		return err
	}
	raws, err := r.rawOfChunk(ctx, c)
	if err != nil {
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(importConcurrency)
	for _, raw := range raws {
		if getS(raw, attrTx) == r.id {
			g.Go(func() error { return r.s.rollbackItem(gctx, raw, r.id) })
		}
	}
	for _, ck := range c.checks {
		g.Go(func() error { return r.s.releaseRead(gctx, r.tx.ProjectID, r.id, ck) })
	}
	return g.Wait()
}

// settle finishes, on one record item, the part of finished imports that
// their runners left behind (a runner that lost its lease and wrote
// late); it says whether the item is now free of them.
func (s *Table) settle(ctx context.Context, raw item) (bool, error) {
	free := true
	if id := getS(raw, attrTx); id != "" {
		t, err := s.readTx(ctx, id)
		switch {
		case errors.Is(err, data.ErrNotFound):
			t.State = txRolledBack
		case err != nil:
			return false, err
		}
		// A committed import's records may be moved in once its
		// reference items are all written (its phase 0 is over).
		switch {
		case t.State == txDone || (t.State == txCommitted && t.Step >= t.Chunks):
			nv, _ := raw[attrTxNew].(*types.AttributeValueMemberM)
			if nv == nil {
				return false, nil
			}
			if err := s.applyItem(ctx, item{attrPK: raw[attrPK], attrSK: raw[attrSK]}, id, nv.Value); err != nil {
				return false, err
			}
		case t.State == txRollingBack || t.State == txRolledBack:
			if err := s.rollbackItem(ctx, raw, id); err != nil {
				return false, err
			}
		default:
			free = false
		}
	}
	if ss, ok := raw[attrTxReaders].(*types.AttributeValueMemberSS); ok {
		pk, sk := getS(raw, attrPK), getS(raw, attrSK)
		for _, id := range ss.Value {
			t, err := s.readTx(ctx, id)
			if err != nil && !errors.Is(err, data.ErrNotFound) {
				return false, err
			}
			if err == nil && t.State != txDone && t.State != txRolledBack {
				free = false
				continue
			}
			_, err = s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
				TableName: &s.Name, Key: item{attrPK: str(pk), attrSK: str(sk)},
				UpdateExpression:          aws.String("DELETE txReaders :me"),
				ConditionExpression:       aws.String("attribute_exists(PK)"),
				ExpressionAttributeValues: item{":me": &types.AttributeValueMemberSS{Value: []string{id}}},
			})
			if err != nil && !isConditionFailed(err) {
				return false, err
			}
		}
	}
	return free, nil
}

// errWriteAgain: what refused a write is gone, settled here or released
// since; the same write may be sent again.
var errWriteAgain = errors.New("the lock that refused the write is gone")

// whyRefused explains a single write refused on the record at key, which
// it expected at stamp ("" for no record): an import holds it
// (ErrLocked), it is no longer that version (ErrChanged), or the lock
// that refused it is gone (errWriteAgain): a lock of a finished import,
// settled here, or one its import released between the write and this
// read. Only the stamp says whether the record changed.
func (s *Table) whyRefused(ctx context.Context, key item, stamp string) error {
	raw, err := s.getRaw(ctx, item{attrPK: key[attrPK], attrSK: key[attrSK]})
	if err != nil {
		return err
	}
	_, locked := raw[attrTx]
	_, read := raw[attrTxReaders]
	if !locked && !read {
		if asPlanned(raw, stamp) && getN(raw, attrRecordLockAt) < time.Now().Unix() {
			return errWriteAgain
		}
		return data.ErrChanged
	}
	free, err := s.settle(ctx, raw)
	if err != nil {
		return err
	}
	if free {
		return errWriteAgain
	}
	return data.ErrLocked
}

// writeAgain runs write again while a lock that refused it turns out to
// be gone; a record freed then locked again lockAttempts times counts as
// locked.
func writeAgain(write func() error) error {
	for attempt := 1; ; attempt++ {
		err := write()
		if !errors.Is(err, errWriteAgain) {
			return err
		}
		if attempt == lockAttempts {
			return data.ErrLocked
		}
	}
}

// txStates looks up, once each, the state of the imports holding items.
type txStates struct {
	s     *Table
	cache map[string]string
}

func (t *txStates) committed(ctx context.Context, id string) (bool, error) {
	st, ok := t.cache[id]
	if !ok {
		tx, err := t.s.readTx(ctx, id)
		switch {
		case errors.Is(err, data.ErrNotFound):
			st = txRolledBack
		case err != nil:
			return false, err
		default:
			st = tx.State
		}
		t.cache[id] = st
	}
	return st == txCommitted || st == txDone, nil
}

// committedVersions returns, for each item read, the item of its
// committed version: itself when no import holds it, its new version
// when the import holding it has committed, nil when it has none (a
// placeholder of an uncommitted import). The states are read after the
// items, so one call never mixes before and after a commit.
func (s *Table) committedVersions(ctx context.Context, items []item) ([]item, error) {
	states := &txStates{s: s, cache: map[string]string{}}
	out := make([]item, len(items))
	for i, it := range items {
		id := getS(it, attrTx)
		if id == "" {
			out[i] = it
			continue
		}
		ok, err := states.committed(ctx, id)
		if err != nil {
			return nil, err
		}
		switch {
		case ok:
			nv, _ := it[attrTxNew].(*types.AttributeValueMemberM)
			v := item{attrPK: it[attrPK], attrSK: it[attrSK]}
			if nv != nil {
				for k, a := range nv.Value {
					v[k] = a
				}
			}
			out[i] = v
		case it[attrTxNone] != nil:
			out[i] = nil
		default:
			out[i] = it
		}
	}
	return out, nil
}

// Records implements data.ImportStore.
func (s *Imports) Records(ctx context.Context, projectID string, e *data.Entity, codes []string) (map[string]data.Record, error) {
	keys := make([]item, len(codes))
	for i, c := range codes {
		keys[i] = recordKey(projectID, e.Name, c)
	}
	raw, err := s.batchGet(ctx, keys)
	if err != nil {
		return nil, err
	}
	items, err := s.committedVersions(ctx, raw)
	if err != nil {
		return nil, err
	}
	out := make(map[string]data.Record, len(items))
	for _, it := range items {
		if it == nil {
			continue
		}
		r, err := decodeRecord(e, it)
		if err != nil {
			return nil, err
		}
		out[r.Code] = r
	}
	return out, nil
}

// Referrers implements data.ImportStore: the reference items of the record.
func (s *Imports) Referrers(ctx context.Context, projectID string, e *data.Entity, code string) ([]data.Reference, error) {
	p := dynamodb.NewQueryPaginator(s.Client, &dynamodb.QueryInput{
		TableName: &s.Name, KeyConditionExpression: aws.String("PK = :pk"), ConsistentRead: aws.Bool(true),
		ExpressionAttributeValues: item{":pk": str(dataRefPK(projectID, e.Name, code))},
	})
	var out []data.Reference
	for p.HasMorePages() {
		pg, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, it := range pg.Items {
			out = append(out, data.Reference{Entity: getS(it, "entity"), Field: getS(it, "field"), Code: getS(it, "code")})
		}
	}
	return out, nil
}

// CommitPlan implements data.ImportStore: the plan as one transaction,
// each record written on the condition that its stored version is the
// one planned and no import holds it, each check a condition that its
// record is live, and the licences of the active accounts it removes
// given back.
func (s *Imports) CommitPlan(ctx context.Context, p data.Plan) error {
	var actions []types.TransactWriteItem
	// at[i] is the change (>= 0) or check (< 0, as -1-index) of action i.
	at := map[int]int{}
	keys := map[string]bool{}
	now := num(time.Now().Unix())
	for i, c := range p.Changes {
		it, err := recordItem(p.ProjectID, c.Entity, c.New)
		if err != nil {
			return err
		}
		put := &types.Put{TableName: &s.Name, Item: it, ConditionExpression: aws.String("attribute_not_exists(PK)")}
		if c.Old != nil {
			put.ConditionExpression = aws.String("stamp = :stamp AND " + unlocked + " AND (attribute_not_exists(lockUntil) OR lockUntil < :now)")
			put.ExpressionAttributeValues = item{":stamp": str(c.Old.SrvDateUTC.UTC().Format(data.StampLayout)), ":now": now}
		}
		at[len(actions)] = i
		actions = append(actions, types.TransactWriteItem{Put: put})
		side, _, err := s.refActions(p.ProjectID, c.Entity, c.Old, c.New, false)
		if err != nil {
			return err
		}
		actions = append(actions, side...)
	}
	for i, ck := range p.Checks {
		at[len(actions)] = -1 - i
		actions = append(actions, types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
			TableName: &s.Name, Key: recordKey(p.ProjectID, ck.Entity.Name, ck.Code),
			ConditionExpression: aws.String(liveRecord), ExpressionAttributeValues: item{":now": now},
		}})
	}
	freed, err := licencesFreed(p)
	if err != nil {
		return err
	}
	if freed > 0 {
		actions = append(actions, s.releaseLicences(p.ProjectID, freed))
	}
	if len(actions) > s.transactItems() {
		return data.ErrTooLarge
	}
	for _, a := range actions {
		k := writeKey(a)
		if keys[k] {
			// One transaction cannot touch an item twice.
			return data.ErrTooLarge
		}
		keys[k] = true
	}
	cancelled := func(reasons []types.CancellationReason) error {
		for i := range reasons {
			if !failed(reasons, i) {
				continue
			}
			j, ok := at[i]
			if !ok {
				continue
			}
			if j < 0 {
				return data.MissingReference(p.Checks[-1-j])
			}
			c := p.Changes[j]
			err := s.whyRefused(ctx, recordKey(p.ProjectID, c.Entity.Name, c.New.Code), versionStamp(c.Old))
			if errors.Is(err, data.ErrChanged) {
				return data.ChangedRow(c.Row)
			}
			return err
		}
		return nil
	}
	return writeAgain(func() error { return s.transact(ctx, actions, cancelled) })
}
