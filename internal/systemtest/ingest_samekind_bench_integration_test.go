//go:build integration

package systemtest

// Emulator-only: ingestion as the processor runs it, against raw writes
// of the same kind.

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"

	"github.com/parcelgate/parcelgate/internal/apitest"
	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/message"
	"github.com/parcelgate/parcelgate/internal/queue"
)

const (
	// processorBatch is the template's BatchSize of the processor's
	// event source mapping: the requests one invocation is handed.
	processorBatch = 5
	// sameKindBase keeps this benchmark's numbers clear of the warm-up's
	// (ingestWarmUp and up).
	sameKindBase = 5_000_000
	// sameKindProject subscribes the parcels of the subscribed cases.
	sameKindProject = "same-kind-project"
)

// ingestCase is one shape of ingestion the benchmark measures: requests
// of 1,000 events handed to the processor together, of new parcels or of
// the next events of the same parcels, each subscribed by a project.
type ingestCase struct {
	name, metric string
	requests     int
	subscribed   bool
}

var ingestCases = []ingestCase{
	{"new parcels, a batch of 5", "new-batch", processorBatch, false},
	{"the same parcels' next events, each subscribed, a batch of 5", "subscribed-batch", processorBatch, true},
	{"new parcels, one request alone", "new-alone", 1, false},
	{"the same parcels' next events, each subscribed, one request alone", "subscribed-alone", 1, true},
}

