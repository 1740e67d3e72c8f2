package data

import (
	"errors"
	"testing"
)

// Both stores word a conflicting row the same way, and callers can tell
// which conflict it was without reading the words.
func TestImportConflictsNameTheRowForPeople(t *testing.T) {
	err := error(ChangedRow("[7499]"))
	if !errors.Is(err, ErrRecordChanged) {
		t.Fatalf("%v is not ErrRecordChanged", err)
	}
	if want := "[7499]: row 7500: the record changed after the import read it; send the import again"; err.Error() != want {
		t.Errorf("%q, want %q", err.Error(), want)
	}
	if f := RowFailure("[0]", ErrRecordBusy); f.Reason != FailChanged || f.Field != "[0]" ||
		f.Message != "row 1: another import is writing this record; send the import again when it has finished" {
		t.Errorf("busy: %+v", f)
	}
	if f := ReferenceDeleted("[2]", "customer_ID", "C1", "customer"); f.Reason != FailInvalid || f.Field != "[2].customer_ID" ||
		f.Message != `row 3: customer_ID "C1" names no customer record (it was deleted while the import ran)` {
		t.Errorf("deleted: %+v", f)
	}
	if got := RowText("header"); got != "header" {
		t.Errorf("RowText of a name: %q", got)
	}
}
