//go:build integration

package systemtest

// Emulator-only: a benchmark of the DynamoDB store.

// BenchmarkWebhookDelivery measures webhook delivery end to end against
// the local stack (see `make bench`):
//
//	go run ./cmd/parcelgate stack -- go test -tags integration -run '^$' -bench WebhookDelivery -benchtime 1x ./internal/systemtest/
//
// Like the other benchmarks it measures and does not judge: it fails only
// on a wrong result (a delivery missing, badly signed or of the wrong
// event). The baseline, measured in the same run against the same
// receiver, is the bare work at the end of the pipeline: as many signed
// POSTs, sent straight from the benchmark as concurrently as the sender
// runs them.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"golang.org/x/sync/errgroup"

	"github.com/parcelgate/parcelgate/internal/apitest"
)

// Sizes of BenchmarkWebhookDelivery: the 10,000 status changes
// over 10 endpoints, one endpoint in each of 10 projects, 1,000 numbers
// per project, so every change is one delivery.
const (
	hookEndpoints = 10
	hookNumbers   = 1000 // per project
	hookChanges   = hookEndpoints * hookNumbers
	// hookInFlight is how many deliveries the sender runs at once here:
	// five batches of ten (the dev server's pollers). The baseline sends
	// as many POSTs at once.
	hookInFlight = 50
	hookBase     = 3_000_000 // keeps the numbers clear of the other tests'
	// hookPerRequest events per POST /v1/messages: requests of 1,000 time
	// out (503) on a machine shared by many processes.
	hookPerRequest = 250
)

// hookReceiver is the local receiver: it verifies every delivery with
// the Standard Webhooks library and notes when each (number, sequence)
// first arrived.
type hookReceiver struct {
	secrets map[string]*standardwebhooks.Webhook // by path
	mu      sync.Mutex
	arrived map[string]time.Time
	changed map[string]time.Time // the event's timestamp: when the status moved
	bad     []string
	total   int
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	wh := h.secrets[r.URL.Path]
	h.mu.Unlock()
	var env struct {
		Type      string    `json:"type"`
		Timestamp time.Time `json:"timestamp"`
		Data      struct {
			TrackingNumber string `json:"trackingNumber"`
			Sequence       int    `json:"sequence"`
		} `json:"data"`
	}
	err := json.Unmarshal(body, &env)
	if err == nil && wh == nil {
		err = fmt.Errorf("no endpoint at %s", r.URL.Path)
	}
	if err == nil {
		err = wh.Verify(body, r.Header)
	}
	now := time.Now()
	h.mu.Lock()
	defer h.mu.Unlock()
	h.total++
	if err != nil || env.Type != "tracking.updated" {
		h.bad = append(h.bad, fmt.Sprintf("%s %s: %v", r.URL.Path, body, err))
		return
	}
	key := env.Data.TrackingNumber + "#" + strconv.Itoa(env.Data.Sequence)
	if _, ok := h.arrived[key]; !ok {
		h.arrived[key], h.changed[key] = now, env.Timestamp
	}
}

func (h *hookReceiver) reset() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.arrived, h.changed, h.bad, h.total = map[string]time.Time{}, map[string]time.Time{}, nil, 0
}

func (h *hookReceiver) count() (int, []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.arrived), h.bad
}

// writeCounter counts DynamoDB write requests and the items they write,
// by the kind of item (the prefix of its partition key).
type writeCounter struct {
	mu       sync.Mutex
	requests int
	items    map[string]int
}

