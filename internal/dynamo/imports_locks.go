package dynamo

import (
	"context"
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
	values[":gpk"] = str(dataExportGSI1PKOf(pk))
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
	n, err := r.s.recordShardsOf(ctx, r.tx.ProjectID)
	if err != nil {
		return nil, err
	}
	key := recordKey(n, r.tx.ProjectID, ch.entity, ch.code)
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
	n, err := r.s.recordShardsOf(ctx, r.tx.ProjectID)
	if err != nil {
		return nil, err
	}
	key := recordKey(n, r.tx.ProjectID, ck.entity, ck.code)
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
	n, err := s.recordShardsOf(ctx, projectID)
	if err != nil {
		return err
	}
	_, err = s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.Name, Key: recordKey(n, projectID, ck.entity, ck.code),
		UpdateExpression:          aws.String("DELETE txReaders :me"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: item{":me": &types.AttributeValueMemberSS{Value: []string{id}}},
	})
	if isConditionFailed(err) {
		return nil
	}
	return err
}
