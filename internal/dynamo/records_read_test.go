package dynamo

import (
	"errors"
	"strings"
	"testing"

	"github.com/parcelgate/parcelgate/internal/page"
)

// A records cursor comes from the client: whatever it holds, it resumes
// after a sort key DynamoDB takes, in the read's own partition, or is
// refused; and the cursor a read hands out resumes where it stopped.
func FuzzRecordCursor(f *testing.F) {
	const partition = "DATA#p#customer"
	valid, err := encodeCursor(item{attrPK: str(partition), attrSK: str("C00001")})
	if err != nil {
		f.Fatal(err)
	}
	other, _ := encodeCursor(item{attrPK: str("DATA#q#customer"), attrSK: str("C00001")})
	long, _ := encodeCursor(item{attrPK: str(partition), attrSK: str(strings.Repeat("x", maxSortKey+1))})
	empty, _ := encodeCursor(item{attrPK: str(partition), attrSK: str("")})
	for _, c := range []string{"", valid, other, long, empty, "bogus", "e30", "bnVsbA"} {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, c string) {
		after, err := recordCursor(attrPK, partition, attrSK, c)
		switch {
		case err != nil && !errors.Is(err, page.ErrBadCursor):
			t.Fatalf("%q: %v", c, err)
		case err == nil && c != "" && (after == "" || len(after) > maxSortKey):
			t.Fatalf("%q resumes after %q", c, after)
		case err == nil && after != "":
			again, err := encodeCursor(item{attrPK: str(partition), attrSK: str(after)})
			if got, _ := recordCursor(attrPK, partition, attrSK, again); err != nil || got != after {
				t.Fatalf("%q: its cursor %q resumes after %q, want %q", c, again, got, after)
			}
		}
	})
}
