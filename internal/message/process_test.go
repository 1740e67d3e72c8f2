package message_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/input"
	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/memory"
	"github.com/parcelgate/parcelgate/internal/message"
	"github.com/parcelgate/parcelgate/internal/request"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

// followed records what the shipment records were told.
type followed struct {
	mu     sync.Mutex
	events map[string]tracking.Event
}

func (f *followed) FollowNumber(_ context.Context, number string, ev tracking.Event) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events[number] = ev
	return nil
}

// trackedEnv is the message service over memory stores for tracking,
// subscriptions and announcements.
type trackedEnv struct {
	*env
	tracking *memory.Tracking
	jobs     *memory.Jobs
	told     *announcer
	records  *followed
}

func newTrackedEnv(t *testing.T) *trackedEnv {
	t.Helper()
	e := &trackedEnv{env: newEnv(queue{}), jobs: memory.NewJobs(), told: &announcer{}, records: &followed{events: map[string]tracking.Event{}}}
	e.tracking = &memory.Tracking{Associations: e.jobs.AllAssociations}
	e.svc.Tracking, e.svc.Associations, e.svc.Webhooks, e.svc.Shipments = e.tracking, e.jobs, e.told, e.records
	return e
}

func (e *trackedEnv) subscribe(t *testing.T, projectID, number string) {
	t.Helper()
	if _, err := e.jobs.AddAssociations(context.Background(), []job.Association{{ProjectID: projectID, TrackingNumber: number,
		AddedAt: e.now, ExpiresAt: e.now.Add(job.AssociationTTL)}}); err != nil {
		t.Fatal(err)
	}
}

