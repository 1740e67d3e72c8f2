package sorttime

import (
	"testing"
	"time"
)

// String order is time order, across zones and whole seconds, and the
// layout reads back what it wrote.
func TestFormatSortsAsTimeAndParsesBack(t *testing.T) {
	warsaw := time.FixedZone("CEST", 2*3600)
	times := []time.Time{
		time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 1, 14, 0, 0, 1, warsaw), // 12:00:00.000000001 UTC
		time.Date(2026, 3, 1, 12, 0, 1, 0, time.UTC),
	}
	for i := 1; i < len(times); i++ {
		if a, b := Format(times[i-1]), Format(times[i]); a >= b {
			t.Errorf("%s sorts at or after %s", a, b)
		}
	}
	for _, at := range times {
		got, err := Parse(Format(at))
		if err != nil || !got.Equal(at) {
			t.Errorf("Parse(Format(%v)) = %v, %v", at, got, err)
		}
	}
	if _, err := Parse("2026-03-01T12:00:00Z"); err == nil {
		t.Error("a time of another layout parsed")
	}
}
