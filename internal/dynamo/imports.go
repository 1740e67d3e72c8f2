package dynamo

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/parcelgate/parcelgate/internal/data"
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
//  4. Apply data.ApplySteps, each over every chunk: first the reference,
//     tracked and subscription items of every change, then each record's
//     new version moved in place of the old (conditional on tx = <id>),
//     then the read locks released; then DONE. The transaction record's
//     step counts the chunk-steps done (data.ApplyStepAt reads it).
//
// Readers never see a mix: a reader that meets a locked item reads the
// transaction's state after the item, and serves txNew when COMMITTED or
// DONE, the item's committed attributes otherwise (a placeholder is then
// absent). Since the state only ever moves PENDING → COMMITTED before any
// item is applied, every item of one read resolves to the same side. A
// page merged from several Queries (a project's record shards, and more
// rounds of them) is judged by one reading per import and read again
// when an import commits while it is read (records_page.go).
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

func (s *recordTable) readTx(ctx context.Context, id string) (txRecord, error) {
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
