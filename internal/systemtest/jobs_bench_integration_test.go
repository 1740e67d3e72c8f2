//go:build integration

package systemtest

// Emulator-only: a benchmark of the DynamoDB store.

// Benchmarks of the job processor against the local stack (DynamoDB Local
// and the SQS emulator; see `make bench`):
//
//	go run ./cmd/parcelgate stack -- go test -tags integration -run '^$' -bench Job -benchtime 1x ./internal/systemtest/
//
// They measure, they do not judge: no assertion is on speed, but each
// fails when a job does not end COMPLETED with 1,000 numbers ADDED.
// Every iteration uses numbers of its own (dhl(benchBase + iteration ×
// 100,000 + job × 1,000 + k)), so every number is new to its project and
// b.N > 1 measures the same work as b.N = 1.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parcelgate/parcelgate/internal/apitest"
	"github.com/parcelgate/parcelgate/internal/dynamo"
	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/queue"
	"github.com/parcelgate/parcelgate/internal/worker"
)

const (
	benchJobSize = 1000
	benchJobs    = 20
	// benchBase keeps the benchmarks' numbers clear of the tests' dhl(i);
	// the warm-up job's numbers start at benchWarmUp.
	benchBase   = 1_000_000
	benchWarmUp = 900_000
	// benchIterationStride separates the numbers of two iterations.
	benchIterationStride = 100_000
)

// benchNumber is the k-th number of job j of iteration i.
func benchNumber(i, j, k int) string {
	return dhl(benchBase + i*benchIterationStride + j*benchJobSize + k)
}

// benchEnv is a running API with a client, a principal and a project, and
// an emulator warmed up by one job.
type benchEnv struct {
	e           *apitest.Env
	clientID    string
	principalID string
	token       string
	projectID   string
}

func startBench(b *testing.B) *benchEnv {
	b.Helper()
	e := apitest.Start(b)
	be := &benchEnv{e: e, clientID: "acme"}
	be.principalID, be.token = e.Token(b, be.clientID)
	var p projectOut
	e.Call(b, "POST", "/v1/projects", be.token, map[string]string{"name": "bench"}).Want(b, 201).JSON(b, &p)
	be.projectID = p.ProjectID
	be.warmUp(b)
	return be
}

// warmUp runs one 1,000-number job through the whole API, untimed: a
// freshly started DynamoDB Local runs its first job two to three times
// slower while the JVM compiles, which is no property of the processor.
func (be *benchEnv) warmUp(b *testing.B) {
	b.Helper()
	ns := make([]number, benchJobSize)
	for k := range ns {
		ns[k] = number{TrackingNumber: dhl(benchWarmUp + k)}
	}
	j, _ := be.submitAndAwait(b, ns, nil)
	if want := (counts{Total: benchJobSize, Added: benchJobSize}); j.Status != "COMPLETED" || j.Counts != want {
		b.Fatalf("warm-up job %s is %s with counts %+v, want COMPLETED with %+v", j.JobID, j.Status, j.Counts, want)
	}
}

