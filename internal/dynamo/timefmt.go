package dynamo

import (
	"fmt"
	"time"

	"github.com/parcelgate/parcelgate/internal/sorttime"
)

// Items store instants in sorttime.Layout, so that string order is time
// order; an instant not set is stored as "".

// formatTime writes an instant in sorttime.Layout; the zero time is "".
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return sorttime.Format(t)
}

// parseTime reads an instant formatTime wrote: "" is the zero time, and
// anything else not in the layout an error.
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := sorttime.Parse(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s, err)
	}
	return t, nil
}

// storedTimes reads the instants of one item: the first malformed one
// makes err say which item holds it, so that a corrupt item is reported
// rather than read as an instant never set.
type storedTimes struct {
	pk, sk string
	err    error
}

func timesOf(pk, sk string) *storedTimes { return &storedTimes{pk: pk, sk: sk} }

// at reads one instant; once one failed, the others read as zero.
func (r *storedTimes) at(s string) time.Time {
	t, err := parseTime(s)
	if err != nil && r.err == nil {
		r.err = fmt.Errorf("item %s %s: %w", r.pk, r.sk, err)
	}
	return t
}