func (c *writeCounter) middleware(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("hookWrites", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
		out, md, err := next.HandleInitialize(ctx, in)
		if err != nil || awsmiddleware.GetServiceID(ctx) != dynamodb.ServiceID {
			return out, md, err
		}
		var keys []string
		add := func(pk types.AttributeValue) {
			s, _ := pk.(*types.AttributeValueMemberS)
			if s != nil {
				keys = append(keys, s.Value)
			}
		}
		switch p := in.Parameters.(type) {
		case *dynamodb.PutItemInput:
			add(p.Item["PK"])
		case *dynamodb.UpdateItemInput:
			add(p.Key["PK"])
		case *dynamodb.DeleteItemInput:
			add(p.Key["PK"])
		case *dynamodb.BatchWriteItemInput:
			for _, rs := range p.RequestItems {
				for _, r := range rs {
					if r.PutRequest != nil {
						add(r.PutRequest.Item["PK"])
					} else if r.DeleteRequest != nil {
						add(r.DeleteRequest.Key["PK"])
					}
				}
			}
		case *dynamodb.TransactWriteItemsInput:
			for _, w := range p.TransactItems {
				switch {
				case w.Put != nil:
					add(w.Put.Item["PK"])
				case w.Update != nil:
					add(w.Update.Key["PK"])
				case w.Delete != nil:
					add(w.Delete.Key["PK"])
				}
			}
		default:
			return out, md, err
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		c.requests++
		for _, pk := range keys {
			kind, _, _ := strings.Cut(pk, "#")
			c.items[kind]++
		}
		return out, md, err
	}), middleware.After)
}

func (c *writeCounter) take() (int, map[string]int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, items := c.requests, c.items
	c.requests, c.items = 0, map[string]int{}
	return r, items
}

func quantileMS(ds []time.Duration, q float64) float64 {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return float64(ds[min(len(ds)-1, int(q*float64(len(ds))))]) / float64(time.Millisecond)
}

