//go:build integration

package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/edd"
	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/message"
	"github.com/parcelgate/parcelgate/internal/request"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

// dhlNumber is the i-th valid DHL Express waybill.
func dhlNumber(i int) string {
	base := 300000000 + i
	return fmt.Sprintf("%09d%d", base, base%7)
}

func eventIn(number, status, at string) message.Incoming {
	return message.Incoming{MessageType: message.TypeTrackingEvent, ExternalReference: status,
		Payload: []byte(`{"trackingNumber": "` + number + `", "status": "` + status + `", "datetime": "` + at + `"}`)}
}

// processor is a message service over the store, its tracking data
// reached through tracking.
func processor(s *Adapters, tr message.Tracking) message.Service {
	var n atomic.Int64
	prefix := fmt.Sprintf("%d", time.Now().UnixNano())
	return message.Service{Store: s.Requests, Tracking: tr, Queue: noQueue{}, Now: func() time.Time { return time.Now().UTC() },
		NewID: func() string { return fmt.Sprintf("%s-%d", prefix, n.Add(1)) }}
}

func subscribe(t *testing.T, s *Adapters, projectID string, numbers ...string) {
	t.Helper()
	now := time.Now().UTC()
	var as []job.Association
	for _, n := range numbers {
		as = append(as, job.Association{ProjectID: projectID, TrackingNumber: n, Carrier: "dhl", AddedAt: now, ExpiresAt: now.Add(job.AssociationTTL), JobID: "j", AddedBy: "j"})
	}
	if _, err := s.Jobs.AddAssociations(context.Background(), as); err != nil {
		t.Fatal(err)
	}
}

