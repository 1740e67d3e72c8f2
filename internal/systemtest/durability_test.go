package systemtest

// The sweeper finishes jobs and message requests whose queue message was
// lost; on memory the in-process stores feed its index as the table's
// items do.

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/apitest"
	"github.com/parcelgate/parcelgate/internal/request"
	"github.com/parcelgate/parcelgate/internal/sweep"
)

// loseQueuedWork points the API's submissions at a queue that loses
// them: every job and request is stored and answered 202, and its
// message is lost, as when the queue loses it after the send.
func loseQueuedWork(e *apitest.Env) {
	e.API.Jobs.Queue = apitest.Lost()
	e.API.Messages.Queue = apitest.Lost()
}

func sweepOnce(t *testing.T, e *apitest.Env) sweep.Report {
	t.Helper()
	rep, err := e.App.Sweeper.Sweep(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// openWork lists what the sweeper's index still holds, whatever its deadline.
func openWork(t *testing.T, e *apitest.Env) []sweep.Work {
	t.Helper()
	due, err := e.App.Sweeper.Store.Due(context.Background(), e.Clock().Add(24*time.Hour), 100)
	if err != nil {
		t.Fatal(err)
	}
	return due
}

func TestSweeperFinishesJobWhoseMessageWasLost(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, token := e.Token(t, "acme")
	p := createProject(t, e, token, "lost")
	loseQueuedWork(e)
	j := submit(t, e, token, p.ProjectID, "ADD", numbers(dhl(1), dhl(2), badDHL(3), dhl(1)))
	if j.Status != "QUEUED" {
		t.Fatalf("submitted job is %s", j.Status)
	}

	// Within the limit a job may still be on its way: nothing is sent.
	e.Advance(sweep.WaitLimit - time.Second)
	if rep := sweepOnce(t, e); rep != (sweep.Report{}) {
		t.Fatalf("sweep before the deadline: %+v", rep)
	}
	if got := jobStatus(t, e, token, p.ProjectID, j.JobID).Status; got != "QUEUED" {
		t.Fatalf("job %s; its message was lost, it must still be QUEUED", got)
	}
	e.Advance(2 * time.Second)
	if rep := sweepOnce(t, e); rep != (sweep.Report{Requeued: 1}) {
		t.Fatalf("sweep past the deadline: %+v", rep)
	}
	done := await(t, e, token, p.ProjectID, j.JobID, "COMPLETED")
	if want := (counts{Total: 4, Added: 2, Invalid: 1, Duplicate: 1}); done.Counts != want {
		t.Fatalf("counts %+v, want %+v", done.Counts, want)
	}
	if r := report(t, e, token, p.ProjectID, j.JobID); r.Results[0].Outcome != "ADDED" || r.Results[2].Outcome != "INVALID" || r.Results[3].Outcome != "DUPLICATE_IN_REQUEST" {
		t.Fatalf("results %+v", r.Results)
	}
	// Finished work leaves the sweeper's index, and later sweeps find nothing.
	if open := openWork(t, e); len(open) != 0 {
		t.Fatalf("finished job still open: %+v", open)
	}
	e.Advance(time.Hour)
	if rep := sweepOnce(t, e); rep != (sweep.Report{}) {
		t.Fatalf("sweep after completion: %+v", rep)
	}
}

// A processing attempt that began and then vanished with its message
// (the Lambda crashed, the message was lost) leaves the job IN_PROGRESS:
// it is sent again once RunLimit passed without a new attempt.
func TestSweeperFinishesJobStuckInProgress(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, token := e.Token(t, "acme")
	p := createProject(t, e, token, "crashed")
	loseQueuedWork(e)
	j := submit(t, e, token, p.ProjectID, "ADD", numbers(dhl(1), dhl(2)))
	e.Advance(time.Minute)
	stored, err := e.API.Jobs.Store.Job(context.Background(), j.JobID)
	if err != nil {
		t.Fatal(err)
	}
	running, from := stored.Start(e.Clock())
	if _, err := e.API.Jobs.Store.Start(context.Background(), running, from...); err != nil {
		t.Fatal(err)
	}
	e.Advance(sweep.WaitLimit + time.Minute)
	if rep := sweepOnce(t, e); rep != (sweep.Report{}) {
		t.Fatalf("a job in progress for %s was swept: %+v", sweep.WaitLimit+time.Minute, rep)
	}
	e.Advance(sweep.RunLimit)
	if rep := sweepOnce(t, e); rep != (sweep.Report{Requeued: 1}) {
		t.Fatalf("sweep: %+v", rep)
	}
	done := await(t, e, token, p.ProjectID, j.JobID, "COMPLETED")
	if want := (counts{Total: 2, Added: 2}); done.Counts != want {
		t.Fatalf("counts %+v, want %+v", done.Counts, want)
	}
}

func TestSweeperFinishesMessageRequestWhoseMessageWasLost(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, token := e.Token(t, "acme")
	loseQueuedWork(e)
	const parcel = "612345678901234567890123"
	var accepted struct {
		Data struct {
			ID            string `json:"id"`
			RequestStatus string `json:"requestStatus"`
		} `json:"data"`
	}
	e.Call(t, "POST", "/v1/messages", token, map[string]any{"batchReference": "lost-1", "messages": []map[string]any{
		{"messageType": "Shipment", "externalReference": "sh-1", "payload": map[string]any{"trackingNumber": parcel, "type": "inpost_locker_standard", "service": "inpost_locker_standard"}},
		{"messageType": "TrackingEvent", "externalReference": "ev-1", "payload": map[string]any{"trackingNumber": parcel, "status": "confirmed", "originStatus": "PPN", "datetime": "2015-09-17T10:28:00.000+02:00"}},
		{"messageType": "Parcel", "externalReference": "bad-1", "payload": map[string]any{"trackingNumber": parcel}},
	}}).Want(t, 202).JSON(t, &accepted)
	e.Call(t, "GET", "/v1/tracking/"+parcel, "", nil).Want(t, 404)

	e.Advance(sweep.WaitLimit + time.Second)
	if rep := sweepOnce(t, e); rep != (sweep.Report{Requeued: 1}) {
		t.Fatalf("sweep: %+v", rep)
	}
	r := awaitRequest(t, e, accepted.Data.ID)
	if want := (request.Summary{Total: 3, Complete: 2, Invalid: 1}); r.Summary != want {
		t.Fatalf("summary %+v, want %+v", r.Summary, want)
	}
	var res struct {
		Status string `json:"status"`
	}
	e.Call(t, "GET", "/v1/tracking/"+parcel, "", nil).Want(t, 200).JSON(t, &res)
	if res.Status != "confirmed" {
		t.Fatalf("tracking status %q", res.Status)
	}
	if open := openWork(t, e); len(open) != 0 {
		t.Fatalf("finished request still open: %+v", open)
	}
}

// awaitRequest waits until the request is processed.
func awaitRequest(t *testing.T, e *apitest.Env, id string) request.Request {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		r, err := e.API.Messages.Store.Request(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if !r.ProcessedAt.IsZero() {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("request %s not processed: %+v", id, r.Summary)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Work whose every send is lost is not sent forever: after MaxRequeues
// sends the next sweep marks it FAILED, as the dead-letter path would.
func TestSweeperGivesUpOnWorkThatStaysLost(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, token := e.Token(t, "acme")
	p := createProject(t, e, token, "hopeless")
	loseQueuedWork(e)
	e.App.Sweeper.Queue = apitest.Lost()
	j := submit(t, e, token, p.ProjectID, "ADD", numbers(dhl(1)))
	var accepted struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	e.Call(t, "POST", "/v1/messages", token, map[string]any{"batchReference": "lost-2", "messages": []map[string]any{
		{"messageType": "TrackingEvent", "payload": map[string]any{"trackingNumber": "612345678901234567890123", "status": "confirmed", "datetime": "2015-09-17T10:28:00.000+02:00"}},
	}}).Want(t, 202).JSON(t, &accepted)

	for i := range sweep.MaxRequeues {
		e.Advance(sweep.WaitLimit)
		if rep := sweepOnce(t, e); rep != (sweep.Report{Requeued: 2}) {
			t.Fatalf("sweep %d: %+v", i+1, rep)
		}
	}
	e.Advance(sweep.WaitLimit)
	if rep := sweepOnce(t, e); rep != (sweep.Report{Failed: 2}) {
		t.Fatalf("last sweep: %+v", rep)
	}
	failed := jobStatus(t, e, token, p.ProjectID, j.JobID)
	if failed.Status != "FAILED" || failed.CompletedAt == nil || len(failed.Messages) != 1 || failed.Messages[0].Code != "JOB_FAILED" {
		t.Fatalf("job %+v", failed)
	}
	r, err := e.API.Messages.Store.Request(context.Background(), accepted.Data.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.ProcessedAt.IsZero() || r.Summary != (request.Summary{Total: 1, Failed: 1}) {
		t.Fatalf("request %+v", r)
	}
	if open := openWork(t, e); len(open) != 0 {
		t.Fatalf("failed work still open: %+v", open)
	}
}

// Replaying the Idempotency-Key of a job whose message was lost sends it
// again once it is past the limit; before, the replay only answers.
func TestJobKeyReplayRequeuesStuckJob(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, token := e.Token(t, "acme")
	p := createProject(t, e, token, "replay")
	working := e.API.Jobs.Queue
	loseQueuedWork(e)
	send := func() jobOut {
		req := newJSONRequest(t, "POST", "/v1/projects/"+p.ProjectID+"/tracking-number-jobs", map[string]any{"action": "ADD", "trackingNumbers": numbers(dhl(1), dhl(2), dhl(3))})
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Idempotency-Key", "order-7")
		var j jobOut
		e.Do(t, req).Want(t, http.StatusAccepted).JSON(t, &j)
		return j
	}
	first := send()
	e.API.Jobs.Queue = working
	e.Advance(time.Minute)
	if again := send(); again.JobID != first.JobID || again.Status != "QUEUED" {
		t.Fatalf("replay within the limit: %+v", again)
	}
	if stored, err := e.API.Jobs.Store.Job(context.Background(), first.JobID); err != nil || stored.Requeues != 0 {
		t.Fatalf("replay within the limit sent the job again (%d, %v)", stored.Requeues, err)
	}
	e.Advance(sweep.WaitLimit)
	if again := send(); again.JobID != first.JobID {
		t.Fatalf("replay past the limit: %+v", again)
	}
	done := await(t, e, token, p.ProjectID, first.JobID, "COMPLETED")
	if want := (counts{Total: 3, Added: 3}); done.Counts != want {
		t.Fatalf("counts %+v, want %+v", done.Counts, want)
	}
}