// submitAndAwait submits an ADD job over HTTP and polls its status every
// 20 ms until it is COMPLETED or FAILED (or 90 s passed), as a client
// would. started, when not nil, is called when the job is first seen
// IN_PROGRESS or later. It returns the last status and how long the POST
// took.
func (be *benchEnv) submitAndAwait(b *testing.B, ns []number, started func()) (jobOut, time.Duration) {
	b.Helper()
	path := "/v1/projects/" + be.projectID + "/tracking-number-jobs"
	var j jobOut
	start := time.Now()
	be.e.Call(b, "POST", path, be.token, map[string]any{"action": "ADD", "trackingNumbers": ns}).Want(b, 202).JSON(b, &j)
	answered := time.Since(start)
	deadline := time.Now().Add(90 * time.Second)
	for {
		var list listOut[jobOut]
		be.e.Call(b, "GET", path+"?jobId="+j.JobID, be.token, nil).Want(b, 200).JSON(b, &list)
		if len(list.Items) != 1 {
			b.Fatalf("?jobId= listed %d jobs", len(list.Items))
		}
		j = list.Items[0]
		if started != nil && j.Status != "QUEUED" && j.Status != "ACCEPTED" {
			started()
			started = nil
		}
		if j.Status == "COMPLETED" || j.Status == "FAILED" || time.Now().After(deadline) {
			return j, answered
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// storeJob stores a QUEUED ADD job of numbers as Submit leaves it, but
// without queueing it: no poller ever sees it, so only the benchmark
// processes it.
func (be *benchEnv) storeJob(b *testing.B, store job.Store, ns []string) job.Job {
	b.Helper()
	svc := be.e.App.API.Jobs
	items := make([]job.Item, len(ns))
	for i, n := range ns {
		items[i] = job.Item{TrackingNumber: n}
	}
	now := svc.Now().UTC()
	j := job.Job{
		ID: svc.NewID(), ProjectID: be.projectID, ClientID: be.clientID, PrincipalID: be.principalID,
		Action: job.Add, Status: job.Queued, CreatedAt: now, ExpiresAt: now.Add(job.JobTTL),
		Counts: job.Counts{Total: len(items)}, BodyHash: bodyHash(items),
	}
	if err := store.CreateJob(context.Background(), j, items); err != nil {
		b.Fatal(err)
	}
	return j
}

// bodyHash stands for Submit's hash of the submission: the same size.
func bodyHash(items []job.Item) string {
	h := sha256.New()
	for _, it := range items {
		h.Write([]byte(it.TrackingNumber))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// wantAdded fails unless the job is COMPLETED with every number ADDED.
func wantAdded(b *testing.B, store job.Store, id string, n int) {
	b.Helper()
	j, err := store.Job(context.Background(), id)
	if err != nil {
		b.Fatal(err)
	}
	if want := (job.Counts{Total: n, Added: n}); j.Status != job.Completed || j.Counts != want {
		b.Fatalf("job %s is %s with counts %+v, want COMPLETED with %+v", id, j.Status, j.Counts, want)
	}
}

// BenchmarkJobSubmitToCompleted is a client's view: one 1,000-number ADD
// job submitted over HTTP, its status polled every 20 ms until COMPLETED
// (polling every 200 ms instead changes the processing time no more than
// the runs' noise). The time includes the queue: the local poller
// short-polls with a 200 ms pause when the queue is empty (Lambda's event
// source long-polls), so pick-up adds 0-200 ms that AWS would mostly not.
// The log splits the time at the POST's answer and at the first status
// seen IN_PROGRESS.
//
// The job's own processing time is measured in the same run: a job of as
// many other new numbers, stored without queueing and processed by a
// direct call of the processor (job.Service.Process), after each
// submitted one; the ratio is submit-to-COMPLETED over that time.
func BenchmarkJobSubmitToCompleted(b *testing.B) {
	be := startBench(b)
	var answered, pickup, total, processing time.Duration
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		direct := make([]string, benchJobSize)
		for k := range direct {
			direct[k] = benchNumber(i, 1, k)
		}
		stored := be.storeJob(b, be.e.App.API.Jobs.Store, direct)
		b.StartTimer()
		ns := make([]number, benchJobSize)
		for k := range ns {
			ns[k] = number{TrackingNumber: benchNumber(i, 0, k)}
		}
		start := time.Now()
		var started time.Duration
		j, posted := be.submitAndAwait(b, ns, func() { started = time.Since(start) })
		elapsed := time.Since(start)
		if want := (counts{Total: benchJobSize, Added: benchJobSize}); j.Status != "COMPLETED" || j.Counts != want {
			b.Fatalf("job %s is %s with counts %+v, want COMPLETED with %+v", j.JobID, j.Status, j.Counts, want)
		}
		answered += posted
		pickup += started
		total += elapsed
		start = time.Now()
		if err := be.e.App.API.Jobs.Process(context.Background(), stored.ID); err != nil {
			b.Fatal(err)
		}
		processing += time.Since(start)
		wantAdded(b, be.e.App.API.Jobs.Store, stored.ID, benchJobSize)
	}
	b.StopTimer()
	per := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) / float64(b.N) }
	b.ReportMetric(per(total), "ms/job")
	b.ReportMetric(per(processing), "processing-ms/job")
	b.ReportMetric(float64(total)/float64(processing), "ratio")
	b.Logf("submit to COMPLETED, mean of %d jobs of %d numbers: %.0f ms (POST answered after %.0f ms, IN_PROGRESS first seen after %.0f ms, status polled every 20 ms); the processor alone on a job as large: %.0f ms; ratio %.2f (aim ≤ 1.5)",
		b.N, benchJobSize, per(total), per(answered), per(pickup), per(processing), float64(total)/float64(processing))
}

// BenchmarkJobProcessorVsSameWrites compares the processor with raw
// writes of the same kind on the emulator, in the same run (see
// sameKind). Each iteration stores 20 jobs of 1,000 new numbers (not
// timed; stored without queueing, so the pollers never touch them), then
// processes them as the template's event source mapping delivers them to
// the processor (BatchSize 5): four batches of 5, each handed to
// worker.Worker, which runs up to 4 of its jobs at once; batches one
// after another, as the local poller delivers them. The processor's store
// records every write that took; after each batch they are written again
// under keys of their own (the jobs' own items first, untimed, so that
// the conditions find what the processor's found): its transactions and
// conditional writes as it sent them, its plain items batch-written, each
// at 1 to 32 requests in flight. The ratio is the time both kinds take at
// their best counts over the processor's time.
//
// The processor's store is also wrapped to time its phases (two clock
// reads per store call) for the breakdown in the log; with jobs running
// at once the phases overlap, so they are shares of the summed store
// time.
func BenchmarkJobProcessorVsSameWrites(b *testing.B) {
	be := startBench(b)
	e := be.e
	// Nothing of this benchmark is queued; this only makes sure that a
	// stray delivery could not process a job behind the benchmark's back.
	e.FailProcessing.Store(true)
	ctx := context.Background()
	var log writeLog
	store := dynamo.Open(dynamodb.NewFromConfig(e.AWS, localChecksums, log.Option), e.Config.Table, dynamo.Options{TransactItems: e.Config.TransactItems}).Jobs
	timed := &timedStore{Store: store}
	svc := e.App.API.Jobs
	svc.Store = timed
	w := worker.Worker{Jobs: svc, Logger: slog.New(slog.DiscardHandler)}
	raw := dynamodb.NewFromConfig(e.AWS, localChecksums)
	var procTime time.Duration
	var same sameKind
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		jobs := make([]job.Job, benchJobs)
		for n := range jobs {
			ns := make([]string, benchJobSize)
			for k := range ns {
				ns[k] = benchNumber(i, n, k)
			}
			jobs[n] = be.storeJob(b, store, ns)
		}
		prefix := fmt.Sprintf("RAW%d#", i)
		seed := log.Take()
		if err := (&sameKind{}).replay(ctx, raw, e.Config.Table, prefix, seed, 0, 0); err != nil {
			b.Fatal(err)
		}
		per := benchJobs / 4
		for k := range 4 {
			ev := events.SQSEvent{}
			for _, j := range jobs[k*per : (k+1)*per] {
				ev.Records = append(ev.Records, events.SQSMessage{MessageId: j.ID, Body: fmt.Sprintf(`{"kind":%q,"id":%q}`, queue.KindJob, j.ID)})
			}
			b.StartTimer()
			start := time.Now()
			resp, err := w.Process(ctx, ev)
			if err != nil || len(resp.BatchItemFailures) > 0 {
				b.Fatalf("batch %d: %v, %d failed", k, err, len(resp.BatchItemFailures))
			}
			took := time.Since(start)
			procTime += took
			b.StopTimer()
			// Each batch's writes are written again right after it, so a
			// change in the machine's load weighs on both alike.
			if err := same.replay(ctx, raw, e.Config.Table, prefix, log.Take(), took, i*4+k); err != nil {
				b.Fatal(err)
			}
		}
		for _, j := range jobs {
			wantAdded(b, e.App.API.Jobs.Store, j.ID, benchJobSize)
		}
		b.StartTimer()
	}
	b.StopTimer()
	count := float64(b.N * benchJobs * benchJobSize)
	b.ReportMetric(count/procTime.Seconds(), "processor-numbers/s")
	b.ReportMetric(same.ratio(), "ratio")
	b.Logf("processor %.0f numbers/s (%d jobs of %d in batches of 5, up to 4 at once); %s",
		count/procTime.Seconds(), b.N*benchJobs, benchJobSize, &same)
	b.Logf("store time per job by call: %s; load average %s", timed.report(procTime, b.N*benchJobs), loadAverage())
}

// BenchmarkJobDynamoDBCost counts the DynamoDB requests and write units of
// processing one 1,000-number ADD job, through a client of its own with a
// counting middleware (apitest.DDBCounter).
//
// wcu/1000-numbers is the consumed capacity the endpoint reports
// (ReturnConsumedCapacity=INDEXES: table and GSI1). DynamoDB Local does
// report it, but does not apply DynamoDB's 2× price of transactional
// writes (SaveResults' 4 chunks of 7 KB report 28 units, not 56), so the
// log also gives the figure with TransactWriteItems doubled, as AWS would
// bill it, and the counter's own estimate from the item sizes. Were
// nothing reported, the metric would fall back to that estimate. The log
// also gives what storing the job at submission costs.
func BenchmarkJobDynamoDBCost(b *testing.B) {
	be := startBench(b)
	e := be.e
	e.FailProcessing.Store(true)
	ctx := context.Background()
	var submitCount, processCount apitest.DDBCounter
	submitStore := dynamo.Open(dynamodb.NewFromConfig(e.AWS, localChecksums, submitCount.Option), e.Config.Table, dynamo.Options{}).Jobs
	svc := e.App.API.Jobs
	svc.Store = dynamo.Open(dynamodb.NewFromConfig(e.AWS, localChecksums, processCount.Option), e.Config.Table, dynamo.Options{}).Jobs
	var requests, attempts, wcu, reported, estimated, billed float64
	var breakdown string
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		ns := make([]string, benchJobSize)
		for k := range ns {
			ns[k] = benchNumber(i, 0, k)
		}
		submitCount.Reset()
		j := be.storeJob(b, submitStore, ns)
		processCount.Reset()
		b.StartTimer()
		if err := svc.Process(ctx, j.ID); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		wantAdded(b, e.App.API.Jobs.Store, j.ID, benchJobSize)
		t := processCount.Total()
		requests += float64(t.Calls)
		attempts += float64(t.Attempts)
		reported += t.WCU
		estimated += t.EstimatedWCU
		if t.Reported {
			wcu += t.WCU
		} else {
			wcu += t.EstimatedWCU
		}
		billed += t.WCU + processCount.Ops()["TransactWriteItems"].WCU
		if i == 0 {
			breakdown = processCount.String()
			s := submitCount.Total()
			b.Logf("storing the job (CreateJob, as Submit does before queueing it): %d requests (%s), reported WCU %.1f, estimated WCU %.1f",
				s.Calls, strings.Join(names(submitCount.Ops()), ", "), s.WCU, s.EstimatedWCU)
		}
		b.StartTimer()
	}
	b.StopTimer()
	per1000 := func(v float64) float64 { return v / float64(b.N) * 1000 / benchJobSize }
	b.ReportMetric(per1000(requests), "ddb-requests/1000-numbers")
	b.ReportMetric(per1000(wcu), "wcu/1000-numbers")
	method := "reported by the endpoint"
	if reported == 0 {
		method = "estimated from item sizes: the endpoint reported no consumed capacity"
	}
	b.Logf("processing one job of %d numbers: %.0f requests (%.0f HTTP attempts), %.1f WCU (%s); with transactional writes at 2× as AWS bills them %.1f; estimated from item sizes %.1f\nfirst job, by operation:\n%s",
		benchJobSize, requests/float64(b.N), attempts/float64(b.N), wcu/float64(b.N), method,
		billed/float64(b.N), estimated/float64(b.N), breakdown)
}

