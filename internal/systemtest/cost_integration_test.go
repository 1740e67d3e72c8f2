//go:build integration

package systemtest

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/smithy-go/middleware"

	"github.com/parcelgate/parcelgate/internal/apitest"
	"github.com/parcelgate/parcelgate/internal/cost"
)

var updateCost = flag.Bool("update", false, "rewrite internal/cost/measured.json from the measurement")

// costUnits is how many of each operation are measured together; the
// figures are per one.
const costUnits = 50

// byteCounter counts what is written to it: the app's log lines.
type byteCounter struct{ n atomic.Int64 }

func (c *byteCounter) Write(p []byte) (int, error) { c.n.Add(int64(len(p))); return len(p), nil }

// costMeter measures operations through the whole API over the emulators:
// every AWS call the app makes (DynamoDB with its consumed capacity, SQS),
// the API requests, the queue handlers' invocations and the log bytes.
type costMeter struct {
	t    *testing.T
	e    *apitest.Env
	aws  apitest.DDBCounter
	logs byteCounter
	ops  []cost.Operation
}

func newCostMeter(t *testing.T) *costMeter {
	m := &costMeter{t: t}
	m.e = apitest.StartWith(t, apitest.Options{APIOptions: []func(*middleware.Stack) error{m.aws.Install}, Logs: &m.logs})
	return m
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measure runs do, waits until everything it set off has run (every queue
// empty), and records what it asked of AWS divided by units.
func (m *costMeter) measure(name, per string, units, batch int, do func()) cost.Operation {
	m.t.Helper()
	m.e.AwaitIdle(m.t)
	m.aws.Reset()
	m.e.ResetUsage()
	m.logs.n.Store(0)
	cpu := cpuTime()
	do()
	m.e.AwaitIdle(m.t)
	n := float64(units)
	op := cost.Operation{Name: name, Per: per, Units: units, Batch: batch,
		DynamoDB: map[string]float64{}, RCU: map[string]float64{}, WCU: map[string]float64{},
		SQS: map[string]float64{}, Invocations: map[string]float64{}, Messages: map[string]float64{},
		CPUMillis: float64(cpuTime()-cpu) / float64(time.Millisecond) / n,
		LogBytes:  float64(m.logs.n.Load()) / n,
	}
	for opName, c := range m.aws.Ops() {
		op.DynamoDB[opName] = float64(c.Calls) / n
		op.Retries += float64(c.Attempts-c.Calls) / n
		for ix, u := range c.Units {
			if u.Read > 0 {
				op.RCU[ix] += u.Read / n
			}
			if u.Write > 0 {
				op.WCU[ix] += u.Write / n
				if opName == "TransactWriteItems" {
					op.TransactWCU += u.Write / n
				}
			}
		}
	}
	for call, c := range m.aws.Other() {
		op.SQS[call] = float64(c) / n
	}
	u := m.e.Usage()
	op.APIRequests = float64(u.APIRequests) / n
	for f, c := range u.Invocations {
		op.Invocations[f] = float64(c) / n
		op.Messages[f] = float64(u.Records[f]) / n
	}
	m.ops = append(m.ops, op)
	m.t.Logf("%s (per %s): %s", name, per, m.aws.String())
	return op
}

// TestCostPerOperation measures what each operation asks of AWS, per
// unit, through the real code: job number ADD and REMOVE, an event
// ingested (a new parcel; a status change of a parcel followed by one
// and by three projects; one delivered by webhook), a tracking GET, a
// tracker search, a data record write and an import row. The requests
// and capacity units must equal internal/cost/measured.json (rewritten
// with -update), so a path that starts writing more fails here; the
// invocations (batching depends on timing), log bytes and CPU time are
// recorded, not asserted.
//
//	go run ./cmd/parcelgate stack -- go test -tags integration -count=1 -run TestCostPerOperation ./internal/systemtest/ [-update]
func TestCostPerOperation(t *testing.T) {
	m := newCostMeter(t)
	e := m.e
	_, token := e.Token(t, "acme")
	var follow [3]string
	for i := range follow {
		follow[i] = createProject(t, e, token, fmt.Sprintf("follow-%d", i)).ProjectID
	}
	hooked := createProject(t, e, token, "hooked").ProjectID
	rc := newReceiver(t, nil)
	registerWebhook(t, e, token, hooked, rc, "tracking.updated")

	// Numbers of their own for each case, never seen before it.
	set := func(k int) []string {
		ns := make([]string, costUnits)
		for i := range ns {
			ns[i] = dhl(900000 + k*1000 + i)
		}
		return ns
	}
	fresh, one, three, hook, removed := set(0), set(1), set(2), set(3), set(4)
	addJob := func(p string, ns []string) {
		t.Helper()
		submit(t, e, token, p, "ADD", numbers(ns...))
	}
	day := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	events := func(ns []string, status string, at time.Time) []msg {
		out := make([]msg, len(ns))
		for i, n := range ns {
			out[i] = event(n, status, "", nil, at.Format(time.RFC3339))
			out[i].ExternalReference = fmt.Sprintf("%s-%d", status, i)
		}
		return out
	}
	post := func(ref string, ms []msg) {
		t.Helper()
		e.Call(t, "POST", "/v1/messages", token, map[string]any{"batchReference": ref, "messages": ms}).Want(t, 202)
	}

	m.measure("job number ADD", "number (jobs of 50)", costUnits, costUnits, func() { addJob(follow[0], removed) })
	m.measure("job number REMOVE", "number (jobs of 50)", costUnits, costUnits, func() {
		submit(t, e, token, follow[0], "REMOVE", numbers(removed...))
	})
	// Subscriptions first, not measured: the events below find them.
	e.AwaitIdle(t)
	addJob(follow[0], one)
	for _, p := range follow {
		addJob(p, three)
	}
	addJob(hooked, hook)
	e.AwaitIdle(t)
	// Every parcel's first event (confirmed), then the measured change.
	post("first", append(append(events(one, "confirmed", day), events(three, "confirmed", day)...), events(hook, "confirmed", day)...))
	e.AwaitIdle(t)
	rc.await(costUnits)
	next := day.Add(3 * time.Hour)
	m.measure("event, new parcel", "event (requests of 50)", costUnits, costUnits, func() { post("fresh", events(fresh, "confirmed", day)) })
	m.measure("event, parcel followed by 1 project", "status change (requests of 50)", costUnits, costUnits, func() { post("one", events(one, "dispatched_by_sender", next)) })
	m.measure("event, parcel followed by 3 projects", "status change (requests of 50)", costUnits, costUnits, func() { post("three", events(three, "dispatched_by_sender", next)) })
	m.measure("status change delivered by webhook", "status change (requests of 50)", costUnits, costUnits, func() {
		post("hook", events(hook, "dispatched_by_sender", next))
		rc.await(2 * costUnits)
	})
	m.measure("tracking GET", "read", costUnits, 1, func() {
		for _, n := range one {
			e.Call(t, "GET", "/v1/tracking/"+n, "", nil).Want(t, 200)
		}
	})
	var posted struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	e.Call(t, "POST", "/v1/messages", token, map[string]any{"batchReference": "searched", "messages": events(fresh[:1], "confirmed", day)}).Want(t, 202).JSON(t, &posted)
	e.AwaitIdle(t)
	m.measure("tracker search", "search by request id", costUnits, 1, func() {
		for range costUnits {
			e.Call(t, "POST", "/v1/tracker", token, map[string]any{"search": []map[string]any{{"by": "id", "value": []string{posted.Data.ID}}}}).Want(t, 200)
		}
	})
	data := "/v1/data/" + follow[0]
	m.measure("data record write", "record (one POST each)", costUnits, 1, func() {
		for i := range costUnits {
			e.Call(t, "POST", data+"/customer", token, map[string]any{"customer_ID": fmt.Sprintf("W%05d", i), "name": "written", "CodeCustomer": fmt.Sprintf("42%04d", i)}).Want(t, 201)
		}
	})
	const importRows = 200
	m.measure("import row", "row (bulk imports of 200)", importRows, importRows, func() {
		if st := finished(t, e, token, e.Call(t, "POST", data+"/customer/bulk", token, customers(0, importRows, "imported", ""))); st.Status != "COMPLETED" {
			t.Fatalf("import %+v", st)
		}
	})
	checkMeasured(t, m.ops)
}

// checkMeasured compares the counted requests and units with
// internal/cost/measured.json, or rewrites it with -update.
func checkMeasured(t *testing.T, ops []cost.Operation) {
	t.Helper()
	data, err := json.MarshalIndent(ops, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	data = append(data, '\n')
	// This run's figures, CPU and log bytes included, for
	// `parcelgate cost --measured` (make bench).
	run := filepath.Join(apitest.RepoDir(), ".parcelgate", "cost-measured.json")
	if err := os.MkdirAll(filepath.Dir(run), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(run, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if *updateCost {
		for _, o := range ops {
			if o.Retries > 0 {
				t.Fatalf("%s: the SDK retried DynamoDB calls, so the units reported are not the path's: measure again on a quieter machine", o.Name)
			}
		}
		if err := os.WriteFile(filepath.Join(apitest.RepoDir(), "internal", "cost", "measured.json"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := cost.Measured()
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != len(ops) {
		t.Fatalf("measured %d operations, measured.json has %d: run with -update", len(ops), len(want))
	}
	for i, got := range ops {
		w := want[i]
		if timingDependent[got.Name] {
			// Only the record writes are exact: whether the import ends
			// within the request or on the queue, and how often its lease
			// is renewed, depends on the machine's speed.
			if got.Name != w.Name || !near(got.DynamoDB["PutItem"], w.DynamoDB["PutItem"]) {
				t.Errorf("%s writes %v records per row, measured.json says %v", got.Name, got.DynamoDB["PutItem"], w.DynamoDB["PutItem"])
			}
			continue
		}
		same := got.Name == w.Name && equalCounts(got.DynamoDB, w.DynamoDB) && equalCounts(got.SQS, w.SQS) &&
			near(got.APIRequests, w.APIRequests) && equalCounts(got.Messages, w.Messages)
		if got.Retries > 0 {
			t.Logf("%s: %.2f SDK retries per unit on this run (a loaded emulator): its requests are compared, its units are not", got.Name, got.Retries)
		} else {
			same = same && equalCounts(got.RCU, w.RCU) && equalCounts(got.WCU, w.WCU) && near(got.TransactWCU, w.TransactWCU)
		}
		if !same {
			g, _ := json.Marshal(got)
			wj, _ := json.Marshal(w)
			t.Errorf("%s asks AWS for other requests or units than measured.json says:\n got  %s\n want %s", got.Name, g, wj)
		}
	}
}

// timingDependent names the operations whose requests depend on timing.
var timingDependent = map[string]bool{"import row": true}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

func equalCounts(a, b map[string]float64) bool {
	for k, v := range a {
		if !near(v, b[k]) {
			return false
		}
	}
	for k, v := range b {
		if !near(v, a[k]) {
			return false
		}
	}
	return true
}
