package dynamo

import (
	"strings"
	"testing"
	"time"
)

// An instant not set reads as the zero time; a malformed one is an error
// naming the item that holds it, never a silent zero.
func TestStoredTimesReportTheItemOfAMalformedTime(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 5, time.UTC)
	times := timesOf("REQ#r1", "REQ")
	if got := times.at(formatTime(at)); !got.Equal(at) {
		t.Errorf("read back %v, want %v", got, at)
	}
	if got := times.at(""); !got.IsZero() || times.err != nil {
		t.Errorf("an unset time read as %v, %v", got, times.err)
	}
	if got := times.at("2026-03-01 12:00"); !got.IsZero() {
		t.Errorf("a malformed time read as %v", got)
	}
	times.at("also bad")
	if times.err == nil || !strings.Contains(times.err.Error(), "REQ#r1 REQ") || !strings.Contains(times.err.Error(), `"2026-03-01 12:00"`) {
		t.Fatalf("err %v, want the item's key and the first malformed value", times.err)
	}
	if _, err := parseTime("2026-03-01T12:00:00Z"); err == nil {
		t.Error("a time in another layout parsed")
	}
}
