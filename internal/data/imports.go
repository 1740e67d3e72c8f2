package data

import (
	"context"
	"errors"
	"time"

	"github.com/parcelgate/parcelgate/internal/input"
)

// Imports (weavy: dataset, bulk and relational imports, dataset
// delete, merge) are planned here and committed by the store, atomically
// whatever their size:
//
//  1. The request is parsed and every row checked (types, lengths,
//     codes); the stored versions of the rows it names are read in
//     batches; each row's new version is computed; rows that would not
//     change are dropped (the differential rule: their srvDateUTC stays);
//     every foreign key is resolved against the import itself, then the
//     store. A bad row is a 400 naming it, before anything is written.
//  2. A plan that fits one TransactWriteItems is committed as one, with
//     each stored version and foreign-key target as a condition.
//  3. A larger plan is staged as an import transaction and run by the
//     store's lock-and-commit protocol (see internal/dynamo/imports.go):
//     readers keep seeing the committed versions until one conditional
//     write commits it, and a crash at any step is finished or rolled
//     back by whoever resumes it. What does not finish within the
//     request's time is handed to the queue: 202 and an importId.

// Change is one record write of an import.
type Change struct {
	Entity *Entity
	// Old is the stored version written over (nil: no record has the
	// code); the write is refused if it is no longer the stored one.
	Old *Record
	// New is the version written; New.Deleted deletes logically.
	New Record
	// Row locates the change in the request, for errors ("[7499]").
	Row string
}

// Check is a record outside the changes that foreign keys of the import
// name: it must stay live until the import commits.
type Check struct {
	Entity *Entity
	Code   string
	// Row and Field name the first row citing it.
	Row, Field string
}

// Plan is an import's writes and checks.
type Plan struct {
	ProjectID string
	Changes   []Change
	Checks    []Check
}

// ImportKind names an operation.
type ImportKind string

// The operations planned as imports.
const (
	KindBulk       ImportKind = "bulk"
	KindDataset    ImportKind = "dataset"
	KindRelational ImportKind = "relational"
	KindDelete     ImportKind = "datasetDelete"
	KindMerge      ImportKind = "merge"
)

// ImportStatus is where an import stands.
type ImportStatus string

// Import statuses.
const (
	ImportQueued    ImportStatus = "QUEUED"
	ImportRunning   ImportStatus = "RUNNING"
	ImportCompleted ImportStatus = "COMPLETED"
	ImportFailed    ImportStatus = "FAILED"
)

// Counts are an import's row counts.
type Counts struct {
	Added, Updated, Deleted, Unchanged int
}

// Failure says why an import failed: Reason is one of the Failure
// reasons; Field and Message name the row at fault.
type Failure struct {
	Reason  string
	Field   string
	Message string
}

// Failure reasons.
const (
	// FailInvalid: a foreign key target vanished before the commit.
	FailInvalid = "INVALID"
	// FailChanged: a row changed after it was read; send the import again.
	FailChanged = "CHANGED"
	// FailAborted: processing could not finish; nothing was changed.
	FailAborted = "ABORTED"
)

// Import is a staged import transaction.
type Import struct {
	ID        string
	ProjectID string
	Kind      ImportKind
	Status    ImportStatus
	Counts    Counts
	Failure   *Failure
	Stats     Statistics
	CreatedAt time.Time
}

// Reference is a record that refers to another through a foreign key.
type Reference struct {
	Entity string
	Field  string
	Code   string
}

// ErrTooLarge: the plan does not fit one transaction.
var ErrTooLarge = errors.New("plan larger than one transaction")

// ErrImportBusy: another process is running the import; try later.
var ErrImportBusy = errors.New("import is being run elsewhere")

// ImportStore stores and commits imports.
type ImportStore interface {
	// Records returns the committed versions of the codes that have one,
	// logically deleted ones included, by code.
	Records(ctx context.Context, projectID string, e *Entity, codes []string) (map[string]Record, error)
	// Referrers lists the records whose foreign keys name the record.
	Referrers(ctx context.Context, projectID string, e *Entity, code string) ([]Reference, error)
	// CommitPlan commits a plan in one transaction, or returns
	// ErrTooLarge; a cancelled one is an *input.Error or *RowError.
	CommitPlan(ctx context.Context, p Plan) error
	// StageImport stores an import transaction and its plan, PENDING.
	StageImport(ctx context.Context, imp Import, p Plan) error
	// RunImport takes the import forward until it is COMPLETED or FAILED,
	// or until the time given, and returns where it stands.
	RunImport(ctx context.Context, id string, until time.Time) (Import, error)
	// FailImport rolls back an import that has not committed; one that
	// has is finished instead.
	FailImport(ctx context.Context, id, reason string) (Import, error)
	// Import reads an import, or ErrNotFound.
	Import(ctx context.Context, id string) (Import, error)
}

