//go:build integration

package systemtest

// Emulator-only: a benchmark of the DynamoDB store.

// BenchmarkTrackerSearch1kVs100k measures the tracker's promise (the query
// plan in internal/tracker): a search costs what its answer costs, never
// what the client's history costs. Run it with
//
//	go run ./cmd/parcelgate stack -- go test -tags integration -run '^$' -bench Tracker -benchtime 1x ./internal/systemtest/
//
// Two clients share one table. Each has the same answer: 20 requests on
// day D, three messages each, injected and processed through the real
// message.Service (the queue left out, so the benchmark alone processes
// them), some Failed, some with an Invalid message. Then each gets a
// history on other days, in the very index partitions the searches read
// (the client's, TS#*#<status>, TS#<type>#<status>, and a REF# partition
// per reference): client A 980 requests, client B 99,980, so 1,000 and
// 100,000 in all. Creating 100,000 requests through Inject would take
// hours on DynamoDB Local (about 0.1 s a request), and even the five
// calls a request of the store's own CreateRequest, SaveOutcomes and
// FinishRequest some 40 minutes on a loaded machine. So each history
// request is a processed one-message request as those three store calls
// leave it (request item, chunk of messages as received, facet and
// reference markers, outcomes chunk): the calls run against a recorder
// (captureWrites), and the items they would leave, some 700,000, are
// written with BatchWriteItem, tsbSeedInFlight requests in flight.
// Before anything is timed, the index partitions are counted (through
// the store's Lookup) and searches must find history requests.
//
// Six search shapes then run 50 times each for both clients, alternating
// which goes first, over plain HTTP; every answer is checked (the same
// sizes and content for A and B, and the expected ones). The log gives
// each shape's median latency for A and B and their ratio; a scan would
// make B's about 100 times A's, an indexed query about 1.
//
// It measures, it does not judge: no assertion is on speed.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"
	"golang.org/x/sync/errgroup"

	"github.com/parcelgate/parcelgate/internal/apitest"
	"github.com/parcelgate/parcelgate/internal/dynamo"
	"github.com/parcelgate/parcelgate/internal/message"
	"github.com/parcelgate/parcelgate/internal/request"
)

const (
	// tsbAnswer is the requests each client has on day D.
	tsbAnswer = 20
	// tsbSmall and tsbLarge are the clients' requests in all.
	tsbSmall = 1_000
	tsbLarge = 100_000
	// tsbRounds times each shape this many times per client.
	tsbRounds       = 50
	tsbWarmUpRounds = 5
	// tsbSeedInFlight is the BatchWriteItem requests in flight while
	// seeding: DynamoDB Local writes about 5,000 items/s from 16 on (4
	// give 3,300).
	tsbSeedInFlight = 16
	tsbDay          = 24 * time.Hour
)

// tsbHistoryDays are the days of the history, relative to D: none is
// within a day of D, so no search of the answer can match history, and
// some follow D, so an upper bound of a range matters too.
var tsbHistoryDays = func() []int {
	var out []int
	for d := -80; d <= -2; d++ {
		out = append(out, d)
	}
	for d := 2; d <= 6; d++ {
		out = append(out, d)
	}
	return out
}()

// tsbHistoryFacets are the facets of history requests, by i % 10: the
// partitions of the answer's searches are all well filled.
var tsbHistoryFacets = []request.Facet{
	{Type: message.TypeTrackingEvent, Status: request.Complete},
	{Type: message.TypeTrackingEvent, Status: request.Complete},
	{Type: message.TypeTrackingEvent, Status: request.Complete},
	{Type: message.TypeTrackingEvent, Status: request.Complete},
	{Type: message.TypeTrackingEvent, Status: request.Complete},
	{Type: message.TypeTrackingEvent, Status: request.Complete},
	{Type: message.TypeTrackingEvent, Status: request.Failed},
	{Type: message.TypeShipment, Status: request.Invalid},
	{Type: message.TypeShipment, Status: request.Complete},
	{Type: message.TypeServiceChange, Status: request.Complete},
}

// tsbClient is one client of the benchmark.
type tsbClient struct {
	name     string // A or B
	id       string
	token    string
	requests int // in all: answer and history
	answer   []request.Request
}

func (c *tsbClient) history() int { return c.requests - tsbAnswer }

