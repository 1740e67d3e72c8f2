package dynamo

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parcelgate/parcelgate/internal/data"
)

// settle finishes, on one record item, the part of finished imports that
// their runners left behind (a runner that lost its lease and wrote
// late); it says whether the item is now free of them.
func (s *recordTable) settle(ctx context.Context, raw item) (bool, error) {
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
		// reference items are all written (data.ApplyReferences is over).
		step, _, applying := data.ApplyStepAt(t.Step, t.Chunks)
		switch {
		case t.State == txDone || (t.State == txCommitted && (!applying || step != data.ApplyReferences)):
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
func (s *recordTable) whyRefused(ctx context.Context, key item, stamp string) error {
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
	s     *recordTable
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
func (s *recordTable) committedVersions(ctx context.Context, items []item) ([]item, error) {
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
