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
)

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
			// Step counts the chunk-steps applied (the journal's chunks
			// times data.ApplySteps), as every run before recorded it.
			if step, chunk, ok := data.ApplyStepAt(r.tx.Step, n); ok {
				if err := r.applyStep(ctx, step, chunk); err != nil {
					return err
				}
				if err := r.s.hook(ctx, r.id, fmt.Sprintf("applied %s %d", step, chunk)); err != nil {
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
