package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"golang.org/x/sync/errgroup"

	"github.com/parcelgate/parcelgate/internal/data"
)

// rawOfChunk reads the record items of a chunk's changes, by key.
func (r *runner) rawOfChunk(ctx context.Context, c journalChunk) (map[string]item, error) {
	n, err := r.s.recordShardsOf(ctx, r.tx.ProjectID)
	if err != nil {
		return nil, err
	}
	keys := make([]item, len(c.changes))
	for i, ch := range c.changes {
		keys[i] = recordKey(n, r.tx.ProjectID, ch.entity, ch.code)
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

// applyStep applies one step of data.ApplySteps to chunk n of a
// committed import.
func (r *runner) applyStep(ctx context.Context, step data.ImportStep, n int) error {
	c, err := r.s.readChunk(ctx, r.id, n)
	if err != nil {
		return err
	}
	switch step {
	case data.ApplyReferences:
		return r.applyReferences(ctx, c)
	case data.ApplyRecords:
		return r.applyRecords(ctx, c)
	case data.ReleaseReads:
		return r.releaseReads(ctx, c)
	}
	return fmt.Errorf("import %s: no step %q", r.id, step)
}

// applyReferences writes the reference, tracked and subscription items
// of the chunk's changes not applied yet, in batches: the last write of
// a key wins, as it would have in order.
func (r *runner) applyReferences(ctx context.Context, c journalChunk) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(importConcurrency)
	raws, err := r.rawOfChunk(ctx, c)
	if err != nil {
		return err
	}
	n, err := r.s.recordShardsOf(ctx, r.tx.ProjectID)
	if err != nil {
		return err
	}
	var writes []types.WriteRequest
	seen := map[string]int{}
	for _, ch := range c.changes {
		raw := raws[getS(recordKey(n, r.tx.ProjectID, ch.entity, ch.code), attrPK)+"\x00"+ch.code]
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
		acts, _, err := r.s.refActions(ctx, r.tx.ProjectID, e, old, rec, false)
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
	return g.Wait()
}

// applyRecords moves each record's new version in place of the old.
func (r *runner) applyRecords(ctx context.Context, c journalChunk) error {
	n, err := r.s.recordShardsOf(ctx, r.tx.ProjectID)
	if err != nil {
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(importConcurrency)
	for _, ch := range c.changes {
		g.Go(func() error {
			return r.s.applyItem(gctx, recordKey(n, r.tx.ProjectID, ch.entity, ch.code), r.id, ch.newItem)
		})
	}
	return g.Wait()
}

// releaseReads removes the import's read locks of the chunk's checks.
func (r *runner) releaseReads(ctx context.Context, c journalChunk) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(importConcurrency)
	for _, ck := range c.checks {
		g.Go(func() error { return r.s.releaseRead(gctx, r.tx.ProjectID, r.id, ck) })
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
func (s *recordTable) applyItem(ctx context.Context, key item, id string, version item) error {
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
func (s *recordTable) rollbackItem(ctx context.Context, raw item, id string) error {
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