func names[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for name := range m {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// localChecksums skips response checksums as the app does for a local
// endpoint (DynamoDB Local's error responses carry wrong ones).
func localChecksums(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true }

// batchWrite is the store's batch writer (internal/dynamo/batch.go): 25
// writes per request, 8 requests in flight, unprocessed items retried
// after 20 ms, doubling.
func batchWrite(ctx context.Context, client *dynamodb.Client, table string, writes []types.WriteRequest) error {
	var batches [][]types.WriteRequest
	for start := 0; start < len(writes); start += 25 {
		batches = append(batches, writes[start:min(start+25, len(writes))])
	}
	return sendBatches(ctx, client, table, batches, 8)
}

// timedStore times the store calls the processor makes.
type timedStore struct {
	job.Store
	mu    sync.Mutex
	total map[string]time.Duration
	calls map[string]int
}

func (s *timedStore) since(name string, start time.Time) {
	d := time.Since(start)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.total == nil {
		s.total, s.calls = map[string]time.Duration{}, map[string]int{}
	}
	s.total[name] += d
	s.calls[name]++
}

// report lists the calls, longest first, with their time per job and
// share of all, on one line: benchmark logs are cut after 10 lines.
func (s *timedStore) report(all time.Duration, jobs int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, 0, len(s.total))
	var inStore time.Duration
	for name, d := range s.total {
		names = append(names, name)
		inStore += d
	}
	sort.Slice(names, func(i, j int) bool { return s.total[names[i]] > s.total[names[j]] })
	part := func(name string, d time.Duration) string {
		return fmt.Sprintf("%s %.1f ms (%.1f%%)", name, float64(d)/float64(time.Millisecond)/float64(jobs), 100*float64(d)/float64(all))
	}
	parts := make([]string, 0, len(names)+1)
	for _, name := range names {
		parts = append(parts, part(name, s.total[name]))
	}
	parts = append(parts, part("outside the store", all-inStore))
	return strings.Join(parts, ", ")
}

func (s *timedStore) Job(ctx context.Context, id string) (job.Job, error) {
	defer s.since("Job", time.Now())
	return s.Store.Job(ctx, id)
}

func (s *timedStore) SetStatus(ctx context.Context, j job.Job, from ...job.Status) error {
	defer s.since("SetStatus", time.Now())
	return s.Store.SetStatus(ctx, j, from...)
}

func (s *timedStore) Start(ctx context.Context, j job.Job, from ...job.Status) (time.Time, error) {
	defer s.since("Start", time.Now())
	return s.Store.Start(ctx, j, from...)
}

func (s *timedStore) Items(ctx context.Context, j job.Job) ([]job.Item, error) {
	defer s.since("Items", time.Now())
	return s.Store.Items(ctx, j)
}

func (s *timedStore) Associations(ctx context.Context, projectID string, numbers []string) (map[string]job.Association, error) {
	defer s.since("Associations", time.Now())
	return s.Store.Associations(ctx, projectID, numbers)
}

func (s *timedStore) SaveResults(ctx context.Context, j job.Job, results []job.Result) error {
	defer s.since("SaveResults", time.Now())
	return s.Store.SaveResults(ctx, j, results)
}

func (s *timedStore) Results(ctx context.Context, j job.Job) ([]job.Result, error) {
	defer s.since("Results", time.Now())
	return s.Store.Results(ctx, j)
}

func (s *timedStore) AddAssociations(ctx context.Context, as []job.Association) ([]job.Association, error) {
	defer s.since("AddAssociations", time.Now())
	return s.Store.AddAssociations(ctx, as)
}

func (s *timedStore) Apply(ctx context.Context, projectID string, renew []job.Association, remove []string, at time.Time) error {
	defer s.since("Apply", time.Now())
	return s.Store.Apply(ctx, projectID, renew, remove, at)
}

func (s *timedStore) Finish(ctx context.Context, j job.Job) error {
	defer s.since("Finish", time.Now())
	return s.Store.Finish(ctx, j)
}
