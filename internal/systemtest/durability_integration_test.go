//go:build integration

package systemtest

// Emulator-only: queue messages lost on SQS, raw items, and the sweep index, which the memory stores do not feed yet.

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/parcelgate/parcelgate/internal/apitest"
	"github.com/parcelgate/parcelgate/internal/queue"
	"github.com/parcelgate/parcelgate/internal/request"
	"github.com/parcelgate/parcelgate/internal/sweep"
)

// loseQueuedWork points the API's submissions at a queue nobody reads:
// every job and request is stored and answered 202, and its message is
// lost, as when the queue loses it after the send.
func loseQueuedWork(t *testing.T, e *apitest.Env) {
	t.Helper()
	q := nowhere(t, e)
	e.API.Jobs.Queue = q
	e.API.Messages.Queue = q
}

func nowhere(t *testing.T, e *apitest.Env) queue.SQS {
	t.Helper()
	out, err := e.SQS().CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String(fmt.Sprintf("nowhere-%d", time.Now().UnixNano()))})
	if err != nil {
		t.Fatal(err)
	}
	return queue.SQS{Client: e.SQS(), QueueURL: *out.QueueUrl}
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
	loseQueuedWork(t, e)
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
	loseQueuedWork(t, e)
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
	loseQueuedWork(t, e)
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
	loseQueuedWork(t, e)
	e.App.Sweeper.Queue = nowhere(t, e)
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
	loseQueuedWork(t, e)
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

// Twenty identical jobs of the same 1,000 numbers, submitted at once:
// each number is ADDED by exactly one of them and RENEWED by the others.
func TestJobConcurrentIdenticalAddsAddEachNumberOnce(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, token := e.Token(t, "acme")
	p := createProject(t, e, token, "stampede")
	const jobs, size = 20, 1000
	ns := make([]number, size)
	for i := range ns {
		ns[i] = number{TrackingNumber: dhl(i)}
	}
	ids := make([]string, jobs)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			ids[i] = submit(t, e, token, p.ProjectID, "ADD", ns).JobID
		}()
	}
	close(start)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	addedBy := map[string][]string{}
	var total counts
	for _, id := range ids {
		awaitLong(t, e, token, p.ProjectID, id)
		r := report(t, e, token, p.ProjectID, id)
		total.Added += r.Counts.Added
		total.Renewed += r.Counts.Renewed
		total.Total += r.Counts.Total
		for _, res := range r.Results {
			if res.Outcome == "ADDED" {
				addedBy[res.TrackingNumber] = append(addedBy[res.TrackingNumber], id)
			}
		}
	}
	if want := (counts{Total: jobs * size, Added: size, Renewed: (jobs - 1) * size}); total != want {
		t.Fatalf("counts over all jobs %+v, want %+v", total, want)
	}
	for _, n := range ns {
		if len(addedBy[n.TrackingNumber]) != 1 {
			t.Fatalf("%s ADDED by %v", n.TrackingNumber, addedBy[n.TrackingNumber])
		}
	}
}

// awaitLong waits for a job to complete under heavy load.
func awaitLong(t *testing.T, e *apitest.Env, token, projectID, jobID string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	for {
		j := jobStatus(t, e, token, projectID, jobID)
		switch {
		case j.Status == "COMPLETED":
			return
		case j.Status == "FAILED" || time.Now().After(deadline):
			t.Fatalf("job %s is %s", jobID, j.Status)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func associations(t *testing.T, e *apitest.Env, token, projectID string) map[string]associationOut {
	t.Helper()
	var pg listOut[associationOut]
	e.Call(t, "GET", "/v1/projects/"+projectID+"/tracking-numbers?limit=100", token, nil).Want(t, 200).JSON(t, &pg)
	out := map[string]associationOut{}
	for _, a := range pg.Items {
		out[a.TrackingNumber] = a
	}
	return out
}

// crashBeforeFinish puts a completed job back as a processor that crashed
// after applying its outcomes, before recording its end, leaves it.
func crashBeforeFinish(t *testing.T, e *apitest.Env, jobID string) {
	t.Helper()
	ddb := dynamodb.NewFromConfig(e.AWS, localChecksums)
	if _, err := ddb.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
		TableName:                 &e.Config.Table,
		Key:                       map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "REQ#" + jobID}, "SK": &types.AttributeValueMemberS{Value: "REQ"}},
		UpdateExpression:          aws.String("SET #s = :s REMOVE completedAt"),
		ExpressionAttributeNames:  map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": &types.AttributeValueMemberS{Value: "IN_PROGRESS"}},
	}); err != nil {
		t.Fatal(err)
	}
}

// A job delivered again after such a crash, later, makes exactly the same
// changes: the times of its associations do not move, and it never undoes
// what a job decided after it changed.
func TestJobRedeliveryKeepsAssociationTimes(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, token := e.Token(t, "acme")
	p := createProject(t, e, token, "redelivered")
	first := submit(t, e, token, p.ProjectID, "ADD", numbers(dhl(1)))
	await(t, e, token, p.ProjectID, first.JobID, "COMPLETED")
	e.Advance(20 * time.Minute)
	j := submit(t, e, token, p.ProjectID, "ADD", numbers(dhl(1), dhl(2), dhl(3)))
	await(t, e, token, p.ProjectID, j.JobID, "COMPLETED")
	before := associations(t, e, token, p.ProjectID)
	beforeReport := report(t, e, token, p.ProjectID, j.JobID)
	if beforeReport.Counts != (counts{Total: 3, Renewed: 1, Added: 2}) || len(before) != 3 || before[dhl(1)].JobID != j.JobID {
		t.Fatalf("counts %+v, associations %+v", beforeReport.Counts, before)
	}

	crashBeforeFinish(t, e, j.JobID)
	e.Advance(10 * time.Minute)
	if err := (queue.SQS{Client: e.SQS(), QueueURL: e.Config.JobsQueueURL}).EnqueueJob(context.Background(), j.JobID); err != nil {
		t.Fatal(err)
	}
	await(t, e, token, p.ProjectID, j.JobID, "COMPLETED")
	if after := associations(t, e, token, p.ProjectID); !reflect.DeepEqual(before, after) {
		t.Fatalf("the redelivery moved associations:\nbefore %+v\nafter  %+v", before, after)
	}
	if afterReport := report(t, e, token, p.ProjectID, j.JobID); !reflect.DeepEqual(beforeReport.Results, afterReport.Results) || afterReport.Counts != beforeReport.Counts {
		t.Fatalf("the redelivery changed the report:\n%+v\n%+v", beforeReport, afterReport)
	}

	// A later job renews dhl(1); the first redelivered job again after
	// it must not move that renewal back.
	e.Advance(20 * time.Minute)
	later := submit(t, e, token, p.ProjectID, "ADD", numbers(dhl(1)))
	await(t, e, token, p.ProjectID, later.JobID, "COMPLETED")
	renewed := associations(t, e, token, p.ProjectID)
	if renewed[dhl(1)].JobID != later.JobID || renewed[dhl(1)].ExpiresAt == before[dhl(1)].ExpiresAt {
		t.Fatalf("the later renewal %+v", renewed[dhl(1)])
	}
	crashBeforeFinish(t, e, j.JobID)
	if err := e.API.Jobs.Process(context.Background(), j.JobID); err != nil {
		t.Fatal(err)
	}
	if after := associations(t, e, token, p.ProjectID); !reflect.DeepEqual(renewed, after) {
		t.Fatalf("redelivering an earlier job undid a later one:\nbefore %+v\nafter  %+v", renewed, after)
	}
}
