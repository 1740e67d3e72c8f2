package request

import (
	"slices"
	"testing"
	"time"
)

var at = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

func TestSummaryStatusFollowsTheLeastFinishedMessage(t *testing.T) {
	cases := []struct {
		s    Summary
		want MessageStatus
	}{
		{Summary{Total: 3, Processing: 1, Queued: 1, Failed: 1}, Processing},
		{Summary{Total: 2, Queued: 1, Complete: 1}, Queued},
		{Summary{Total: 3, Failed: 1, Cancelled: 1, Complete: 1}, Failed},
		{Summary{Total: 2, Cancelled: 2}, Cancelled},
		{Summary{Total: 2, Cancelled: 1, Invalid: 1}, Complete},
		{Summary{Total: 2, Invalid: 2}, Complete},
		{Summary{}, Complete},
	}
	for _, c := range cases {
		if got := c.s.Status(); got != c.want {
			t.Errorf("%+v: %s, want %s", c.s, got, c.want)
		}
	}
}

func queued() (Request, []Message) {
	msgs := []Message{
		{ID: "1", Type: "TrackingEvent", Status: Queued},
		{ID: "2", Type: "Shipment", Status: Queued},
		{ID: "3", Type: "Shipment", Status: Invalid, Errors: []string{"bad"}, ProcessedAt: at},
	}
	return Request{ID: "r", Kind: KindMessages, Summary: Summarize(msgs), Facets: FacetsOf(msgs)}, msgs
}

func TestStartedMovesQueuedMessagesToProcessingAndKeepsTheFinalOnes(t *testing.T) {
	r, _ := queued()
	got := r.Started()
	if want := (Summary{Total: 3, Processing: 2, Invalid: 1}); got.Summary != want {
		t.Errorf("summary %+v, want %+v", got.Summary, want)
	}
	want := []Facet{{"TrackingEvent", Processing}, {"Shipment", Processing}, {"Shipment", Invalid}}
	if !slices.Equal(got.Facets, want) {
		t.Errorf("facets %+v, want %+v", got.Facets, want)
	}
	if again := got.Started(); again.Summary != got.Summary || !slices.Equal(again.Facets, got.Facets) {
		t.Errorf("a redelivery changed the started request: %+v", again)
	}
	if r.Facets[0].Status != Queued {
		t.Error("Started changed the request it started from")
	}
}

func TestShownIsProcessingForAQueuedMessageOfAStartedRequest(t *testing.T) {
	r, msgs := queued()
	if got := r.Shown(msgs[0]).Status; got != Queued {
		t.Errorf("queued request shows %s", got)
	}
	if got := r.Started().Shown(msgs[0]).Status; got != Processing {
		t.Errorf("started request shows %s", got)
	}
	if got := r.Started().Shown(msgs[2]).Status; got != Invalid {
		t.Errorf("started request shows a final message %s", got)
	}
}

func TestSettleEndsOpenMessagesOnly(t *testing.T) {
	_, msgs := queued()
	msgs[1].Status = Processing
	SettleAll(msgs, Failed, at.Add(time.Minute), "Unable to process")
	for i, want := range []MessageStatus{Failed, Failed, Invalid} {
		if msgs[i].Status != want {
			t.Errorf("message %d: %s, want %s", i, msgs[i].Status, want)
		}
	}
	if !slices.Equal(msgs[0].Errors, []string{"Unable to process"}) || !msgs[0].ProcessedAt.Equal(at.Add(time.Minute)) {
		t.Errorf("settled message: %+v", msgs[0])
	}
	if !slices.Equal(msgs[2].Errors, []string{"bad"}) || !msgs[2].ProcessedAt.Equal(at) {
		t.Errorf("final message changed: %+v", msgs[2])
	}
}

func TestRejectMakesAMessageInvalidWithItsReasons(t *testing.T) {
	m := Message{ID: "1", Status: Queued}.Reject(at, "a", "b")
	if m.Status != Invalid || !slices.Equal(m.Errors, []string{"a", "b"}) || !m.ProcessedAt.Equal(at) {
		t.Errorf("rejected: %+v", m)
	}
}

func TestFinishSummarizesTheFinalMessagesAndKeepsAnEarlierReason(t *testing.T) {
	r, msgs := queued()
	SettleAll(msgs, Complete, at, "")
	done := r.Finish(msgs, at, "")
	if want := (Summary{Total: 3, Complete: 2, Invalid: 1}); done.Summary != want || done.Status() != Complete {
		t.Errorf("summary %+v (%s), want %+v", done.Summary, done.Status(), want)
	}
	if !done.Finished() || !done.ProcessedAt.Equal(at) {
		t.Errorf("not finished at %s: %+v", at, done)
	}
	want := []Facet{{"TrackingEvent", Complete}, {"Shipment", Complete}, {"Shipment", Invalid}}
	if !slices.Equal(done.Facets, want) {
		t.Errorf("facets %+v, want %+v", done.Facets, want)
	}
	r.FailureReason = "queue unavailable"
	if got := r.Finish(msgs, at, "").FailureReason; got != "queue unavailable" {
		t.Errorf("reason %q lost", got)
	}
	if got := r.Finish(msgs, at, "retries ran out").FailureReason; got != "retries ran out" {
		t.Errorf("reason %q", got)
	}
}

func TestFacetsOfSummaryFollowStatusOrder(t *testing.T) {
	got := FacetsOfSummary("T", Summary{Total: 3, Complete: 1, Queued: 2})
	if want := []Facet{{"T", Queued}, {"T", Complete}}; !slices.Equal(got, want) {
		t.Errorf("%+v, want %+v", got, want)
	}
}
