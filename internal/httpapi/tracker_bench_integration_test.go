//go:build integration

package httpapi_test

// BenchmarkTrackerSearch1kVs100k measures the tracker's promise (the query
// plan in internal/tracker): a search costs what its answer costs, never
// what the client's history costs. Run it with
//
//	go run ./cmd/parcelgate stack -- go test -tags integration -run '^$' -bench Tracker -benchtime 1x ./internal/httpapi/
//
// Two clients share one table. Each has the same answer: 20 requests on
// day D, three messages each, injected and processed through the real
// message.Service (the queue left out, so the benchmark alone processes
// them), some Failed, some with an Invalid message. Then each gets a
// history on other days, in the very index partitions the searches read
// (the client's, TS#*#<status>, TS#<type>#<status>, and a REF# partition
// per reference): client A 980 requests, client B 99,980, so 1,000 and
// 100,000 in all. Creating 100,000 requests through Inject would take
// hours on DynamoDB Local (about 0.1 s a request), so the history, some
// 600,000 items, is written with BatchWriteItem (about 2 minutes),
// item for item as CreateRequest, StartRequest and FinishRequest leave a
// processed one-message request (request item, facet and reference
// markers, outcomes chunk; the chunk of messages as received is left out:
// a processed request is never read from it). Before anything is timed,
// the history's items are compared with the real ones, the index
// partitions are counted, and searches must find history requests.
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

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"
	"golang.org/x/sync/errgroup"

	"github.com/parcelgate/parcelgate/internal/apitest"
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
	// tsbStoreTime is the store's time layout (internal/dynamo).
	tsbStoreTime = "2006-01-02T15:04:05.000000000Z"
	tsbDay       = 24 * time.Hour
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