// BenchmarkIngestProcessorVsSameWrites measures message ingestion as it
// runs in production against raw writes of the same kind (sameKind): the
// requests are stored untimed, without queueing (no poller sees them),
// then handed to the processor's own queue handler (the app's, as Lambda
// calls it: worker.Worker, which runs up to 4 of a batch's tasks at once,
// each with its own writes in flight) in SQS events of processorBatch
// requests, the template's BatchSize, or of one request alone. Every
// write of the app's clients that took is recorded; after each
// invocation its writes are sent again under keys of their own (the
// requests' and associations' items first, untimed, so that the
// conditions find what the processor's found), each kind at 1 to 32
// requests in flight, and the ratio is the time both kinds take at their
// best counts over the invocation's.
//
// Each iteration runs ingestCases in order: the stream's first 1,000
// events (ingestStream: a carrier's order, most parcels' first event),
// for parcels of each request's own, then its next 1,000 for the same
// parcels, every parcel subscribed by a project first, so each status
// change writes its notification records and the project's tag index,
// and, being the parcel's first followed event, reads what its estimate
// and its new stall watch need (the parcel's events, the carrier's date,
// the watch, its shipment records) and writes the watch: reads that
// the floor of writes leaves out, so the log gives the ratio with them
// in it too (ratio-with-reads). A warm-up invocation of one request, replayed the same way, goes first:
// the first writes to a fresh table run slower on both sides.
func BenchmarkIngestProcessorVsSameWrites(b *testing.B) {
	b.StopTimer() // run times the invocations alone
	var log writeLog
	e := apitest.StartWith(b, apitest.Options{APIOptions: []func(*middleware.Stack) error{log.APIOption}})
	ctx := context.Background()
	process := e.App.QueueHandlers()["processor"]
	injector := e.API.Messages
	injector.Queue = noQueue{}
	raw := dynamodb.NewFromConfig(e.AWS, localChecksums)
	stream, _ := ingestStream(0)
	caseEvents := func(subscribed bool) []ingestEvent {
		if subscribed {
			return stream[ingestSize : 2*ingestSize]
		}
		return stream[:ingestSize]
	}

	// run stores the case's requests for the numbers of slots, replays
	// what storing them wrote under prefix, untimed, then processes them
	// in one invocation and returns its writes and how long it took.
	run := func(c ingestCase, slot func(r int) int, prefix string) (writeSet, time.Duration) {
		number := func(r, p int) string { return dhl(slot(r)*ingestStride + p) }
		log.Take()
		if c.subscribed {
			subscribe(b, e, caseEvents(true), c.requests, number)
		}
		ev := events.SQSEvent{}
		ids := make([]string, c.requests)
		for r := range c.requests {
			in := make([]message.Incoming, ingestSize)
			for j, x := range caseEvents(c.subscribed) {
				m := benchEvent(number(r, x.p), x.p, x.k)
				payload, err := json.Marshal(m.Payload)
				if err != nil {
					b.Fatal(err)
				}
				in[j] = message.Incoming{MessageType: m.MessageType, ExternalReference: m.ExternalReference, Payload: payload}
			}
			req, err := injector.Inject(ctx, "carrier", fmt.Sprintf("%s-%d", prefix, r), in)
			if err != nil {
				b.Fatal(err)
			}
			ids[r] = req.ID
			ev.Records = append(ev.Records, events.SQSMessage{MessageId: req.ID, Body: fmt.Sprintf(`{"kind":%q,"id":%q}`, queue.KindMessages, req.ID),
				Attributes: map[string]string{"ApproximateReceiveCount": "1"}})
		}
		if err := seed(ctx, raw, e.Config.Table, prefix, log.Take()); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		resp, err := process(ctx, ev)
		took := time.Since(start)
		b.StopTimer()
		if err != nil || len(resp.BatchItemFailures) > 0 {
			b.Fatalf("%s: %v, %d of %d tasks failed", c.name, err, len(resp.BatchItemFailures), c.requests)
		}
		writes := log.Take()
		for _, id := range ids {
			r, err := injector.Store.Request(ctx, id)
			if err != nil {
				b.Fatal(err)
			}
			if err := wantComplete(r, ingestSize); err != nil {
				b.Fatal(err)
			}
		}
		return writes, took
	}

	warm := ingestCase{name: "warm-up", requests: 1}
	writes, _ := run(warm, func(int) int { return ingestWarmUp / ingestStride }, "WARM#")
	if err := (&sameKind{}).replay(ctx, raw, e.Config.Table, "WARM#", writes, 0, 0); err != nil {
		b.Fatal(err)
	}
	loadAtStart := loadAverage()
	same := make([]sameKind, len(ingestCases))
	b.ResetTimer()
	for i := range b.N {
		prefix := fmt.Sprintf("RAW%d#", i)
		for k, c := range ingestCases {
			// A subscribed case follows its new one on the same parcels.
			group := k / 2
			slot := func(r int) int { return sameKindBase/ingestStride + (i*len(ingestCases)/2+group)*processorBatch + r }
			writes, took := run(c, slot, prefix)
			// Replayed right after each invocation, so that a change in
			// the machine's load weighs on both alike.
			if err := same[k].replay(ctx, raw, e.Config.Table, prefix, writes, took, i*len(ingestCases)+k); err != nil {
				b.Fatal(err)
			}
		}
	}
	for k, c := range ingestCases {
		b.ReportMetric(same[k].ratio(), "ratio-"+c.metric)
		b.ReportMetric(same[k].ratioWithReads(), "ratio-with-reads-"+c.metric)
		b.ReportMetric(float64(b.N*c.requests*ingestSize)/same[k].pathTime.Seconds(), "events/s-"+c.metric)
		b.Logf("%s (%d events each): %s", c.name, ingestSize, &same[k])
	}
	b.Logf("%d iteration(s); load average at start %s, at the end %s", b.N, loadAtStart, loadAverage())
}

// subscribe associates every parcel of the events, for the first
// requests' numbers, with sameKindProject, as a job adds them.
func subscribe(b *testing.B, e *apitest.Env, evs []ingestEvent, requests int, number func(r, p int) string) {
	b.Helper()
	now := time.Now().UTC()
	for r := range requests {
		var as []job.Association
		seen := map[int]bool{}
		for _, ev := range evs {
			if !seen[ev.p] {
				seen[ev.p] = true
				as = append(as, job.Association{ProjectID: sameKindProject, TrackingNumber: number(r, ev.p), Carrier: "dhl",
					AddedAt: now, ExpiresAt: now.Add(job.AssociationTTL), JobID: "same-kind", AddedBy: "same-kind"})
			}
		}
		if _, err := e.API.Jobs.Store.AddAssociations(context.Background(), as); err != nil {
			b.Fatal(err)
		}
	}
}