type tsbWorld struct {
	e       *apitest.Env
	raw     *dynamodb.Client
	table   string
	day     time.Time // D, midnight UTC
	now     time.Time // the clock while searching
	clients []*tsbClient
	http    *http.Client
}

// tsbNoQueue queues nothing: the benchmark processes its requests itself.
type tsbNoQueue struct{}

func (tsbNoQueue) EnqueueMessages(context.Context, string) error { return nil }

func tsbDate(t time.Time) string { return t.Format(time.DateOnly) }

// answerMessages are the messages of the c-th client's k-th answer
// request: an event, a shipment (Invalid when k%3 == 0) and a service
// change. Each client sends numbers of its own: a number belongs to the
// first client that sends data for it, and another client's messages for
// it are Invalid, which would make the clients' answers differ.
func answerMessages(c, k int, at time.Time) []message.Incoming {
	n := dhl(700_000 + 1_000*c + k)
	when := at.Format(time.RFC3339)
	shipment := "parcel_express"
	if k%3 == 0 {
		shipment = "teleport"
	}
	payload := func(v map[string]any) []byte {
		data, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		return data
	}
	return []message.Incoming{
		{MessageType: message.TypeTrackingEvent, ExternalReference: fmt.Sprintf("ev-%02d", k),
			Payload: payload(map[string]any{"trackingNumber": n, "status": "in_transit", "datetime": when})},
		{MessageType: message.TypeShipment, ExternalReference: fmt.Sprintf("sh-%02d", k),
			Payload: payload(map[string]any{"trackingNumber": n, "type": shipment})},
		{MessageType: message.TypeServiceChange, ExternalReference: fmt.Sprintf("sc-%02d", k),
			Payload: payload(map[string]any{"trackingNumber": n, "service": "express", "datetime": when})},
	}
}

// createAnswers injects the answer of every client through the real path,
// the clock at the k-th request's time: requests with k%4 == 0 fail (as
// after their retries ran out), the others are processed.
func (w *tsbWorld) createAnswers(b *testing.B) {
	b.Helper()
	ctx := context.Background()
	svc := w.e.API.Messages
	svc.Queue = tsbNoQueue{}
	for k := range tsbAnswer {
		at := w.day.Add(30*time.Minute + time.Duration(k)*65*time.Minute)
		w.e.SetClock(at)
		for i, c := range w.clients {
			r, err := svc.Inject(ctx, c.id, fmt.Sprintf("ans-%02d", k), answerMessages(i, k, at))
			if err != nil {
				b.Fatal(err)
			}
			c.answer = append(c.answer, r)
		}
		w.e.SetClock(at.Add(90 * time.Second))
		for _, c := range w.clients {
			id := c.answer[k].ID
			var err error
			if k%4 == 0 {
				err = svc.Fail(ctx, id, "bench: retries ran out")
			} else {
				err = svc.Process(ctx, id)
			}
			if err != nil {
				b.Fatal(err)
			}
			if c.answer[k], err = svc.Store.Request(ctx, id); err != nil {
				b.Fatal(err)
			}
			if c.answer[k].ProcessedAt.IsZero() {
				b.Fatalf("answer request %d of %s not finished: %+v", k, c.name, c.answer[k].Summary)
			}
		}
	}
}

// tsbHistory is the i-th history request of a client: one message, as
// received and as processed.
type tsbHistory struct {
	r                 request.Request
	received, outcome request.Message
}

func (w *tsbWorld) historyRequest(clientID string, i int) tsbHistory {
	off := tsbHistoryDays[i%len(tsbHistoryDays)]
	within := time.Second + time.Duration(i*7919%86_398_000)*time.Millisecond
	at := w.day.AddDate(0, 0, off).Add(within)
	processed := at.Add(2 * time.Second)
	f := tsbHistoryFacets[i%len(tsbHistoryFacets)]
	h := tsbHistory{
		r: request.Request{
			Kind: request.KindMessages, ID: uuid.Must(uuid.NewV7()).String(), ClientID: clientID, BatchReference: fmt.Sprintf("h-%06d", i),
			ReceivedAt: at, ProcessedAt: processed, ExpiresAt: at.Add(message.RequestTTL),
			Summary: request.Summary{Total: 1}, Facets: []request.Facet{f},
		},
		received: request.Message{
			ID: uuid.Must(uuid.NewV7()).String(), ExternalReference: fmt.Sprintf("hm-%06d", i), Type: f.Type,
			Payload: fmt.Sprintf(`{"trackingNumber":%q}`, dhl(800_000+i%1000)), Status: request.Queued,
		},
	}
	h.outcome = h.received
	h.outcome.Status, h.outcome.ProcessedAt = f.Status, processed
	switch f.Status {
	case request.Complete:
		h.r.Summary.Complete = 1
	case request.Failed:
		h.r.Summary.Failed = 1
		h.r.FailureReason = "bench: retries ran out"
		h.outcome.Errors = []string{"Unable to process: " + h.r.FailureReason + "; send the message again"}
	case request.Invalid:
		h.r.Summary.Invalid = 1
		h.outcome.Errors = []string{`type "teleport" is not a known shipment type`}
	}
	return h
}