func injectOnly(t *testing.T, svc message.Service, clientID string, in ...message.Incoming) request.Request {
	t.Helper()
	r, err := svc.Inject(context.Background(), clientID, "b", in)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// wantChain checks that a project's records of a number are the changes
// 1..len(want), each with the previous one's status before it.
func wantChain(t *testing.T, s *Adapters, projectID, number string, want ...string) {
	t.Helper()
	recs := notifications(t, s, projectID, number)
	got := make([]string, len(recs))
	for i, r := range recs {
		got[i] = r.Status
		prev := ""
		if i > 0 {
			prev = recs[i-1].Status
		}
		if r.Sequence != i+1 || r.PreviousStatus != prev {
			t.Fatalf("record %d of %s: sequence %d after %q, want %d after %q: %+v", i, number, r.Sequence, r.PreviousStatus, i+1, prev, recs)
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("notifications of %s: %v, want %v", number, got, want)
	}
}

// crashingTracking fails its Notify or MarkNotified calls while it has
// crashes left, as a processor dying between the status move and the
// notification would.
type crashingTracking struct {
	*Tracking
	notifyCrashes, markCrashes atomic.Int32
	// halfNotifyCrashes are crashes after the records of the first half
	// of the changes are written.
	halfNotifyCrashes atomic.Int32
	// eventCrashes fail calls that would store events.
	eventCrashes atomic.Int32
}

func (c *crashingTracking) PutEvents(ctx context.Context, events map[string][]tracking.Event) error {
	if len(events) > 0 && c.eventCrashes.Add(-1) >= 0 {
		return errCrash
	}
	return c.Tracking.PutEvents(ctx, events)
}

var errCrash = errors.New("processor died")

func (c *crashingTracking) Notify(ctx context.Context, subscribers map[string][]string, changes []tracking.Change, ttl time.Duration) error {
	if c.notifyCrashes.Add(-1) >= 0 {
		return errCrash
	}
	if c.halfNotifyCrashes.Add(-1) >= 0 {
		if err := c.Tracking.Notify(ctx, subscribers, changes[:len(changes)/2], ttl); err != nil {
			return err
		}
		return errCrash
	}
	return c.Tracking.Notify(ctx, subscribers, changes, ttl)
}

func (c *crashingTracking) MarkNotified(ctx context.Context, sequences map[string]int, estimates map[string]*tracking.EstimatedDelivery) error {
	if c.markCrashes.Add(-1) >= 0 {
		return errCrash
	}
	return c.Tracking.MarkNotified(ctx, sequences, estimates)
}

func TestNotificationLostToCrashIsRecordedOnRedelivery(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	tr := &crashingTracking{Tracking: s.Tracking}
	svc := processor(s, tr)
	svc.Estimates = edd.Estimator{Service: edd.Service{Store: s.Edd, Resources: tracking.Service{Store: s.Tracking}}, Now: svc.Now}
	n := dhlNumber(1)
	// told is the estimate the tracking read shows, kept with the mark.
	told := func() *tracking.EstimatedDelivery {
		t.Helper()
		sh, _, err := s.Tracking.Tracked(ctx, n, tracking.MaxDetails)
		if err != nil {
			t.Fatal(err)
		}
		return sh.Told
	}
	subscribe(t, s, "p1", n)

	process := func(r request.Request, wantErr bool) {
		t.Helper()
		err := svc.Process(ctx, r.ID)
		if wantErr != (err != nil) {
			t.Fatalf("Process: %v", err)
		}
	}
	r := injectOnly(t, svc, "acme", eventIn(n, "picked_up", "2026-03-01T08:00:00Z"), eventIn(n, "in_transit", "2026-03-01T10:00:00Z"))
	tr.notifyCrashes.Store(1)
	process(r, true)
	if sh, err := s.Tracking.Shipment(ctx, n); err != nil || sh.Status != "in_transit" {
		t.Fatalf("status not moved before the crash: %+v %v", sh, err)
	}
	wantChain(t, s, "p1", n)
	if told() != nil {
		t.Fatal("an estimate kept though the change was never told")
	}
	process(r, false) // redelivered
	wantChain(t, s, "p1", n, "in_transit")
	if told() == nil {
		t.Fatal("the redelivery told the change without keeping its estimate")
	}
	process(r, false) // once more: nothing new
	wantChain(t, s, "p1", n, "in_transit")

	// A crash after the records, before they are marked: the retry
	// records the same ones again.
	r = injectOnly(t, svc, "acme", eventIn(n, "delivered", "2026-03-02T10:00:00Z"))
	tr.markCrashes.Store(1)
	process(r, true)
	if told() == nil {
		t.Fatal("a crash before the mark dropped the estimate told before")
	}
	process(r, false)
	wantChain(t, s, "p1", n, "in_transit", "delivered")
	if told() != nil {
		t.Fatal("a delivered parcel keeps an estimate")
	}

	// A lost notification is also recorded by the next request for the
	// number, whichever it is.
	r = injectOnly(t, svc, "acme", eventIn(n, "returned", "2026-03-03T10:00:00Z"))
	tr.notifyCrashes.Store(1)
	process(r, true)
	process(injectOnly(t, svc, "acme", eventIn(n, "picked_up", "2026-03-01T08:00:00Z")), false)
	wantChain(t, s, "p1", n, "in_transit", "delivered", "returned")
	process(r, false)
	wantChain(t, s, "p1", n, "in_transit", "delivered", "returned")
	if got, err := s.Requests.Request(ctx, r.ID); err != nil || got.Summary.Complete != 1 || got.Summary.Total != 1 {
		t.Fatalf("request after the retry: %+v %v", got.Summary, err)
	}
}

// A new number's first status moves before its events are stored (the
// move is also its claim): a processor dying in between leaves the status
// with its event shown in the history, and the redelivery stores the
// events, each once.
func TestANewNumberDyingBetweenItsClaimingMoveAndItsEventsShowsItsStatusInTheHistory(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	tr := &crashingTracking{Tracking: s.Tracking}
	svc := processor(s, tr)
	n := dhlNumber(7000 + int(time.Now().UnixNano()%100000))
	r := injectOnly(t, svc, "acme", eventIn(n, "picked_up", "2026-03-01T08:00:00Z"), eventIn(n, "in_transit", "2026-03-01T10:00:00Z"))
	tr.eventCrashes.Store(1)
	if err := svc.Process(ctx, r.ID); !errors.Is(err, errCrash) {
		t.Fatalf("Process: %v, want the crash", err)
	}
	if st, err := s.Tracking.States(ctx, []string{n}); err != nil || st[n].Owner != "acme" || st[n].Status != "in_transit" {
		t.Fatalf("state before the events are stored: %+v %v", st[n], err)
	}
	if evs, err := s.Tracking.Events(ctx, n, 10); err != nil || len(evs) != 0 {
		t.Fatalf("events stored before the crash: %+v %v", evs, err)
	}
	history := func() []string {
		t.Helper()
		res, err := tracking.Service{Store: s.Tracking}.Get(ctx, n, 10)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, ev := range res.Details {
			out = append(out, ev.Status)
		}
		return out
	}
	if got := strings.Join(history(), ","); got != "in_transit" {
		t.Errorf("history before the events are stored: %s, want the status's event", got)
	}
	if err := svc.Process(ctx, r.ID); err != nil { // redelivered
		t.Fatal(err)
	}
	if got := strings.Join(history(), ","); got != "in_transit,picked_up" {
		t.Errorf("history after the redelivery: %s", got)
	}
	if got, err := s.Requests.Request(ctx, r.ID); err != nil || got.Summary.Complete != 2 {
		t.Fatalf("request after the redelivery: %+v %v", got.Summary, err)
	}
}

// The records of a request's numbers are written together, in shared
// batches: a processor dying after some of them leaves every number
// unmarked, and the redelivery records each number's changes for each of
// its projects, once.
func TestNotificationsOfManyNumbersPartlyWrittenBeforeACrashAreCompletedOnRedelivery(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	tr := &crashingTracking{Tracking: s.Tracking}
	svc := processor(s, tr)
	var numbers []string
	for i := range 60 {
		numbers = append(numbers, dhlNumber(200+i))
	}
	subscribe(t, s, "p1", numbers...)
	subscribe(t, s, "p2", numbers[:5]...)
	inject := func(status, at string) request.Request {
		var in []message.Incoming
		for _, n := range numbers {
			in = append(in, eventIn(n, status, at))
		}
		return injectOnly(t, svc, "acme", in...)
	}
	r := inject("picked_up", "2026-03-01T08:00:00Z")
	tr.halfNotifyCrashes.Store(1)
	if err := svc.Process(ctx, r.ID); !errors.Is(err, errCrash) {
		t.Fatalf("Process: %v, want the crash", err)
	}
	if recs := notifications(t, s, "p1", numbers[0]); len(recs) != 1 {
		t.Fatalf("%d records of the first number before the redelivery, want the crash after it", len(recs))
	}
	if recs := notifications(t, s, "p1", numbers[len(numbers)-1]); len(recs) != 0 {
		t.Fatalf("%d records of the last number before the redelivery, want the crash before it", len(recs))
	}
	for range 2 { // redelivered, twice
		if err := svc.Process(ctx, r.ID); err != nil {
			t.Fatal(err)
		}
	}
	if err := svc.Process(ctx, inject("delivered", "2026-03-02T08:00:00Z").ID); err != nil {
		t.Fatal(err)
	}
	for i, n := range numbers {
		wantChain(t, s, "p1", n, "picked_up", "delivered")
		if i < 5 {
			wantChain(t, s, "p2", n, "picked_up", "delivered")
		} else if recs := notifications(t, s, "p2", n); len(recs) != 0 {
			t.Fatalf("%s: %d records for p2, which does not subscribe it", n, len(recs))
		}
	}
}

func TestSequenceHasNoGapsOrRepeatsWithEventsOutOfOrderAndTwice(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	svc := processor(s, s.Tracking)
	n := dhlNumber(2)
	subscribe(t, s, "p1", n)
	ev := func(i int) message.Incoming {
		return eventIn(n, fmt.Sprintf("s%d", i), fmt.Sprintf("2026-03-0%dT08:00:00Z", i+1))
	}
	for _, batch := range [][]message.Incoming{{ev(2), ev(0), ev(2)}, {ev(3), ev(1), ev(0)}, {ev(1)}, {ev(2)}, {ev(4), ev(4)}} {
		r := injectOnly(t, svc, "acme", batch...)
		for range 2 { // delivered twice
			if err := svc.Process(ctx, r.ID); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := s.Requests.Request(ctx, r.ID); err != nil || got.Summary.Complete != len(batch) || got.Summary.Total != len(batch) {
			t.Fatalf("summary after two deliveries: %+v %v", got.Summary, err)
		}
	}
	wantChain(t, s, "p1", n, "s2", "s3", "s4")
	events, err := s.Tracking.Events(ctx, n, 100)
	if err != nil || len(events) != 5 {
		t.Fatalf("%d events stored, want 5 (each once): %v", len(events), err)
	}
}

// Processors handling the same numbers at once: every status change gets
// the next sequence, once, and the newest event is the status.
func TestSequenceExactWithConcurrentProcessors(t *testing.T) {
	s := newStore(t)
	sequenceExactWithConcurrentProcessors(t, s, 3)
}

func sequenceExactWithConcurrentProcessors(t *testing.T, s *Adapters, first int) {
	ctx := context.Background()
	svc := processor(s, s.Tracking)
	numbers := []string{dhlNumber(first), dhlNumber(first + 1), dhlNumber(first + 2)}
	subscribe(t, s, "p1", numbers...)
	const requests = 12
	ids := make([]string, requests)
	for i := range requests {
		var in []message.Incoming
		for _, n := range numbers {
			in = append(in, eventIn(n, fmt.Sprintf("s%02d", i), fmt.Sprintf("2026-03-01T%02d:00:00Z", i)))
		}
		ids[i] = injectOnly(t, svc, "acme", in...).ID
	}
	var wg sync.WaitGroup
	errs := make(chan error, requests)
	for _, id := range ids {
		wg.Go(func() { errs <- svc.Process(ctx, id) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range ids {
		if r, err := s.Requests.Request(ctx, id); err != nil || r.Summary.Complete != len(numbers) || r.Summary.Total != len(numbers) {
			t.Fatalf("request %s: %+v %v", id, r.Summary, err)
		}
	}
	for _, n := range numbers {
		recs := notifications(t, s, "p1", n)
		if len(recs) == 0 {
			t.Fatalf("%s: no notification", n)
		}
		for i, r := range recs {
			if r.Sequence != i+1 || (i > 0 && (r.PreviousStatus != recs[i-1].Status || r.Status <= recs[i-1].Status)) {
				t.Fatalf("%s: records out of sequence: %+v", n, recs)
			}
		}
		if last := recs[len(recs)-1]; last.Status != fmt.Sprintf("s%02d", requests-1) {
			t.Fatalf("%s: last change to %s", n, last.Status)
		}
		if sh, err := s.Tracking.Shipment(ctx, n); err != nil || sh.Status != fmt.Sprintf("s%02d", requests-1) {
			t.Fatalf("%s: status %+v %v", n, sh.Status, err)
		}
	}
}

// Two clients sending the first data for the same numbers at the same
// moment: each number gets one owner, whose messages are applied; the
// other's are Invalid and change nothing.
func TestTwoClientsRacingOnFreshNumbersGetOneOwnerEach(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	svc := processor(s, s.Tracking)
	const count = 20
	clients := []string{"acme", "globex"}
	reqs := make([]request.Request, len(clients))
	for c, client := range clients {
		var in []message.Incoming
		for i := range count {
			in = append(in, eventIn(dhlNumber(100+i), "by-"+client, "2026-03-01T08:00:00Z"))
		}
		reqs[c] = injectOnly(t, svc, client, in...)
	}
	start := make(chan struct{})
	errs := make([]error, len(clients))
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() { <-start; errs[c] = svc.Process(ctx, reqs[c].ID) })
	}
	close(start)
	wg.Wait()
	outcomes := make([][]request.Message, len(clients))
	invalid := 0
	for c := range clients {
		if errs[c] != nil {
			t.Fatal(errs[c])
		}
		r, err := s.Requests.Request(ctx, reqs[c].ID)
		if err != nil {
			t.Fatal(err)
		}
		if outcomes[c], err = s.Requests.Outcomes(ctx, r); err != nil {
			t.Fatal(err)
		}
		if r.Summary.Invalid+r.Summary.Complete != count {
			t.Fatalf("%s: summary %+v", clients[c], r.Summary)
		}
		invalid += r.Summary.Invalid
	}
	if invalid != count {
		t.Fatalf("%d messages Invalid in all, want %d: one per number", invalid, count)
	}
	for i := range count {
		n := dhlNumber(100 + i)
		st, err := s.Tracking.States(ctx, []string{n})
		if err != nil {
			t.Fatal(err)
		}
		owner := st[n].Owner
		for c, client := range clients {
			m := outcomes[c][i]
			switch {
			case client == owner && m.Status != request.Complete:
				t.Fatalf("%s: the owner's message is %s %v", n, m.Status, m.Errors)
			case client != owner && (m.Status != request.Invalid || !strings.Contains(strings.Join(m.Errors, ";"), "belongs to another client")):
				t.Fatalf("%s owned by %q: the other's message is %s %v", n, owner, m.Status, m.Errors)
			}
		}
		sh, err := s.Tracking.Shipment(ctx, n)
		if err != nil || sh.Status != "by-"+owner {
			t.Fatalf("%s owned by %s shows %q (%v)", n, owner, sh.Status, err)
		}
		events, err := s.Tracking.Events(ctx, n, 10)
		if err != nil || len(events) != 1 || events[0].Status != "by-"+owner {
			t.Fatalf("%s owned by %s has events %+v (%v)", n, owner, events, err)
		}
	}
}

// failingOutcomes is the real store whose SaveOutcomes fails.
type failingOutcomes struct{ request.Store }

var errSave = errors.New("outcomes not saved")

func (failingOutcomes) SaveOutcomes(context.Context, request.Request, []request.Message) error {
	return errSave
}

type downQueue struct{}

func (downQueue) EnqueueMessages(context.Context, string) error { return errors.New("queue down") }

func TestInjectReportsOutcomesNotSavedAfterQueueFailure(t *testing.T) {
	s := newStore(t)
	svc := processor(s, s.Tracking)
	svc.Store, svc.Queue = failingOutcomes{s.Requests}, downQueue{}
	_, err := svc.Inject(context.Background(), "acme", "b", []message.Incoming{eventIn(dhlNumber(6), "picked_up", "2026-03-01T08:00:00Z")})
	var notQueued *message.NotQueuedError
	if !errors.As(err, &notQueued) || !errors.Is(err, errSave) {
		t.Fatalf("Inject: %v, want not queued and outcomes not saved", err)
	}
}