// process injects msgs as clientID and processes them, returning the
// messages' outcomes.
func (e *trackedEnv) process(t *testing.T, clientID string, msgs ...message.Incoming) []request.Message {
	t.Helper()
	ctx := context.Background()
	r, err := e.svc.Inject(ctx, clientID, "b", msgs)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Process(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	e.now = e.now.Add(time.Minute)
	out, err := e.store.Outcomes(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (e *trackedEnv) resource(t *testing.T, number string) tracking.Resource {
	t.Helper()
	res, err := tracking.Service{Store: e.tracking}.Get(context.Background(), number, 100)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func shipment(number, payload string) message.Incoming {
	return message.Incoming{MessageType: message.TypeShipment, ExternalReference: "sh",
		Payload: []byte(`{"trackingNumber": "` + number + `"` + payload + `}`)}
}

func serviceChange(number, service, datetime string) message.Incoming {
	return message.Incoming{MessageType: message.TypeServiceChange, ExternalReference: "sc",
		Payload: []byte(`{"trackingNumber": "` + number + `", "service": "` + service + `", "datetime": "` + datetime + `"}`)}
}

const inpost = "612345678901234567890123"

func TestShipmentAndServiceChangeMessagesApply(t *testing.T) {
	e := newTrackedEnv(t)
	out := e.process(t, "acme",
		shipment(inpost, `, "type": "inpost_locker_standard", "customAttributes": {"size": "A", "address": "Main St 1"}, "createdAt": "2026-03-01T07:00:00Z"`),
		serviceChange(inpost, "inpost_courier_standard", "2026-03-01T09:00:00Z"),
		serviceChange(inpost, "inpost_locker_pass_thru", "2026-03-01T08:00:00Z"))
	if got := statuses(out); !slices.Equal(got, []request.MessageStatus{request.Complete, request.Complete, request.Complete}) {
		t.Fatalf("outcomes %v", got)
	}
	res := e.resource(t, inpost)
	if res.Type != "inpost_locker_standard" || res.Service != "inpost_locker_standard" || res.CreatedAt != "2026-03-01T07:00:00Z" {
		t.Errorf("shipment %s/%s created %s, want the message's, its service its type", res.Type, res.Service, res.CreatedAt)
	}
	if _, kept := res.CustomAttributes["address"]; kept || res.CustomAttributes["size"] != "A" {
		t.Errorf("custom attributes %v, want the recipient's address stripped", res.CustomAttributes)
	}
	if res.LastService != "inpost_courier_standard" {
		t.Errorf("last service %q, want the newest change's", res.LastService)
	}
}

func TestAnotherClientsNumbersAreInvalid(t *testing.T) {
	e := newTrackedEnv(t)
	const claimedByShipment = "1Z999AA10123456784"
	// acme claims one number by an event, another by shipment data alone.
	e.process(t, "acme", trackingEvent(inpost, "confirmed", "2026-03-01T08:00:00Z", ""), shipment(claimedByShipment, `, "type": "ups_standard"`))
	out := e.process(t, "globex",
		trackingEvent(inpost, "delivered", "2026-03-01T12:00:00Z", ""),
		shipment(claimedByShipment, `, "type": "ups_standard", "service": "express"`),
		trackingEvent(dhl(1), "picked_up", "2026-03-01T08:00:00Z", ""))
	if got := statuses(out); !slices.Equal(got, []request.MessageStatus{request.Invalid, request.Invalid, request.Complete}) {
		t.Fatalf("outcomes %v, want acme's numbers refused and the new one applied", got)
	}
	if msg := out[0].Errors; len(msg) != 1 || !strings.Contains(msg[0], "belongs to another client") {
		t.Errorf("errors %q", msg)
	}
	if res := e.resource(t, inpost); res.Status != "confirmed" {
		t.Errorf("status %q, want acme's", res.Status)
	}
}

// racing is the tracking data while another client's processor claims
// the request's new numbers first: the first moves find them taken.
type racing struct {
	*memory.Tracking
	other     string
	conflicts int // moves answered as conflicts without a change, after the claim
	advances  int
}

func (r *racing) Advance(ctx context.Context, moves []tracking.Move) ([]string, error) {
	r.advances++
	var numbers []string
	for _, m := range moves {
		numbers = append(numbers, m.TrackingNumber)
	}
	if r.other != "" {
		if _, err := r.Tracking.Claim(ctx, r.other, numbers, time.Now()); err != nil {
			return nil, err
		}
		r.other = ""
		return numbers, nil
	}
	if r.conflicts > 0 {
		r.conflicts--
		return numbers, nil
	}
	return r.Tracking.Advance(ctx, moves)
}

func TestAClaimLostToAnotherClientInvalidatesTheMessages(t *testing.T) {
	e := newTrackedEnv(t)
	race := &racing{Tracking: e.tracking, other: "globex"}
	e.svc.Tracking = race
	out := e.process(t, "acme", trackingEvent(inpost, "confirmed", "2026-03-01T08:00:00Z", ""))
	if got := statuses(out); !slices.Equal(got, []request.MessageStatus{request.Invalid}) {
		t.Fatalf("outcomes %v, want the message refused", got)
	}
	if res := e.resource(t, inpost); res.Status != "" || len(res.Details) != 0 {
		t.Errorf("status %q with %d events, want none of acme's", res.Status, len(res.Details))
	}
}

func TestAMoveLostToAnotherProcessorIsDecidedAgain(t *testing.T) {
	e := newTrackedEnv(t)
	race := &racing{Tracking: e.tracking, conflicts: 2}
	e.svc.Tracking = race
	out := e.process(t, "acme", trackingEvent(inpost, "confirmed", "2026-03-01T08:00:00Z", ""))
	if got := statuses(out); !slices.Equal(got, []request.MessageStatus{request.Complete}) || race.advances != 3 {
		t.Fatalf("outcomes %v after %d moves, want complete on the third", got, race.advances)
	}
	if res := e.resource(t, inpost); res.Status != "confirmed" {
		t.Errorf("status %q", res.Status)
	}
}

func TestAMoveAlwaysLostFailsTheTaskForARetry(t *testing.T) {
	ctx := context.Background()
	e := newTrackedEnv(t)
	race := &racing{Tracking: e.tracking, conflicts: 1000}
	e.svc.Tracking = race
	r, err := e.svc.Inject(ctx, "acme", "b", []message.Incoming{trackingEvent(inpost, "confirmed", "2026-03-01T08:00:00Z", "")})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Process(ctx, r.ID); err == nil || !strings.Contains(err.Error(), "still moved by others") {
		t.Fatalf("Process: %v, want the moves given up for a retry", err)
	}
	if stored, _ := e.store.Request(ctx, r.ID); stored.Finished() {
		t.Errorf("request finished after a failed attempt: %+v", stored)
	}
}

func TestShipmentRecordsFollowTheNewestEventOfSubscribedNumbers(t *testing.T) {
	e := newTrackedEnv(t)
	e.subscribe(t, "p1", inpost)
	e.process(t, "acme",
		trackingEvent(inpost, "dispatched_by_sender", "2026-03-01T11:00:00Z", ""),
		trackingEvent(inpost, "confirmed", "2026-03-01T10:00:00Z", ""),
		trackingEvent(dhl(1), "picked_up", "2026-03-01T08:00:00Z", ""))
	if len(e.records.events) != 1 || e.records.events[inpost].Status != "dispatched_by_sender" {
		t.Errorf("records told %+v, want the subscribed number's newest event alone", e.records.events)
	}
	if len(e.told.changes) == 0 {
		t.Error("no change announced for the subscribed number")
	}
	for _, c := range e.told.changes {
		if c.TrackingNumber != inpost {
			t.Errorf("announced a change of %s, which nobody subscribes", c.TrackingNumber)
		}
	}
}

// failingRequests is the request store failing one of its calls.
type failingRequests struct {
	request.Store
	failStart, failMessages, failOutcomes, failFinish, failCompleteFinish bool
}

var errStore = errors.New("store down")

func (f failingRequests) StartRequest(ctx context.Context, r request.Request, at time.Time) error {
	if f.failStart {
		return errStore
	}
	return f.Store.StartRequest(ctx, r, at)
}

func (f failingRequests) Messages(ctx context.Context, r request.Request) ([]request.Message, error) {
	if f.failMessages {
		return nil, errStore
	}
	return f.Store.Messages(ctx, r)
}

func (f failingRequests) SaveOutcomes(ctx context.Context, r request.Request, msgs []request.Message) error {
	if f.failOutcomes {
		return errStore
	}
	return f.Store.SaveOutcomes(ctx, r, msgs)
}

func (f failingRequests) FinishRequest(ctx context.Context, r request.Request) error {
	if f.failFinish {
		return errStore
	}
	return f.Store.FinishRequest(ctx, r)
}

func (f failingRequests) CompleteFinish(ctx context.Context, r request.Request) error {
	if f.failCompleteFinish {
		return errStore
	}
	return f.Store.CompleteFinish(ctx, r)
}

func TestStoreFailuresLeaveTheRequestToBeTriedAgain(t *testing.T) {
	tests := []struct {
		name  string
		store failingRequests
	}{
		{"starting", failingRequests{failStart: true}},
		{"reading the messages", failingRequests{failMessages: true}},
		{"saving the outcomes", failingRequests{failOutcomes: true}},
		{"finishing", failingRequests{failFinish: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			e := newTrackedEnv(t)
			r, err := e.svc.Inject(ctx, "acme", "b", []message.Incoming{trackingEvent(inpost, "confirmed", "2026-03-01T08:00:00Z", "")})
			if err != nil {
				t.Fatal(err)
			}
			failing := tc.store
			failing.Store = e.store
			e.svc.Store = failing
			if err := e.svc.Process(ctx, r.ID); !errors.Is(err, errStore) {
				t.Errorf("Process: %v, want the store's error", err)
			}
			// Once the store is back, the retry finishes the request.
			e.svc.Store = e.store
			if err := e.svc.Process(ctx, r.ID); err != nil {
				t.Fatal(err)
			}
			if stored, _ := e.store.Request(ctx, r.ID); !stored.Finished() {
				t.Errorf("request %+v not finished by the retry", stored)
			}
		})
	}
}

func TestNotQueuedErrorSaysWhy(t *testing.T) {
	err := &message.NotQueuedError{Cause: errors.New("queue down")}
	if err.Error() != "request not queued: queue down" {
		t.Errorf("%q", err.Error())
	}
}

func TestUnmappedStatusesWithoutATallyAreNone(t *testing.T) {
	e := newEnv(queue{})
	got, err := e.svc.UnmappedStatuses(context.Background(), "acme")
	if err != nil || got == nil || len(got) != 0 {
		t.Errorf("UnmappedStatuses: %v, %v; want an empty list", got, err)
	}
}

func TestSortUnmappedPutsTheMostFrequentFirst(t *testing.T) {
	list := []message.Unmapped{
		{Carrier: "ups", Status: "b", Count: 1},
		{Carrier: "dhl", Status: "z", Count: 5},
		{Carrier: "ups", Status: "a", Count: 1},
		{Carrier: "dhl", Status: "a", Count: 1, OriginStatus: "2"},
		{Carrier: "dhl", Status: "a", Count: 1, OriginStatus: "1"},
	}
	message.SortUnmapped(list)
	var got []string
	for _, u := range list {
		got = append(got, string(u.Carrier)+"/"+u.Status+"/"+u.OriginStatus)
	}
	if want := "dhl/z/ dhl/a/1 dhl/a/2 ups/a/ ups/b/"; strings.Join(got, " ") != want {
		t.Errorf("sorted %v, want %s", got, want)
	}
}

func TestInjectRefusesABadRequestAsAWhole(t *testing.T) {
	tests := []struct {
		name, batch string
		n           int
		code        string
	}{
		{"no batch reference", " ", 1, "MISSING_BATCH_REFERENCE"},
		{"a batch reference too long", strings.Repeat("b", 129), 1, "INVALID_BATCH_REFERENCE"},
		{"a batch reference with a control character", "b\x01", 1, "INVALID_BATCH_REFERENCE"},
		{"no messages", "b", 0, "NO_MESSAGES"},
		{"too many messages", "b", message.MaxMessages + 1, "TOO_MANY_MESSAGES"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(queue{})
			msgs := make([]message.Incoming, tc.n)
			for i := range msgs {
				msgs[i] = event(dhl(i))
			}
			_, err := e.svc.Inject(context.Background(), "acme", tc.batch, msgs)
			var bad *input.Error
			if !errors.As(err, &bad) || bad.Code != tc.code {
				t.Errorf("Inject: %v, want %s", err, tc.code)
			}
		})
	}
}