// ImportQueue sends an import to the worker, after delay.
type ImportQueue interface {
	EnqueueImportAfter(ctx context.Context, importID string, delay time.Duration) error
}

// RowError is a row that changed between its read and the commit.
type RowError struct {
	Row     string
	Message string
	// Err is what happened to the row (ErrRecordChanged).
	Err error
}

func (e *RowError) Error() string { return e.Row + ": " + e.Message }

func (e *RowError) Unwrap() error { return e.Err }

// Outcome is what an import call answers: the counts when it finished
// (Import.Status COMPLETED), else the queued import.
type Outcome struct {
	Import Import
	// Records are the stored versions of the rows, for answers that
	// return them (relational import), when finished in the call.
	Records []Record
}

// inlineMargin is the time kept, of the request's store deadline (8 s
// after its arrival), to answer after running an import inline: the step
// under way when the budget ends is cut short, and its lease released
// before the answer is due (outage.Detach).
const inlineMargin = 3 * time.Second

// workerMargin is the time kept, of a queue function's timeout, to hand
// an unfinished import to the next message.
const workerMargin = 4 * time.Second

// commit carries a plan to its end: one transaction when it fits, else
// the staged protocol, inline while the request's time allows, then on
// the queue.
func (s Service) commit(ctx context.Context, kind ImportKind, p Plan, counts Counts) (Import, error) {
	imp := Import{ProjectID: p.ProjectID, Kind: kind, Counts: counts, Status: ImportCompleted, CreatedAt: s.Now().UTC()}
	if len(p.Changes) == 0 {
		return imp, nil
	}
	err := s.Imports.CommitPlan(ctx, p)
	if !errors.Is(err, ErrTooLarge) {
		return imp, err
	}
	imp.ID, imp.Status = s.NewID(), ImportQueued
	st := StatsFrom(ctx)
	imp.Stats = Statistics{QueryCount: st.Queries(), QueryDurationTotal: st.Duration()}
	if err := s.Imports.StageImport(ctx, imp, p); err != nil {
		return Import{}, err
	}
	until := time.Now().Add(time.Minute)
	if d, ok := ctx.Deadline(); ok {
		until = d.Add(-inlineMargin)
	}
	// Sent before the inline run, delayed until its end: the import is
	// never left without a message, and the worker rarely meets the
	// inline runner. A message that finds the import finished does
	// nothing.
	if err := s.ImportQueue.EnqueueImportAfter(ctx, imp.ID, max(time.Until(until), 0)); err != nil {
		return Import{}, err
	}
	if time.Until(until) <= 0 {
		return imp, nil
	}
	// A step cut short by the budget is as a crash: the next run goes on
	// from the last step recorded.
	runCtx, cancel := context.WithDeadline(ctx, until)
	defer cancel()
	got, err := s.Imports.RunImport(runCtx, imp.ID, until)
	if err != nil {
		return imp, nil
	}
	return got, nil
}

// ImportStatusOf reads an import of the project.
func (s Service) ImportStatusOf(ctx context.Context, projectID, id string) (Import, error) {
	if len(id) > MaxIDBytes {
		return Import{}, &input.Error{Field: "importId", Message: "is at most 200 bytes", Labelled: true}
	}
	imp, err := s.Imports.Import(ctx, id)
	if err != nil {
		return Import{}, err
	}
	if imp.ProjectID != projectID {
		return Import{}, ErrNotFound
	}
	return imp, nil
}

// RunImport is the worker's task: take the import to its end.
// Delivered again, it finds the import further on or finished.
func (s Service) RunImport(ctx context.Context, id string) error {
	until := time.Now().Add(10 * time.Minute)
	if d, ok := ctx.Deadline(); ok {
		until = d.Add(-workerMargin)
	}
	runCtx, cancel := context.WithDeadline(ctx, until)
	imp, err := s.Imports.RunImport(runCtx, id, until)
	cut := runCtx.Err() != nil
	cancel()
	switch {
	case errors.Is(err, ErrNotFound):
		return nil // expired long ago: nothing to do
	case err != nil && !cut:
		return err
	case err == nil && (imp.Status == ImportCompleted || imp.Status == ImportFailed):
		return nil
	}
	// Out of time: a new message goes on from here.
	return s.ImportQueue.EnqueueImportAfter(ctx, id, 0)
}

// FailImport is the dead-letter path: the import is rolled back, unless
// it committed, in which case it is finished.
func (s Service) FailImport(ctx context.Context, id, reason string) error {
	_, err := s.Imports.FailImport(ctx, id, reason)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}
