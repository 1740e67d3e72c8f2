package dynamo

import (
	"context"
	"errors"
	"strings"
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

// txStates is a read's judgement of the imports holding the items it
// met: each import's state, read once, after the items it judges were
// read. An import seen PENDING then had not committed, so none of its
// records was applied yet: every item it holds is served as it was. One
// seen COMMITTED or DONE serves the new version of every item it holds,
// as its applied items show theirs. A transaction record that is gone
// (it expires 7 days after its import is staged or ends) counts as rolled
// back: the only locks that outlive it are an import's that never
// committed (the commit is a conditional update of the record), since a
// committed import applies every record it holds before it is DONE, and
// a lock written late needs the srvDateUTC that the apply replaced.
type txStates struct {
	s     *recordTable
	state map[string]string // by import id
}

func newTxStates(s *recordTable) *txStates {
	return &txStates{s: s, state: map[string]string{}}
}

// read reads the states of the imports holding items that none is known
// of yet, in one BatchGetItem, and returns their ids.
func (t *txStates) read(ctx context.Context, items []item) ([]string, error) {
	var ids []string
	seen := map[string]bool{}
	for _, it := range items {
		id := getS(it, attrTx)
		if _, known := t.state[id]; id != "" && !known && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids, t.load(ctx, ids)
}

// load reads the states of the imports ids, known or not.
func (t *txStates) load(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	keys := make([]item, len(ids))
	for i, id := range ids {
		keys[i] = importKey(id)
		t.state[id] = txRolledBack
	}
	got, err := t.s.batchGet(ctx, keys)
	if err != nil {
		return err
	}
	for _, it := range got {
		t.state[strings.TrimPrefix(getS(it, attrPK), importPK(""))] = getS(it, "state")
	}
	return nil
}

func (t *txStates) committed(id string) bool {
	st := t.state[id]
	return st == txCommitted || st == txDone
}

// pending tells whether the import id was PENDING when read: the one
// state that may yet become committed.
func (t *txStates) pending(id string) bool { return t.state[id] == txPending }

// forgetPending drops the PENDING states: one read before a read's items
// says nothing of what they hold. The others stay true: committed stays
// committed, and a rollback never commits.
func (t *txStates) forgetPending() {
	for id, st := range t.state {
		if st == txPending {
			delete(t.state, id)
		}
	}
}

// version is the item of an item's committed version as judged: itself
// when no import holds it, its new version when the import holding it
// has committed, nil when it has none (a placeholder of an uncommitted
// import). Its import's state must have been read.
func (t *txStates) version(it item) item {
	id := getS(it, attrTx)
	switch {
	case id == "":
		return it
	case t.committed(id):
		nv, _ := it[attrTxNew].(*types.AttributeValueMemberM)
		v := item{attrPK: it[attrPK], attrSK: it[attrSK]}
		if nv != nil {
			for k, a := range nv.Value {
				v[k] = a
			}
		}
		return v
	case it[attrTxNone] != nil:
		return nil
	}
	return it
}

// committedVersions returns, for each item read, the item of its
// committed version (see txStates.version). The states are read after
// the items, so one call never mixes before and after a commit of an
// import that held the items when they were read.
func (s *recordTable) committedVersions(ctx context.Context, items []item) ([]item, error) {
	t := newTxStates(s)
	if _, err := t.read(ctx, items); err != nil {
		return nil, err
	}
	out := make([]item, len(items))
	for i, it := range items {
		out[i] = t.version(it)
	}
	return out, nil
}