// answerMessages are the messages of the answer's k-th request: an event,
// a shipment (Invalid when k%3 == 0) and a service change.
func answerMessages(k int, at time.Time) []message.Incoming {
	n := dhl(700_000 + k)
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
		for _, c := range w.clients {
			r, err := svc.Inject(ctx, c.id, fmt.Sprintf("ans-%02d", k), answerMessages(k, at))
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

// The store's items (internal/dynamo/requests.go and index.go), attribute
// for attribute.
type tsbRequestItem struct {
	PK             string          `dynamodbav:"PK"`
	SK             string          `dynamodbav:"SK"`
	GSI2PK         string          `dynamodbav:"GSI2PK"`
	GSI2SK         string          `dynamodbav:"GSI2SK"`
	Kind           string          `dynamodbav:"kind"`
	ID             string          `dynamodbav:"id"`
	ClientID       string          `dynamodbav:"clientId"`
	BatchReference string          `dynamodbav:"batchReference"`
	ReceivedAt     string          `dynamodbav:"receivedAt"`
	ProcessedAt    string          `dynamodbav:"processedAt,omitempty"`
	ExpiresAt      int64           `dynamodbav:"expiresAt"`
	Summary        request.Summary `dynamodbav:"summary"`
	Status         string          `dynamodbav:"status"`
	Facets         []tsbFacet      `dynamodbav:"facets"`
	FailureReason  string          `dynamodbav:"failureReason,omitempty"`
}

type tsbFacet struct {
	Type   string `dynamodbav:"t"`
	Status string `dynamodbav:"s"`
}

type tsbMarker struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	GSI2PK    string `dynamodbav:"GSI2PK"`
	GSI2SK    string `dynamodbav:"GSI2SK"`
	ExpiresAt int64  `dynamodbav:"expiresAt"`
}

type tsbChunk struct {
	PK        string       `dynamodbav:"PK"`
	SK        string       `dynamodbav:"SK"`
	Messages  []tsbMessage `dynamodbav:"messages"`
	ExpiresAt int64        `dynamodbav:"expiresAt"`
}

type tsbMessage struct {
	ID                string    `dynamodbav:"id"`
	ExternalReference string    `dynamodbav:"ref,omitempty"`
	Type              string    `dynamodbav:"type,omitempty"`
	Status            string    `dynamodbav:"status"`
	Errors            []string  `dynamodbav:"errors,omitempty"`
	ProcessedAt       time.Time `dynamodbav:"processedAt"`
}

// tsbHistory is the i-th history request of a client: one message.
type tsbHistory struct {
	id, clientID, batch, ref string
	at                       time.Time
	facet                    request.Facet
}

func (w *tsbWorld) historyRequest(clientID string, i int) tsbHistory {
	off := tsbHistoryDays[i%len(tsbHistoryDays)]
	within := time.Second + time.Duration(i*7919%86_398_000)*time.Millisecond
	return tsbHistory{
		id: uuid.Must(uuid.NewV7()).String(), clientID: clientID,
		batch: fmt.Sprintf("h-%06d", i), ref: fmt.Sprintf("hm-%06d", i),
		at: w.day.AddDate(0, 0, off).Add(within), facet: tsbHistoryFacets[i%len(tsbHistoryFacets)],
	}
}

// items are what the store leaves of a processed one-message request.
func (h tsbHistory) items() ([]map[string]types.AttributeValue, error) {
	expires := h.at.Add(message.RequestTTL).Unix()
	processed := h.at.Add(2 * time.Second)
	pk, gsi2sk := "REQ#"+h.id, h.at.UTC().Format(tsbStoreTime)+"#"+h.id
	sum := request.Summary{Total: 1}
	m := tsbMessage{ID: uuid.Must(uuid.NewV7()).String(), ExternalReference: h.ref, Type: h.facet.Type, Status: string(h.facet.Status), ProcessedAt: processed}
	reason := ""
	switch h.facet.Status {
	case request.Complete:
		sum.Complete = 1
	case request.Failed:
		sum.Failed = 1
		reason = "bench: retries ran out"
		m.Errors = []string{"Unable to process: " + reason + "; send the message again"}
	case request.Invalid:
		sum.Invalid = 1
		m.Errors = []string{`type "teleport" is not a known shipment type`}
	}
	var out []map[string]types.AttributeValue
	add := func(v any) error {
		av, err := attributevalue.MarshalMap(v)
		out = append(out, av)
		return err
	}
	keys := []string{
		"TS#" + request.AnyType + "#" + string(h.facet.Status),
		"TS#" + h.facet.Type + "#" + string(h.facet.Status),
		"REF#" + h.batch,
		"REF#" + h.ref,
	}
	for _, k := range keys {
		if err := add(tsbMarker{PK: pk, SK: "IDX#" + k, GSI2PK: "CLIENT#" + h.clientID + "#" + k, GSI2SK: gsi2sk, ExpiresAt: expires}); err != nil {
			return nil, err
		}
	}
	if err := add(tsbChunk{PK: pk, SK: "RES#000", Messages: []tsbMessage{m}, ExpiresAt: expires}); err != nil {
		return nil, err
	}
	err := add(tsbRequestItem{
		PK: pk, SK: "REQ", GSI2PK: "CLIENT#" + h.clientID, GSI2SK: gsi2sk, Kind: "messages", ID: h.id, ClientID: h.clientID,
		BatchReference: h.batch, ReceivedAt: h.at.UTC().Format(tsbStoreTime), ProcessedAt: processed.UTC().Format(tsbStoreTime),
		ExpiresAt: expires, Summary: sum, Status: string(sum.Status()),
		Facets: []tsbFacet{{Type: h.facet.Type, Status: string(h.facet.Status)}}, FailureReason: reason,
	})
	return out, err
}

// seedHistory writes the history of every client, tsbSeedInFlight
// BatchWriteItem requests of 25 items at a time, and returns the items
// written.
func (w *tsbWorld) seedHistory(ctx context.Context) (int, error) {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(tsbSeedInFlight)
	var pending []types.WriteRequest
	written := 0
	flush := func(all bool) {
		for len(pending) >= 25 || all && len(pending) > 0 {
			batch := pending[:min(25, len(pending))]
			pending = pending[len(batch):]
			written += len(batch)
			g.Go(func() error { return batchWrite(ctx, w.raw, w.table, batch) })
		}
	}
	for _, c := range w.clients {
		for i := range c.history() {
			its, err := w.historyRequest(c.id, i).items()
			if err != nil {
				return 0, err
			}
			for _, it := range its {
				pending = append(pending, types.WriteRequest{PutRequest: &types.PutRequest{Item: it}})
			}
			flush(false)
			if ctx.Err() != nil {
				return 0, g.Wait()
			}
		}
	}
	flush(true)
	return written, g.Wait()
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

// verifyHistory fails unless the history is stored as the store stores
// requests and is found where the answer is.
func (w *tsbWorld) verifyHistory(b *testing.B) {
	b.Helper()
	ctx := context.Background()
	get := func(pk, sk string) map[string]types.AttributeValue {
		out, err := w.raw.GetItem(ctx, &dynamodb.GetItemInput{TableName: &w.table, ConsistentRead: aws.Bool(true), Key: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: pk}, "SK": &types.AttributeValueMemberS{Value: sk},
		}})
		if err != nil {
			b.Fatal(err)
		}
		if out.Item == nil {
			b.Fatalf("no item %s %s", pk, sk)
		}
		return out.Item
	}
	shape := func(it map[string]types.AttributeValue) string {
		var parts []string
		for name, v := range it {
			parts = append(parts, fmt.Sprintf("%s:%T", name, v))
		}
		slices.Sort(parts)
		return strings.Join(parts, " ")
	}
	// Answer request 1 is Complete only, as history request 0 is.
	a := w.clients[0]
	ans, hist := a.answer[1], w.historyRequest(a.id, 0)
	its, err := hist.items()
	if err != nil {
		b.Fatal(err)
	}
	for _, sk := range []string{"REQ", "IDX#TS#*#Complete", "IDX#REF#ans-01", "RES#000"} {
		histSK := strings.Replace(sk, "ans-01", hist.batch, 1)
		want := shape(get("REQ#"+ans.ID, sk))
		var mine map[string]types.AttributeValue
		for _, it := range its {
			if it["SK"].(*types.AttributeValueMemberS).Value == histSK {
				mine = it
			}
		}
		if got := shape(mine); got != want {
			b.Fatalf("history item %s has attributes\n%s\nthe store's\n%s", sk, got, want)
		}
	}
	// Every partition the searches read holds the answer and the history,
	// counted over [D-5, D+3) (the whole of B's would take 20 s): the
	// answer and the history of 5 days.
	from, to := w.day.AddDate(0, 0, -5), w.day.AddDate(0, 0, 3)
	for _, c := range w.clients {
		counts := map[string]int{"": tsbAnswer, "#TS#*#Failed": 5, "#TS#TrackingEvent#Complete": 15}
		for i := range c.history() {
			if at := w.day.AddDate(0, 0, tsbHistoryDays[i%len(tsbHistoryDays)]); at.Before(from) || !at.Before(to) {
				continue
			}
			f := tsbHistoryFacets[i%len(tsbHistoryFacets)]
			counts[""]++
			counts["#TS#*#"+string(f.Status)]++
			counts["#TS#"+f.Type+"#"+string(f.Status)]++
		}
		for _, key := range []string{"", "#TS#*#Failed", "#TS#TrackingEvent#Complete"} {
			p := dynamodb.NewQueryPaginator(w.raw, &dynamodb.QueryInput{
				TableName: &w.table, IndexName: aws.String("GSI2"), Select: types.SelectCount,
				KeyConditionExpression: aws.String("GSI2PK = :pk AND GSI2SK BETWEEN :lo AND :hi"),
				ExpressionAttributeValues: map[string]types.AttributeValue{
					":pk": &types.AttributeValueMemberS{Value: "CLIENT#" + c.id + key},
					":lo": &types.AttributeValueMemberS{Value: from.Format(tsbStoreTime)},
					":hi": &types.AttributeValueMemberS{Value: to.Format(tsbStoreTime)},
				},
			})
			n := 0
			for p.HasMorePages() {
				pg, err := p.NextPage(ctx)
				if err != nil {
					b.Fatal(err)
				}
				n += int(pg.Count)
			}
			if n != counts[key] {
				b.Fatalf("partition CLIENT#%s%s holds %d items over [D-5, D+3), want %d", c.id, key, n, counts[key])
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
	for _, body := range []any{crit("externalReference", h.batch), crit("externalReference", h.ref)} {
		out := search(body)
		if len(out.Data.Requests) != 1 || *out.Data.Requests[0].BatchReference != h.batch || len(out.Data.Requests[0].Payload) != 1 ||
			*out.Data.Requests[0].Payload[0].ExternalReference != h.ref {
			b.Fatalf("client %s, search %v: %+v", c.name, body, out.Data)
		}
	}
}

// readClient reads the keys of a client's index partition, up to limit
// (1,000 a page), as a search whose cost followed the client's history
// would at the least, and returns how long it took: the cost the index
// spares, for scale. (Reading all of B's 100,000 takes DynamoDB Local
// some 90 s: its pages get slower deep into a partition.)
func (w *tsbWorld) readClient(b *testing.B, c *tsbClient, limit int) time.Duration {
	b.Helper()
	start := time.Now()
	p := dynamodb.NewQueryPaginator(w.raw, &dynamodb.QueryInput{
		TableName: &w.table, IndexName: aws.String("GSI2"), ProjectionExpression: aws.String("GSI2SK"),
		KeyConditionExpression:    aws.String("GSI2PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: "CLIENT#" + c.id}},
		Limit:                     aws.Int32(1000),
	})
	n := 0
	for p.HasMorePages() && n < limit {
		pg, err := p.NextPage(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		n += len(pg.Items)
	}
	if want := min(limit, c.requests); n != want {
		b.Fatalf("read %d keys of client %s's index partition, want %d", n, c.name, want)
	}
	return time.Since(start)
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
	items, err := w.seedHistory(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	seeded := time.Since(seedStart)

	e.SetClock(w.now)
	for i, c := range w.clients {
		c.token = e.TokenFor(b, creds[i].id, creds[i].secret)
	}
	checkStart := time.Now()
	w.verifyHistory(b)
	readA, readB := w.readClient(b, w.clients[0], tsbSmall), w.readClient(b, w.clients[1], 10*tsbSmall)
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
	b.Logf("setup, untimed: answers injected and processed in %.1f s; history of %d requests (%d items, %d BatchWriteItem in flight) written in %.1f s (%.0f items/s); checks %.1f s, warm-up %.1f s; for scale, reading keys of a client's index partition, as a search that followed the history would at the least: A's 1,000 %.0f ms, 10,000 of B's %.0f ms",
		answered.Seconds(), tsbSmall+tsbLarge-2*tsbAnswer, items, tsbSeedInFlight, seeded.Seconds(), float64(items)/seeded.Seconds(), verified.Seconds(), warmed.Seconds(),
		tsbMillis(readA), tsbMillis(readB))
	b.Logf("client A has %d requests, B %d (each 20 on day D, the answer; the rest on other days, in the same index partitions); median latency of %d searches per shape and client over HTTP: B/A %.2f overall (geometric mean of the shapes' ratios), worst shape %.2f; all searches A %.2f ms, B %.2f ms\n%s",
		tsbSmall, tsbLarge, b.N*tsbRounds, overall, worst, medA, medB, rows.String())
}
