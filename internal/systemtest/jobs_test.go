package systemtest

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/apitest"
	"github.com/parcelgate/parcelgate/internal/queue"
)

// dhl returns the i-th valid DHL Express waybill: nine digits and their
// remainder modulo 7.
func dhl(i int) string {
	base := 300000000 + i
	return fmt.Sprintf("%09d%d", base, base%7)
}

// badDHL has the wrong check digit: the format of a carrier, not its rule.
func badDHL(i int) string {
	base := 300000000 + i
	return fmt.Sprintf("%09d%d", base, (base%7+1)%7)
}

type counts struct {
	Total, Added, Renewed, Removed, Invalid, Duplicate, NotAssociated, Failed int
}

type jobOut struct {
	JobID       string     `json:"jobId"`
	Action      string     `json:"action"`
	Status      string     `json:"status"`
	CreatedAt   time.Time  `json:"createdAt"`
	StartedAt   *time.Time `json:"startedAt"`
	CompletedAt *time.Time `json:"completedAt"`
	Counts      counts     `json:"counts"`
	Messages    []struct {
		Level, Code, Text string
	} `json:"messages"`
}

type resultOut struct {
	TrackingNumber string  `json:"trackingNumber"`
	Carrier        *string `json:"carrier"`
	Outcome        string  `json:"outcome"`
	Message        *string `json:"message"`
}

type reportOut struct {
	JobID   string      `json:"jobId"`
	Status  string      `json:"status"`
	Counts  counts      `json:"counts"`
	Results []resultOut `json:"results"`
}

type number struct {
	TrackingNumber string `json:"trackingNumber"`
	Carrier        string `json:"carrier,omitempty"`
}

func numbers(ns ...string) []number {
	out := make([]number, len(ns))
	for i, n := range ns {
		out[i] = number{TrackingNumber: n}
	}
	return out
}

func submit(t *testing.T, e *apitest.Env, token, projectID, action string, ns []number) jobOut {
	t.Helper()
	var j jobOut
	e.Call(t, "POST", "/v1/projects/"+projectID+"/tracking-number-jobs", token, map[string]any{"action": action, "trackingNumbers": ns}).Want(t, 202).JSON(t, &j)
	return j
}

func jobStatus(t *testing.T, e *apitest.Env, token, projectID, jobID string) jobOut {
	t.Helper()
	var list listOut[jobOut]
	e.Call(t, "GET", "/v1/projects/"+projectID+"/tracking-number-jobs?jobId="+jobID, token, nil).Want(t, 200).JSON(t, &list)
	if len(list.Items) != 1 {
		t.Fatalf("?jobId= listed %d jobs", len(list.Items))
	}
	return list.Items[0]
}

