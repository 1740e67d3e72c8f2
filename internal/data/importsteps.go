package data

// The steps of a staged import, for a store that cannot write a large
// plan at once and so runs it in chunks of its journal, recording after
// each chunk how far it got. The order is the rule every such store keeps:
//
//  1. Lock, chunk by chunk, while the import is pending: each row's
//     record is locked as planned (a record that changed since it was
//     read fails the import, ErrRecordChanged), and each record a foreign
//     key names is read-locked, so no delete removes it.
//  2. Commit: pending → committed, the one decision. Nothing is visible
//     before it; everything after it only finishes what it decided.
//  3. Apply, chunk by chunk, each of ApplySteps in turn over every chunk:
//     the reference items, then the records, then the read locks released.
//  4. A failed lock instead rolls back the chunks locked so far.
//
// Every step is idempotent, so a run that dies between two may be
// repeated by the next.

// ImportStep names a step applied to every chunk of a committed import.
type ImportStep string

const (
	// ApplyReferences writes the reference, tracked and subscription
	// items of each change: before any record moves, so a reader that
	// follows a new version's references finds them.
	ApplyReferences ImportStep = "references"
	// ApplyRecords moves each record's new version in place of the old.
	ApplyRecords ImportStep = "records"
	// ReleaseReads removes the import's read locks from the records its
	// foreign keys name.
	ReleaseReads ImportStep = "reads released"
)

// ApplySteps are the steps after the commit, in order.
var ApplySteps = []ImportStep{ApplyReferences, ApplyRecords, ReleaseReads}

// ApplyStepAt is the step and the chunk next to apply in an import of
// chunks chunks that has applied done chunk-steps: each step runs over
// every chunk before the next begins. ok is false once every step is
// done (or for a count no import reaches).
func ApplyStepAt(done, chunks int) (step ImportStep, chunk int, ok bool) {
	if chunks <= 0 || done < 0 || done >= len(ApplySteps)*chunks {
		return "", 0, false
	}
	return ApplySteps[done/chunks], done % chunks, true
}
