package dynamo

import (
	"fmt"
	"testing"
	"time"
)

// An import read committed is known so to the pages whose Queries were
// sent after the reading, not to those sent before it; the memo starts
// again when full.
func TestCommittedImportsAreKnownFromTheirReadingOn(t *testing.T) {
	var c committedImports
	at := time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)
	c.add("a", at)
	c.add("a", at.Add(time.Hour)) // a later reading keeps the first
	switch {
	case !c.before("a", at.Add(time.Nanosecond)):
		t.Error("a page sent after the reading does not know the import committed")
	case c.before("a", at):
		t.Error("a page sent with the reading knows the import committed")
	case c.before("b", at.Add(time.Hour)):
		t.Error("an import never read is known committed")
	}
	for i := range maxCommittedImports {
		c.add(fmt.Sprint(i), at)
	}
	if c.before("a", at.Add(time.Hour)) || !c.before(fmt.Sprint(maxCommittedImports-1), at.Add(time.Hour)) {
		t.Errorf("a memo past %d imports: %d kept", maxCommittedImports, len(c.at))
	}
}
