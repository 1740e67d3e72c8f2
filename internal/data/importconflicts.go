package data

import (
	"errors"
	"fmt"

	"github.com/parcelgate/parcelgate/internal/input"
)

// What an import meets when the records it planned against moved on
// before it was written, worded once for every store.

var (
	// ErrRecordChanged: a row's record changed after the import read it.
	ErrRecordChanged = errors.New("the record changed after the import read it; send the import again")
	// ErrRecordBusy: another import is writing a row's record.
	ErrRecordBusy = errors.New("another import is writing this record; send the import again when it has finished")
)

// RowText names a row for people: "[7499]" is row 7500.
func RowText(row string) string {
	var n int
	if _, err := fmt.Sscanf(row, "[%d]", &n); err == nil {
		return fmt.Sprintf("row %d", n+1)
	}
	return row
}

// ChangedRow is the error of a commit refused because the record of row
// changed after the plan read it; errors.Is finds ErrRecordChanged.
func ChangedRow(row string) *RowError {
	return &RowError{Row: row, Message: RowText(row) + ": " + ErrRecordChanged.Error(), Err: ErrRecordChanged}
}

// RowFailure is why a staged import failed at row: why is ErrRecordChanged
// or ErrRecordBusy.
func RowFailure(row string, why error) *Failure {
	return &Failure{Reason: FailChanged, Field: row, Message: RowText(row) + ": " + why.Error()}
}

// MissingReference is the error of a commit refused because the record a
// check names does not exist.
func MissingReference(ck Check) *input.Error {
	return &input.Error{Field: ck.Row + "." + ck.Field, Message: namesNothing(ck.Row, ck.Field, ck.Code, ck.Entity.Name), Labelled: true}
}

// ReferenceDeleted is why a staged import failed: the record a check
// (row, field, code, of entity) names was deleted while it ran.
func ReferenceDeleted(row, field, code, entity string) *Failure {
	return &Failure{Reason: FailInvalid, Field: row + "." + field, Message: namesNothing(row, field, code, entity) + " (it was deleted while the import ran)"}
}

// ReferenceBeingDeleted is why a staged import failed: the record a check
// names is being deleted by another import.
func ReferenceBeingDeleted(row, field, code, entity string) *Failure {
	return &Failure{Reason: FailChanged, Field: row + "." + field,
		Message: fmt.Sprintf("%s: the %s record %q that %s names is being deleted; send the import again when that has finished", RowText(row), entity, code, field)}
}

func namesNothing(row, field, code, entity string) string {
	return fmt.Sprintf("%s: %s %q names no %s record", RowText(row), field, code, entity)
}