// seedHistory writes the history of every client, the items the store
// leaves of each request, tsbSeedInFlight BatchWriteItem requests of 25
// items at a time, and returns the requests and the items written.
func (w *tsbWorld) seedHistory(b *testing.B) (int, int) {
	b.Helper()
	capture := captureWrites(b, w.e.AWS, w.table)
	g, ctx := errgroup.WithContext(context.Background())
	g.SetLimit(tsbSeedInFlight)
	var pending []types.WriteRequest
	requests, items := 0, 0
	flush := func(all bool) {
		for len(pending) >= 25 || all && len(pending) > 0 {
			batch := pending[:min(25, len(pending))]
			pending = pending[len(batch):]
			items += len(batch)
			g.Go(func() error { return batchWrite(ctx, w.raw, w.table, batch) })
		}
	}
	for _, c := range w.clients {
		for i := range c.history() {
			if ctx.Err() != nil {
				break
			}
			h := w.historyRequest(c.id, i)
			if err := capture.Store.Requests.CreateRequest(ctx, h.r, []request.Message{h.received}); err != nil {
				b.Fatal(err)
			}
			if err := capture.Store.Requests.SaveOutcomes(ctx, h.r, []request.Message{h.outcome}); err != nil {
				b.Fatal(err)
			}
			if err := capture.Store.Requests.FinishRequest(ctx, h.r); err != nil {
				b.Fatal(err)
			}
			pending = append(pending, capture.Puts()...)
			requests++
			flush(false)
		}
	}
	flush(true)
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
	return requests, items
}

// tsbShape is one search shape, the same for both clients.
type tsbShape struct {
	name string
	body func(c *tsbClient) any
	// The answer: total requests, requests on the page and their
	// messages, and the batch references in order when given.
	total, requests, messages int
	batches                   []string
}

func (w *tsbWorld) shapes() []tsbShape {
	d := tsbDate(w.day)
	page := func(c *tsbClient) any {
		body := crit("receivedDate", d)
		body["paging"] = map[string]any{"number": 2, "size": 5}
		body["sorts"] = []map[string]any{{"by": "batchReference", "order": "asc"}}
		return body
	}
	return []tsbShape{
		{name: "receivedDate D", body: func(*tsbClient) any { return crit("receivedDate", d) },
			total: 20, requests: 20, messages: 60},
		{name: "Failed on D", body: func(*tsbClient) any { return crit("messageStatus", "Failed", "receivedDate", d) },
			total: 5, requests: 5, messages: 13},
		{name: "TrackingEvent+Complete D±1", body: func(*tsbClient) any {
			return crit("messageType", "TrackingEvent", "messageStatus", "Complete",
				"receivedDate", []string{tsbDate(w.day.AddDate(0, 0, -1)), tsbDate(w.day.AddDate(0, 0, 1))})
		}, total: 15, requests: 15, messages: 15},
		{name: "externalReference", body: func(*tsbClient) any { return crit("externalReference", "sh-07") },
			total: 1, requests: 1, messages: 1, batches: []string{"ans-07"}},
		{name: "id", body: func(c *tsbClient) any { return crit("id", c.answer[7].ID) },
			total: 1, requests: 1, messages: 3, batches: []string{"ans-07"}},
		{name: "page 2 of 5, batchRef asc", body: page,
			total: 20, requests: 5, messages: 15, batches: []string{"ans-05", "ans-06", "ans-07", "ans-08", "ans-09"}},
	}
}