// BenchmarkWebhookDelivery: 10,000 status changes, ingested through
// POST /v1/messages (40 requests of 250 events, one after another), each
// delivered to its project's endpoint at a local receiver. Reported: the
// changes delivered per second (first POST to last delivery) and the
// p50/p99 latency from a change's POST to its delivery, beside the same
// figures for 10,000 bare signed POSTs to the receiver; and the DynamoDB
// write requests, items and write units per delivered change, everything
// included (ingestion, notification, fan-out, delivery, attempt log).
func BenchmarkWebhookDelivery(b *testing.B) {
	ctx := context.Background()
	var ddb apitest.DDBCounter
	var ddbOpts dynamodb.Options
	ddb.Option(&ddbOpts)
	writes := &writeCounter{items: map[string]int{}}
	e := apitest.StartWith(b, apitest.Options{APIOptions: append(ddbOpts.APIOptions, writes.middleware)})
	// The API's clock is the test's, frozen unless moved: keep it at the
	// time of day, or the signatures' timestamps would age.
	tick, stopTicking := context.WithCancel(ctx)
	b.Cleanup(stopTicking)
	go func() {
		for tick.Err() == nil {
			e.SetClock(time.Now().UTC())
			time.Sleep(50 * time.Millisecond)
		}
	}()
	setup := time.Now()
	_, token := e.Token(b, "bench")
	rcv := &hookReceiver{secrets: map[string]*standardwebhooks.Webhook{}, arrived: map[string]time.Time{}, changed: map[string]time.Time{}}
	srv := httptest.NewServer(rcv)
	b.Cleanup(srv.Close)

	// Ten projects, each with 1,000 numbers and one endpoint.
	owner := make([]string, hookChanges) // number i → project
	for p := range hookEndpoints {
		var proj projectOut
		e.Call(b, "POST", "/v1/projects", token, map[string]string{"name": fmt.Sprintf("hooks-%d", p)}).Want(b, 201).JSON(b, &proj)
		var w webhookOut
		path := fmt.Sprintf("/hooks/%d", p)
		e.Call(b, "POST", "/v1/projects/"+proj.ProjectID+"/webhooks", token, map[string]any{"url": srv.URL + path, "events": []string{"tracking.updated"}}).Want(b, 201).JSON(b, &w)
		wh, err := standardwebhooks.NewWebhook(w.Secret)
		if err != nil {
			b.Fatal(err)
		}
		rcv.secrets[path] = wh
		ns := make([]number, hookNumbers)
		for k := range ns {
			ns[k] = number{TrackingNumber: dhl(hookBase + p*hookNumbers + k)}
			owner[p*hookNumbers+k] = proj.ProjectID
		}
		var j jobOut
		e.Call(b, "POST", "/v1/projects/"+proj.ProjectID+"/tracking-number-jobs", token, map[string]any{"action": "ADD", "trackingNumbers": ns}).Want(b, 202).JSON(b, &j)
		deadline := time.Now().Add(5 * time.Minute)
		for {
			var list listOut[jobOut]
			e.Call(b, "GET", "/v1/projects/"+proj.ProjectID+"/tracking-number-jobs?jobId="+j.JobID, token, nil).Want(b, 200).JSON(b, &list)
			if len(list.Items) == 1 && list.Items[0].Status == "COMPLETED" && list.Items[0].Counts.Added == hookNumbers {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("job %s: %+v", j.JobID, list.Items)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	httpClient := &http.Client{Timeout: time.Minute}
	fmt.Fprintf(os.Stderr, "BenchmarkWebhookDelivery setup: %d projects of %d numbers with one endpoint each in %s\n", hookEndpoints, hookNumbers, time.Since(setup).Round(time.Second))

	var rate, p50, p99, push50, push99 float64
	var requests int
	items := map[string]int{}
	ddb.Reset()
	writes.take()
	b.ResetTimer()
	for it := range b.N {
		rcv.reset()
		// Change it+1 of every number: one status a day, a new status
		// each iteration, so every event moves its number's status.
		sent := make([]time.Time, hookChanges)
		status := statuses[it%len(statuses)]
		if it > 0 && status == statuses[(it-1)%len(statuses)] {
			b.Fatal("two iterations with one status")
		}
		bodies := make([][]byte, hookChanges/hookPerRequest)
		for r := range bodies {
			msgs := make([]msg, hookPerRequest)
			for k := range msgs {
				i := r*hookPerRequest + k
				n := dhl(hookBase + i)
				msgs[k] = msg{MessageType: "TrackingEvent", ExternalReference: fmt.Sprintf("hook-%s-%d", n, it), Payload: map[string]any{
					"trackingNumber": n, "status": status, "agency": "Leipzig Hub",
					"datetime": time.Date(2026, 3, 1+it, 8, 0, 0, 0, time.UTC).Format(time.RFC3339),
				}}
			}
			bodies[r] = injectBody(b, fmt.Sprintf("hooks-%d-%d", it, r), msgs)
		}
		// One request after another, as one carrier's feed sends them; a
		// 503 (the store overloaded: DynamoDB Local shares the machine) is
		// sent again after the 5 s the answer asks for.
		start := time.Now()
		for r, body := range bodies {
			at := time.Now()
			for k := range hookPerRequest {
				sent[r*hookPerRequest+k] = at
			}
			for try := 1; ; try++ {
				_, err := postMessages(ctx, httpClient, e.URL, token, body)
				if err == nil {
					break
				}
				if try == 10 || !strings.Contains(err.Error(), ": 503 ") {
					b.Fatal(err)
				}
				time.Sleep(5 * time.Second)
			}
		}
		deadline := time.Now().Add(15 * time.Minute)
		progress := time.Now()
		for {
			n, bad := rcv.count()
			if len(bad) > 0 {
				b.Fatalf("%d bad deliveries, first: %s", len(bad), bad[0])
			}
			if n == hookChanges {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("%d of %d changes delivered", n, hookChanges)
			}
			if time.Since(progress) > 30*time.Second {
				fmt.Fprintf(os.Stderr, "BenchmarkWebhookDelivery: %d of %d changes delivered after %s\n", n, hookChanges, time.Since(start).Round(time.Second))
				progress = time.Now()
			}
			time.Sleep(20 * time.Millisecond)
		}
		b.StopTimer()
		r, byKind := writes.take()
		requests += r
		for k, v := range byKind {
			items[k] += v
		}
		rcv.mu.Lock()
		var last time.Time
		lat := make([]time.Duration, 0, hookChanges)
		push := make([]time.Duration, 0, hookChanges)
		for i := range hookChanges {
			key := dhl(hookBase+i) + "#" + strconv.Itoa(it+1)
			push = append(push, rcv.arrived[key].Sub(rcv.changed[key]))
			at, ok := rcv.arrived[key]
			if !ok {
				rcv.mu.Unlock()
				b.Fatalf("change %d of %s (project %s) delivered with another sequence", it+1, dhl(hookBase+i), owner[i])
			}
			lat = append(lat, at.Sub(sent[i]))
			if at.After(last) {
				last = at
			}
		}
		dups := rcv.total - hookChanges
		rcv.mu.Unlock()
		rate = hookChanges / last.Sub(start).Seconds()
		p50, p99 = quantileMS(lat, 0.5), quantileMS(lat, 0.99)
		push50, push99 = quantileMS(push, 0.5), quantileMS(push, 0.99)
		b.Logf("iteration %d: %d changes delivered in %s (%.0f/s); POST to delivery p50 %.0f ms, p99 %.0f ms; status moved to delivery p50 %.0f ms, p99 %.0f ms; %d deliveries beyond one per change",
			it, hookChanges, last.Sub(start).Round(time.Millisecond), rate, p50, p99, push50, push99, dups)
		b.StartTimer()
	}
	b.StopTimer()

	// Baseline: the same number of signed POSTs, straight to the receiver.
	rcv.reset()
	wh := rcv.secrets["/hooks/0"]
	lat := make([]time.Duration, hookChanges)
	next := make(chan int)
	start := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	for range hookInFlight {
		g.Go(func() error {
			for i := range next {
				body := fmt.Appendf(nil, `{"type":"tracking.updated","timestamp":%q,"data":{"trackingNumber":%q,"sequence":1}}`, time.Now().UTC().Format(time.RFC3339Nano), dhl(hookBase+i))
				id := fmt.Sprintf("evt_raw_%d", i)
				t0 := time.Now()
				sig, err := wh.Sign(id, t0, body)
				if err != nil {
					return err
				}
				req, err := http.NewRequestWithContext(gctx, http.MethodPost, srv.URL+"/hooks/0", bytes.NewReader(body))
				if err != nil {
					return err
				}
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("webhook-id", id)
				req.Header.Set("webhook-timestamp", strconv.FormatInt(t0.Unix(), 10))
				req.Header.Set("webhook-signature", sig)
				resp, err := httpClient.Do(req)
				if err != nil {
					return err
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat[i] = time.Since(t0)
			}
			return nil
		})
	}
	for i := range hookChanges {
		next <- i
	}
	close(next)
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
	rawRate := hookChanges / time.Since(start).Seconds()
	if n, bad := rcv.count(); n != hookChanges || len(bad) > 0 {
		b.Fatalf("baseline: %d delivered, bad %v", n, bad)
	}
	rawP50, rawP99 := quantileMS(lat, 0.5), quantileMS(lat, 0.99)

	delivered := float64(b.N * hookChanges)
	total := ddb.Total()
	wcu := total.EstimatedWCU
	if total.Reported {
		wcu = total.WCU
	}
	var kinds []string
	for k, v := range items {
		kinds = append(kinds, fmt.Sprintf("%s %.2f", k, float64(v)/delivered))
	}
	sort.Strings(kinds)
	b.Logf("baseline: %d signed POSTs, %d at once: %.0f/s, p50 %.2f ms, p99 %.2f ms", hookChanges, hookInFlight, rawRate, rawP50, rawP99)
	b.Logf("DynamoDB items written per delivered change, by partition key: %s", strings.Join(kinds, ", "))
	b.Logf("AWS operations over the run (DynamoDB with its capacity; SQS calls counted only):\n%s", ddb.String())
	b.ReportMetric(rate, "events/s")
	b.ReportMetric(rawRate, "raw-posts/s")
	b.ReportMetric(rate/rawRate, "rate-ratio")
	b.ReportMetric(p50, "p50-ms")
	b.ReportMetric(p99, "p99-ms")
	b.ReportMetric(p50/rawP50, "p50-ratio")
	b.ReportMetric(push50, "moved-to-delivered-p50-ms")
	b.ReportMetric(push99, "moved-to-delivered-p99-ms")
	b.ReportMetric(float64(requests)/delivered, "ddb-write-requests/event")
	b.ReportMetric(float64(total.ItemWrites)/delivered, "ddb-item-writes/event")
	b.ReportMetric(wcu/delivered, "wcu/event")
}