// await polls the job until it reaches status, as a client would.
func await(t *testing.T, e *apitest.Env, token, projectID, jobID, status string) jobOut {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		j := jobStatus(t, e, token, projectID, jobID)
		if j.Status == status {
			return j
		}
		if j.Status == "COMPLETED" || j.Status == "FAILED" || time.Now().After(deadline) {
			t.Fatalf("job %s is %s, waited for %s", jobID, j.Status, status)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func report(t *testing.T, e *apitest.Env, token, projectID, jobID string) reportOut {
	t.Helper()
	var r reportOut
	e.Call(t, "GET", "/v1/projects/"+projectID+"/tracking-number-jobs/"+jobID+"/report", token, nil).Want(t, 200).JSON(t, &r)
	return r
}

func TestJob1000NumbersCompletesWithExactCounts(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, token := e.Token(t, "acme")
	p := createProject(t, e, token, "bulk")

	// 1,000 numbers: 900 valid DHL, 40 with a wrong check digit, 50 that
	// repeat an earlier valid one (one with other spacing), the UPS sample
	// with a carrier hint, a mismatched hint, and 8 InPost numbers.
	var ns []number
	for i := range 900 {
		ns = append(ns, number{TrackingNumber: dhl(i)})
	}
	for i := range 40 {
		ns = append(ns, number{TrackingNumber: badDHL(i)})
	}
	for i := range 49 {
		ns = append(ns, number{TrackingNumber: dhl(i * 3)})
	}
	ns = append(ns, number{TrackingNumber: " " + dhl(7)[:4] + " " + dhl(7)[4:]})
	ns = append(ns, number{TrackingNumber: "1Z999AA10123456784", Carrier: "UPS"})
	ns = append(ns, number{TrackingNumber: dhl(901), Carrier: "fedex"})
	for i := range 8 {
		ns = append(ns, number{TrackingNumber: fmt.Sprintf("6123456789012345678901%02d", i)})
	}
	if len(ns) != 1000 {
		t.Fatalf("built %d numbers", len(ns))
	}
	j := submit(t, e, token, p.ProjectID, "ADD", ns)
	if j.Status != "QUEUED" && j.Status != "IN_PROGRESS" && j.Status != "COMPLETED" {
		t.Fatalf("submitted job is %s", j.Status)
	}
	if j.CompletedAt != nil || j.Counts.Total != 1000 {
		t.Fatalf("fresh job %+v", j)
	}
	done := await(t, e, token, p.ProjectID, j.JobID, "COMPLETED")
	want := counts{Total: 1000, Added: 909, Invalid: 41, Duplicate: 50}
	if done.Counts != want {
		t.Fatalf("counts %+v, want %+v", done.Counts, want)
	}
	if done.StartedAt == nil || done.CompletedAt == nil || done.Messages[0].Code != "JOB_COMPLETED" {
		t.Fatalf("completed job %+v", done)
	}
	r := report(t, e, token, p.ProjectID, j.JobID)
	if r.Counts != want || len(r.Results) != 1000 {
		t.Fatalf("report counts %+v, %d results", r.Counts, len(r.Results))
	}
	for i, res := range r.Results {
		if res.TrackingNumber != ns[i].TrackingNumber {
			t.Fatalf("result %d is %s, submitted %s: not in submission order", i, res.TrackingNumber, ns[i].TrackingNumber)
		}
	}
	expect := map[int]string{0: "ADDED", 900: "INVALID", 940: "DUPLICATE_IN_REQUEST", 989: "DUPLICATE_IN_REQUEST", 990: "ADDED", 991: "INVALID", 992: "ADDED"}
	for i, outcome := range expect {
		if r.Results[i].Outcome != outcome {
			t.Errorf("result %d (%s): %s, want %s", i, r.Results[i].TrackingNumber, r.Results[i].Outcome, outcome)
		}
	}
	if c := r.Results[990].Carrier; c == nil || *c != "ups" {
		t.Errorf("UPS hint: carrier %v", c)
	}
	if m := r.Results[991].Message; m == nil || !strings.Contains(*m, "fedex") {
		t.Errorf("mismatched hint message %v", m)
	}

	// The project now holds 909 numbers, listed in pages.
	seen := map[string]bool{}
	cursor := ""
	for {
		var pg listOut[struct {
			TrackingNumber string    `json:"trackingNumber"`
			JobID          string    `json:"jobId"`
			ExpiresAt      time.Time `json:"expiresAt"`
		}]
		e.Call(t, "GET", "/v1/projects/"+p.ProjectID+"/tracking-numbers?limit=400&cursor="+cursor, token, nil).Want(t, 200).JSON(t, &pg)
		for _, it := range pg.Items {
			if seen[it.TrackingNumber] || it.JobID != j.JobID {
				t.Fatalf("listed %+v twice or from another job", it)
			}
			seen[it.TrackingNumber] = true
		}
		if pg.NextCursor == nil {
			break
		}
		cursor = *pg.NextCursor
	}
	if len(seen) != 909 {
		t.Fatalf("project lists %d numbers, want 909", len(seen))
	}

	// Adding some again renews them.
	again := submit(t, e, token, p.ProjectID, "ADD", numbers(dhl(1), dhl(2), dhl(5000)))
	await(t, e, token, p.ProjectID, again.JobID, "COMPLETED")
	if got := report(t, e, token, p.ProjectID, again.JobID).Counts; got != (counts{Total: 3, Added: 1, Renewed: 2}) {
		t.Fatalf("renewal counts %+v", got)
	}
}

func TestJob400TooManyNumbersStoresNothing(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, token := e.Token(t, "acme")
	p := createProject(t, e, token, "limits")
	ns := make([]number, 1001)
	for i := range ns {
		ns[i] = number{TrackingNumber: dhl(i)}
	}
	r := e.Call(t, "POST", "/v1/projects/"+p.ProjectID+"/tracking-number-jobs", token, map[string]any{"action": "ADD", "trackingNumbers": ns}).Want(t, 400)
	if code := r.Problem(t); code != "TOO_MANY_TRACKING_NUMBERS" || !strings.Contains(string(r.Body), "1001") {
		t.Fatalf("refusal %s", r.Body)
	}
	for name, body := range map[string]string{
		"no numbers":     `{"action": "ADD", "trackingNumbers": []}`,
		"bad action":     `{"action": "UPSERT", "trackingNumbers": [{"trackingNumber": "1Z999AA10123456784"}]}`,
		"no action":      `{"trackingNumbers": [{"trackingNumber": "1Z999AA10123456784"}]}`,
		"empty number":   `{"action": "ADD", "trackingNumbers": [{"trackingNumber": " "}]}`,
		"missing number": `{"action": "ADD", "trackingNumbers": [{"carrier": "ups"}]}`,
		"wrong type":     `{"action": "ADD", "trackingNumbers": "1Z999AA10123456784"}`,
		"unknown field":  `{"action": "ADD", "trackingNumbers": [], "priority": 1}`,
	} {
		t.Run(name, func(t *testing.T) {
			e.Call(t, "POST", "/v1/projects/"+p.ProjectID+"/tracking-number-jobs", token, body).Want(t, 400).Problem(t)
		})
	}
	var list listOut[jobOut]
	e.Call(t, "GET", "/v1/projects/"+p.ProjectID+"/tracking-number-jobs", token, nil).Want(t, 200).JSON(t, &list)
	if len(list.Items) != 0 {
		t.Fatalf("refused submissions stored jobs: %+v", list.Items)
	}
}

// A processor that fails every time: the report is refused while the job
// waits, and after the queue's maxReceiveCount the dead-letter handler
// marks the job FAILED with a message to resubmit.
func TestJobFailedViaDeadLetterQueue(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, token := e.Token(t, "acme")
	p := createProject(t, e, token, "broken")
	e.FailProcessing.Store(true)
	j := submit(t, e, token, p.ProjectID, "ADD", numbers(dhl(1)))

	r := e.Call(t, "GET", "/v1/projects/"+p.ProjectID+"/tracking-number-jobs/"+j.JobID+"/report", token, nil).Want(t, 409)
	var problem struct{ Code, JobStatus string }
	r.JSON(t, &problem)
	if problem.Code != "JOB_NOT_COMPLETED" || problem.JobStatus != "QUEUED" {
		t.Fatalf("409 body %s", r.Body)
	}
	failed := await(t, e, token, p.ProjectID, j.JobID, "FAILED")
	if len(failed.Messages) != 1 || failed.Messages[0].Level != "ERROR" || !strings.Contains(failed.Messages[0].Text, "submit the job again") {
		t.Fatalf("failed job messages %+v", failed.Messages)
	}
	if failed.CompletedAt == nil {
		t.Fatal("a failed job has no end time")
	}
	e.Call(t, "GET", "/v1/projects/"+p.ProjectID+"/tracking-number-jobs/"+j.JobID+"/report", token, nil).Want(t, 409)
}

func TestJobRemoveDropsAssociatedNumbersAndCountsTheRest(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, token := e.Token(t, "acme")
	p := createProject(t, e, token, "remove")
	add := submit(t, e, token, p.ProjectID, "ADD", numbers(dhl(1), dhl(2)))
	await(t, e, token, p.ProjectID, add.JobID, "COMPLETED")
	rm := submit(t, e, token, p.ProjectID, "REMOVE", numbers(dhl(1), dhl(9), badDHL(2)))
	await(t, e, token, p.ProjectID, rm.JobID, "COMPLETED")
	r := report(t, e, token, p.ProjectID, rm.JobID)
	if r.Counts != (counts{Total: 3, Removed: 1, NotAssociated: 1, Invalid: 1}) {
		t.Fatalf("counts %+v", r.Counts)
	}
	if r.Results[0].Outcome != "REMOVED" || r.Results[1].Outcome != "NOT_ASSOCIATED" || r.Results[2].Outcome != "INVALID" {
		t.Fatalf("results %+v", r.Results)
	}
	var pg listOut[struct{ TrackingNumber string }]
	e.Call(t, "GET", "/v1/projects/"+p.ProjectID+"/tracking-numbers", token, nil).Want(t, 200).JSON(t, &pg)
	if len(pg.Items) != 1 || pg.Items[0].TrackingNumber != dhl(2) {
		t.Fatalf("left %+v", pg.Items)
	}
}

func TestJobAssociationsExpireAfter40DaysAndJobsAfter90(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	id, secret := e.Principal(t, "acme")
	token := e.TokenFor(t, id, secret)
	p := createProject(t, e, token, "expiry")
	j := submit(t, e, token, p.ProjectID, "ADD", numbers(dhl(1)))
	await(t, e, token, p.ProjectID, j.JobID, "COMPLETED")

	// After 40 days the association is gone; the job is still readable.
	e.Advance(40*24*time.Hour + time.Minute)
	token = e.TokenFor(t, id, secret)
	var pg listOut[struct{ TrackingNumber string }]
	e.Call(t, "GET", "/v1/projects/"+p.ProjectID+"/tracking-numbers", token, nil).Want(t, 200).JSON(t, &pg)
	if len(pg.Items) != 0 {
		t.Fatalf("expired association listed: %+v", pg.Items)
	}
	report(t, e, token, p.ProjectID, j.JobID)
	again := submit(t, e, token, p.ProjectID, "ADD", numbers(dhl(1)))
	await(t, e, token, p.ProjectID, again.JobID, "COMPLETED")
	if c := report(t, e, token, p.ProjectID, again.JobID).Counts; c.Added != 1 {
		t.Fatalf("re-adding an expired association: %+v", c)
	}

	// After 90 days the first job, its report and its status are gone.
	e.Advance(50 * 24 * time.Hour)
	token = e.TokenFor(t, id, secret)
	e.Call(t, "GET", "/v1/projects/"+p.ProjectID+"/tracking-number-jobs?jobId="+j.JobID, token, nil).Want(t, 404)
	e.Call(t, "GET", "/v1/projects/"+p.ProjectID+"/tracking-number-jobs/"+j.JobID+"/report", token, nil).Want(t, 404)
	var list listOut[jobOut]
	e.Call(t, "GET", "/v1/projects/"+p.ProjectID+"/tracking-number-jobs", token, nil).Want(t, 200).JSON(t, &list)
	if len(list.Items) != 1 || list.Items[0].JobID != again.JobID {
		t.Fatalf("jobs after 90 days: %+v", list.Items)
	}
}

func TestJobRolesAndTenancy(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, admin := e.Token(t, "acme")
	viewerID, viewerSecret := e.Principal(t, "acme")
	_, other := e.Token(t, "globex")
	p := createProject(t, e, admin, "roles")
	e.Call(t, "PUT", "/v1/projects/"+p.ProjectID+"/members/"+viewerID, admin, map[string]string{"role": "viewer"}).Want(t, 200)
	viewer := e.TokenFor(t, viewerID, viewerSecret)
	body := map[string]any{"action": "ADD", "trackingNumbers": numbers(dhl(1))}
	path := "/v1/projects/" + p.ProjectID + "/tracking-number-jobs"

	if code := e.Call(t, "POST", path, viewer, body).Want(t, 403).Problem(t); code != "FORBIDDEN" {
		t.Fatalf("viewer submit: %s", code)
	}
	e.Call(t, "POST", path, other, body).Want(t, 404)
	j := submit(t, e, admin, p.ProjectID, "ADD", numbers(dhl(1)))
	await(t, e, admin, p.ProjectID, j.JobID, "COMPLETED")
	// The viewer reads; the other client sees nothing, whatever the path.
	report(t, e, viewer, p.ProjectID, j.JobID)
	e.Call(t, "GET", path+"?jobId="+j.JobID, other, nil).Want(t, 404)
	e.Call(t, "GET", path+"/"+j.JobID+"/report", other, nil).Want(t, 404)
	e.Call(t, "GET", "/v1/projects/"+p.ProjectID+"/tracking-numbers", other, nil).Want(t, 404)
	otherProject := createProject(t, e, other, "theirs")
	e.Call(t, "GET", "/v1/projects/"+otherProject.ProjectID+"/tracking-number-jobs/"+j.JobID+"/report", other, nil).Want(t, 404)
}

func TestJobIdempotencyKey(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, token := e.Token(t, "acme")
	p := createProject(t, e, token, "idem")
	path := "/v1/projects/" + p.ProjectID + "/tracking-number-jobs"
	send := func(key string, ns []number) apitest.Response {
		req := newJSONRequest(t, "POST", path, map[string]any{"action": "ADD", "trackingNumbers": ns})
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Idempotency-Key", key)
		return e.Do(t, req)
	}
	var a, b jobOut
	send("order-42", numbers(dhl(1))).Want(t, 202).JSON(t, &a)
	send("order-42", numbers(dhl(1))).Want(t, 202).JSON(t, &b)
	if a.JobID != b.JobID {
		t.Fatalf("same key, two jobs: %s %s", a.JobID, b.JobID)
	}
	if code := send("order-42", numbers(dhl(2))).Want(t, 422).Problem(t); code != "IDEMPOTENCY_KEY_REUSED" {
		t.Fatalf("code %s", code)
	}
	send("bad key", numbers(dhl(2))).Want(t, 400)
	var list listOut[jobOut]
	e.Call(t, "GET", path, token, nil).Want(t, 200).JSON(t, &list)
	if len(list.Items) != 1 {
		t.Fatalf("%d jobs stored", len(list.Items))
	}
}

// The same task delivered twice, at once and again after completion,
// gives one set of outcomes and counts.
func TestJobDuplicateDeliveryIdempotent(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, token := e.Token(t, "acme")
	p := createProject(t, e, token, "dupes")
	first := submit(t, e, token, p.ProjectID, "ADD", numbers(dhl(1), dhl(2)))
	await(t, e, token, p.ProjectID, first.JobID, "COMPLETED")

	// dhl(1) is now associated: a new job's outcomes depend on the state
	// its first delivery saw, which later deliveries must not re-decide.
	e.FailProcessing.Store(true)
	j := submit(t, e, token, p.ProjectID, "ADD", numbers(dhl(1), dhl(3), badDHL(4), dhl(3)))
	task, err := json.Marshal(queue.Task{Kind: queue.KindJob, ID: j.JobID})
	if err != nil {
		t.Fatal(err)
	}
	e.Send(t, e.Config.JobsQueueURL, string(task))
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := e.App.API.Jobs.Process(context.Background(), j.JobID); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	e.FailProcessing.Store(false)
	done := await(t, e, token, p.ProjectID, j.JobID, "COMPLETED")
	want := counts{Total: 4, Renewed: 1, Added: 1, Invalid: 1, Duplicate: 1}
	if done.Counts != want {
		t.Fatalf("counts %+v, want %+v", done.Counts, want)
	}
	before := report(t, e, token, p.ProjectID, j.JobID)
	e.AwaitHandled(t, e.Send(t, e.Config.JobsQueueURL, string(task)))
	after := report(t, e, token, p.ProjectID, j.JobID)
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("redelivery changed the report:\n%+v\n%+v", before, after)
	}
}
