package job

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/request"
)

func TestSubmissionHashKeepsTheShapeStoredJobsWereHashedWith(t *testing.T) {
	sub := Submission{Action: Add, ExternalReference: "r", Items: []Item{{TrackingNumber: "A"}, {TrackingNumber: "B", Carrier: "ups"}}}
	sum := sha256.Sum256([]byte(`{"A":"ADD","I":[{"n":"A"},{"n":"B","c":"ups"}],"R":"r"}`))
	if got, want := sub.hash(), hex.EncodeToString(sum[:]); got != want {
		t.Fatalf("hash %s, want %s: a retried submission would no longer match its stored job", got, want)
	}
}

func TestJobStatusesMapOntoRequestStatuses(t *testing.T) {
	counts := Counts{Total: 4}
	cases := map[Status]request.Summary{
		Submitted:   {Total: 4, Queued: 4},
		Accepted:    {Total: 4, Queued: 4},
		Queued:      {Total: 4, Queued: 4},
		InProgress:  {Total: 4, Processing: 4},
		NotAccepted: {Total: 4, Cancelled: 4},
		Failed:      {Total: 4, Failed: 4},
	}
	for status, want := range cases {
		j := Job{Status: status, Counts: counts}
		if got := j.Summary(); got != want {
			t.Errorf("%s: summary %+v, want %+v", status, got, want)
		}
		if got := j.Request().Status(); got != status.MessageStatus() {
			t.Errorf("%s: request status %s, its numbers %s", status, got, status.MessageStatus())
		}
	}
	done := Job{Status: Completed, Counts: Counts{Total: 8, Added: 1, Renewed: 1, Removed: 1, NotAssociated: 1, Invalid: 1, Duplicate: 1, Failed: 2}}
	if got, want := done.Summary(), (request.Summary{Total: 8, Complete: 4, Invalid: 2, Failed: 2}); got != want {
		t.Errorf("COMPLETED: summary %+v, want %+v", got, want)
	}
	if got := done.Request().Status(); got != request.Failed {
		t.Errorf("COMPLETED with failed numbers: request %s, want Failed", got)
	}
	want := []request.Facet{{Type: MessageType, Status: request.Failed}, {Type: MessageType, Status: request.Invalid}, {Type: MessageType, Status: request.Complete}}
	if got := done.Facets(); !slices.Equal(got, want) {
		t.Errorf("facets %+v, want %+v", got, want)
	}
}

func TestRequestMessagesShowResultsOnceCompletedElseNumbersInTheJobsState(t *testing.T) {
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	items := []Item{{TrackingNumber: "A"}, {TrackingNumber: "B"}}
	running := Job{ID: "j", Status: InProgress, Counts: Counts{Total: 2}}
	for i, m := range RequestMessages(running, items, nil) {
		if m.Status != request.Processing || m.ExternalReference != items[i].TrackingNumber || m.Type != MessageType || len(m.Errors) != 0 {
			t.Errorf("running job's message %d: %+v", i, m)
		}
	}
	refused := Job{ID: "j", Status: NotAccepted, Counts: Counts{Total: 2}, CompletedAt: at}
	if m := RequestMessages(refused, items, nil)[0]; m.Status != request.Cancelled || len(m.Errors) != 1 || !m.ProcessedAt.Equal(at) {
		t.Errorf("refused job's message: %+v", m)
	}
	done := Job{ID: "j", Status: Completed, CompletedAt: at}
	results := []Result{{TrackingNumber: "A", Outcome: Added}, {TrackingNumber: "B", Outcome: Invalid, Message: "bad"}}
	got := RequestMessages(done, items, results)
	if got[0].ID != "j-1" || got[0].Status != request.Complete || got[0].Errors != nil ||
		got[1].ID != "j-2" || got[1].Status != request.Invalid || !slices.Equal(got[1].Errors, []string{"bad"}) {
		t.Errorf("completed job's messages: %+v", got)
	}
}