// post sends a search over plain HTTP (no OpenAPI validation in the
// timed path) and returns the body and how long the exchange took.
func (w *tsbWorld) post(b *testing.B, token string, body []byte) ([]byte, time.Duration) {
	b.Helper()
	req, err := http.NewRequest(http.MethodPost, w.e.URL+"/v1/tracker", bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	start := time.Now()
	resp, err := w.http.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	elapsed := time.Since(start)
	if err != nil {
		b.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("status %d: %s", resp.StatusCode, data)
	}
	return data, elapsed
}

// signature is an answer without its ids: the same for both clients.
func tsbSignature(b *testing.B, data []byte) (trackerOut, string) {
	b.Helper()
	var out trackerOut
	if err := json.Unmarshal(data, &out); err != nil {
		b.Fatalf("decoding %s: %v", data, err)
	}
	if !out.Success || out.Error != nil {
		b.Fatalf("envelope %s", data)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "total %d;", out.Data.Paging.TotalRequests)
	for _, r := range out.Data.Requests {
		batch := ""
		if r.BatchReference != nil {
			batch = *r.BatchReference
		}
		fmt.Fprintf(&sb, " %s %s %s %+v [", batch, r.ReceivedDate.UTC().Format(time.RFC3339), r.RequestStatus, r.MessageStatusSummary)
		for _, m := range r.Payload {
			ref := ""
			if m.ExternalReference != nil {
				ref = *m.ExternalReference
			}
			fmt.Fprintf(&sb, " %s/%s/%s/%d", ref, m.MessageType, m.MessageStatus, len(m.Errors))
		}
		sb.WriteString(" ]")
	}
	return out, sb.String()
}

// check fails unless an answer is the shape's.
func (s tsbShape) check(b *testing.B, c *tsbClient, out trackerOut) {
	b.Helper()
	msgs := 0
	var batches []string
	for _, r := range out.Data.Requests {
		msgs += len(r.Payload)
		if r.FeedID != c.id {
			b.Fatalf("%s for %s: a request of %s", s.name, c.id, r.FeedID)
		}
		if r.BatchReference != nil {
			batches = append(batches, *r.BatchReference)
		}
	}
	if out.Data.Paging.TotalRequests != s.total || len(out.Data.Requests) != s.requests || msgs != s.messages ||
		s.batches != nil && !slices.Equal(batches, s.batches) {
		b.Fatalf("%s for client %s: %d in all, %d requests %v with %d messages; want %d, %d %v, %d",
			s.name, c.name, out.Data.Paging.TotalRequests, len(out.Data.Requests), batches, msgs, s.total, s.requests, s.batches, s.messages)
	}
}

// verifyHistory fails unless the history is found where the answer is.
func (w *tsbWorld) verifyHistory(b *testing.B) {
	b.Helper()
	ctx := context.Background()
	store := dynamo.Open(w.raw, w.table, dynamo.Options{})
	// Every partition the searches read holds the answer and the history,
	// counted over [D-5, D+3) (the whole of B's would take 20 s): the
	// answer and the history of 5 days.
	failed := request.Key{Facet: request.Facet{Type: request.AnyType, Status: request.Failed}}
	events := request.Key{Facet: request.Facet{Type: message.TypeTrackingEvent, Status: request.Complete}}
	from, to := w.day.AddDate(0, 0, -5), w.day.AddDate(0, 0, 3)
	for _, c := range w.clients {
		counts := map[request.Key]int{{}: tsbAnswer, failed: 5, events: 15}
		for i := range c.history() {
			if at := w.day.AddDate(0, 0, tsbHistoryDays[i%len(tsbHistoryDays)]); at.Before(from) || !at.Before(to) {
				continue
			}
			f := tsbHistoryFacets[i%len(tsbHistoryFacets)]
			counts[request.Key{}]++
			counts[request.Key{Facet: request.Facet{Type: request.AnyType, Status: f.Status}}]++
			counts[request.Key{Facet: f}]++
		}
		for _, key := range []request.Key{{}, failed, events} {
			entries, err := store.Requests.Lookup(ctx, c.id, key, from, to, math.MaxInt)
			if err != nil {
				b.Fatal(err)
			}
			if len(entries) != counts[key] {
				b.Fatalf("client %s's index partition %+v holds %d requests over [D-5, D+3), want %d", c.name, key, len(entries), counts[key])
			}
		}
	}
	// Searches find history requests as they find the answer's.
	c := w.clients[len(w.clients)-1]
	day := w.day.AddDate(0, 0, -2)
	var onDay, failedOnDay, i0 int
	for i := range c.history() {
		if tsbHistoryDays[i%len(tsbHistoryDays)] == -2 {
			if onDay == 0 {
				i0 = i
			}
			onDay++
			if tsbHistoryFacets[i%len(tsbHistoryFacets)].Status == request.Failed {
				failedOnDay++
			}
		}
	}
	search := func(body any) trackerOut {
		var out trackerOut
		w.e.Call(b, "POST", "/v1/tracker", c.token, body).Want(b, 200).JSON(b, &out)
		return out
	}
	if out := search(crit("receivedDate", tsbDate(day))); out.Data.Paging.TotalRequests != onDay || len(out.Data.Requests) != min(onDay, 100) {
		b.Fatalf("client %s, history day %s: %d requests in all (%d shown), want %d", c.name, tsbDate(day), out.Data.Paging.TotalRequests, len(out.Data.Requests), onDay)
	}
	if out := search(crit("messageStatus", "Failed", "receivedDate", tsbDate(day))); out.Data.Paging.TotalRequests != failedOnDay ||
		len(out.Data.Requests) != min(failedOnDay, 100) || len(out.Data.Requests[0].Payload) != 1 {
		b.Fatalf("client %s, Failed on history day %s: %d requests in all (%d shown), want %d with one message each", c.name, tsbDate(day), out.Data.Paging.TotalRequests, len(out.Data.Requests), failedOnDay)
	}
	h := w.historyRequest(c.id, i0)
	batch, ref := h.r.BatchReference, h.received.ExternalReference
	for _, body := range []any{crit("externalReference", batch), crit("externalReference", ref)} {
		out := search(body)
		if len(out.Data.Requests) != 1 || *out.Data.Requests[0].BatchReference != batch || len(out.Data.Requests[0].Payload) != 1 ||
			*out.Data.Requests[0].Payload[0].ExternalReference != ref {
			b.Fatalf("client %s, search %v: %+v", c.name, body, out.Data)
		}
	}
}

// readClient reads the keys of a client's index partition through the
// store's Lookup, at least limit of them (it reads whole pages), as a
// search whose cost followed the client's history would at the least, and
// returns how many it read and how long it took: the cost the index
// spares, for scale. (Reading all of B's 100,000 takes DynamoDB Local
// some 90 s: its pages get slower deep into a partition.)
func (w *tsbWorld) readClient(b *testing.B, c *tsbClient, limit int) (int, time.Duration) {
	b.Helper()
	store := dynamo.Open(w.raw, w.table, dynamo.Options{})
	start := time.Now()
	entries, err := store.Requests.Lookup(context.Background(), c.id, request.Key{}, time.Time{}, time.Time{}, limit)
	if err != nil {
		b.Fatal(err)
	}
	if want := min(limit, c.requests); len(entries) < want {
		b.Fatalf("read %d keys of client %s's index partition, want %d", len(entries), c.name, want)
	}
	return len(entries), time.Since(start)
}

func tsbMedian(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func tsbMillis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func BenchmarkTrackerSearch1kVs100k(b *testing.B) {
	setupStart := time.Now()
	e := apitest.Start(b)
	// Nothing is queued; this only makes sure a stray delivery could not
	// process an answer request behind the benchmark's back.
	e.FailProcessing.Store(true)
	w := &tsbWorld{
		e: e, raw: dynamodb.NewFromConfig(e.AWS, localChecksums), table: e.Config.Table,
		day:  time.Now().UTC().Truncate(tsbDay).AddDate(0, 0, -3),
		http: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 2}},
	}
	w.now = w.day.AddDate(0, 0, 7).Add(12 * time.Hour)
	type principal struct{ id, secret string }
	var creds []principal
	for _, c := range []*tsbClient{{name: "A", id: "small", requests: tsbSmall}, {name: "B", id: "large", requests: tsbLarge}} {
		id, secret := e.Principal(b, c.id)
		creds = append(creds, principal{id, secret})
		w.clients = append(w.clients, c)
	}
	w.createAnswers(b)
	answered := time.Since(setupStart)

	seedStart := time.Now()
	written, items := w.seedHistory(b)
	seeded := time.Since(seedStart)

	e.SetClock(w.now)
	for i, c := range w.clients {
		c.token = e.TokenFor(b, creds[i].id, creds[i].secret)
	}
	checkStart := time.Now()
	w.verifyHistory(b)
	keysA, readA := w.readClient(b, w.clients[0], tsbSmall)
	keysB, readB := w.readClient(b, w.clients[1], 10*tsbSmall)
	verified := time.Since(checkStart)
	shapes := w.shapes()
	bodies := make([][][]byte, len(shapes))
	for s, sh := range shapes {
		for _, c := range w.clients {
			data, err := json.Marshal(sh.body(c))
			if err != nil {
				b.Fatal(err)
			}
			bodies[s] = append(bodies[s], data)
		}
	}
	// one runs every shape for both clients, A first when aFirst, and
	// fails unless both get the shape's answer, the same but for ids.
	one := func(aFirst bool, record func(s, c int, d time.Duration)) {
		for s, sh := range shapes {
			sigs := make([]string, len(w.clients))
			for n := range w.clients {
				c := n
				if !aFirst {
					c = len(w.clients) - 1 - n
				}
				data, d := w.post(b, w.clients[c].token, bodies[s][c])
				if record != nil {
					record(s, c, d)
				}
				out, sig := tsbSignature(b, data)
				sh.check(b, w.clients[c], out)
				sigs[c] = sig
			}
			if sigs[0] != sigs[1] {
				b.Fatalf("%s: A and B differ:\nA %s\nB %s", sh.name, sigs[0], sigs[1])
			}
		}
	}
	for r := range tsbWarmUpRounds {
		one(r%2 == 0, nil)
	}
	warmed := time.Since(checkStart) - verified

	times := make([][][]time.Duration, len(shapes))
	for s := range times {
		times[s] = make([][]time.Duration, len(w.clients))
	}
	b.ResetTimer()
	for range b.N {
		for r := range tsbRounds {
			one(r%2 == 0, func(s, c int, d time.Duration) { times[s][c] = append(times[s][c], d) })
		}
	}
	b.StopTimer()

	var rows strings.Builder
	fmt.Fprintf(&rows, "%-28s %8s %9s %9s %6s", "shape", "answer", "A ms", "B ms", "B/A")
	logSum, worst := 0.0, 0.0
	var allA, allB []time.Duration
	for s, sh := range shapes {
		pa, pb := tsbMedian(times[s][0]), tsbMedian(times[s][1])
		allA, allB = append(allA, times[s][0]...), append(allB, times[s][1]...)
		ratio := float64(pb) / float64(pa)
		logSum += math.Log(ratio)
		worst = max(worst, ratio)
		fmt.Fprintf(&rows, "\n%-28s %4d req %9.2f %9.2f %6.2f", sh.name, sh.requests, tsbMillis(pa), tsbMillis(pb), ratio)
	}
	overall := math.Exp(logSum / float64(len(shapes)))
	medA, medB := tsbMillis(tsbMedian(allA)), tsbMillis(tsbMedian(allB))
	b.ReportMetric(overall, "B/A")
	b.ReportMetric(worst, "worst-B/A")
	b.ReportMetric(medA, "A-ms/search")
	b.ReportMetric(medB, "B-ms/search")
	// Nine lines: benchmark logs are cut after ten.
	b.Logf("setup, untimed: answers injected and processed in %.1f s; history of %d requests (%d items, as the store writes them; %d BatchWriteItem in flight) written in %.1f s (%.0f items/s); checks %.1f s, warm-up %.1f s; for scale, reading keys of a client's index partition, as a search that followed the history would at the least: %d of A's %.0f ms, %d of B's %.0f ms",
		answered.Seconds(), written, items, tsbSeedInFlight, seeded.Seconds(), float64(items)/seeded.Seconds(), verified.Seconds(), warmed.Seconds(),
		keysA, tsbMillis(readA), keysB, tsbMillis(readB))
	b.Logf("client A has %d requests, B %d (each 20 on day D, the answer; the rest on other days, in the same index partitions); median latency of %d searches per shape and client over HTTP: B/A %.2f overall (geometric mean of the shapes' ratios), worst shape %.2f; all searches A %.2f ms, B %.2f ms\n%s",
		tsbSmall, tsbLarge, b.N*tsbRounds, overall, worst, medA, medB, rows.String())
}
