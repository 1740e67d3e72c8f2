// Package requesttest is the contract of request.Store: one suite that
// every implementation runs, so the in-memory store and DynamoDB keep the
// same promises.
package requesttest

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/request"
	"github.com/parcelgate/parcelgate/internal/tracker"
)

// Run runs the contract against the store newStore returns. The suite
// calls newStore once: its tests share the store and keep apart by ids
// and client ids of their own.
func Run(t *testing.T, newStore func(t *testing.T) request.Store) {
	s := newStore(t)
	for _, c := range []struct {
		name string
		test func(*testing.T, request.Store)
	}{
		{"CreatedRequestIsReadBackWithItsMessages", createdRequestIsReadBack},
		{"UnknownRequestIsNotFound", unknownRequestIsNotFound},
		{"StartStoresTheStartedRequestUntilItIsFinished", startUntilFinished},
		{"FinishHappensOnce", finishHappensOnce},
		{"OutcomesAreSavedOnceWithoutPayloads", outcomesSavedOnce},
		{"LookupFindsTheClientsRequestsByKeyAndDate", lookupByKeyAndDate},
		{"FinishedRequestIsFoundUnderItsNewFacetsOnly", finishedRequestReindexed},
		{"StartedRequestIsSearchedAsProcessingNotQueued", startedRequestSearchedAsProcessing},
		{"CompletingAFinishAgainChangesNothing", finishCompletedAgain},
		{"RequestsReturnsEachExistingRequestOnce", requestsReturnsExisting},
		{"RequestMessagesAreTheOutcomesOnceSaved", requestMessagesAreOutcomes},
	} {
		t.Run(c.name, func(t *testing.T) { c.test(t, s) })
	}
}

// base is a time every test counts from, in the stores' precision.
var base = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

// fixture is a queued request of client with two queued messages (types
// TrackingEvent and Shipment) and an invalid one, received at.
func fixture(t *testing.T, id, client string, at time.Time) (request.Request, []request.Message) {
	t.Helper()
	msgs := []request.Message{
		{ID: id + "-1", ExternalReference: id + "-ref-1", Type: "TrackingEvent", Payload: `{"n":1}`, Status: request.Queued},
		{ID: id + "-2", ExternalReference: id + "-ref-2", Type: "Shipment", Payload: `{"n":2}`, Status: request.Queued},
		{ID: id + "-3", Type: "Shipment", Status: request.Invalid, Errors: []string{"bad"}, ProcessedAt: at},
	}
	r := request.Request{
		ID: id, Kind: request.KindMessages, ClientID: client, BatchReference: id + "-batch",
		ReceivedAt: at, ExpiresAt: at.Add(90 * 24 * time.Hour),
		Summary: request.Summarize(msgs), Facets: request.FacetsOf(msgs),
	}
	return r, msgs
}

func create(t *testing.T, s request.Store, id, client string, at time.Time) (request.Request, []request.Message) {
	t.Helper()
	r, msgs := fixture(t, id, client, at)
	if err := s.CreateRequest(context.Background(), r, msgs); err != nil {
		t.Fatalf("CreateRequest: %v", err)
	}
	return r, msgs
}

func read(t *testing.T, s request.Store, id string) request.Request {
	t.Helper()
	r, err := s.Request(context.Background(), id)
	if err != nil {
		t.Fatalf("Request %s: %v", id, err)
	}
	return r
}

func sameRequest(t *testing.T, got, want request.Request) {
	t.Helper()
	if got.ID != want.ID || got.Kind != want.Kind || got.ClientID != want.ClientID || got.BatchReference != want.BatchReference ||
		!got.ReceivedAt.Equal(want.ReceivedAt) || !got.ProcessedAt.Equal(want.ProcessedAt) || !got.ExpiresAt.Equal(want.ExpiresAt) ||
		got.Summary != want.Summary || !slices.Equal(got.Facets, want.Facets) || got.FailureReason != want.FailureReason {
		t.Errorf("request\n got %+v\nwant %+v", got, want)
	}
}

func sameMessages(t *testing.T, got, want []request.Message) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d messages, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if !g.ProcessedAt.Equal(w.ProcessedAt) {
			t.Errorf("message %d processed at %s, want %s", i, g.ProcessedAt, w.ProcessedAt)
		}
		g.ProcessedAt, w.ProcessedAt = time.Time{}, time.Time{}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("message %d\n got %+v\nwant %+v", i, g, w)
		}
	}
}

func createdRequestIsReadBack(t *testing.T, s request.Store) {
	r, msgs := create(t, s, "created", "client-created", base)
	sameRequest(t, read(t, s, r.ID), r)
	got, err := s.Messages(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	sameMessages(t, got, msgs)
}

func unknownRequestIsNotFound(t *testing.T, s request.Store) {
	if _, err := s.Request(context.Background(), "no-such-request"); !errors.Is(err, request.ErrNotFound) {
		t.Fatalf("Request: %v, want ErrNotFound", err)
	}
}

func startUntilFinished(t *testing.T, s request.Store) {
	ctx := context.Background()
	r, msgs := create(t, s, "started", "client-started", base)
	if err := s.StartRequest(ctx, r, base.Add(time.Second)); err != nil {
		t.Fatalf("StartRequest: %v", err)
	}
	started := read(t, s, r.ID)
	sameRequest(t, started, r.Started())
	if err := s.StartRequest(ctx, started, base.Add(time.Minute)); err != nil {
		t.Fatalf("a redelivery's StartRequest: %v", err)
	}
	sameRequest(t, read(t, s, r.ID), r.Started())
	request.SettleAll(msgs, request.Complete, base.Add(time.Hour), "")
	if err := s.FinishRequest(ctx, started.Finish(msgs, base.Add(time.Hour), "")); err != nil {
		t.Fatal(err)
	}
	if err := s.StartRequest(ctx, started, base.Add(2*time.Hour)); !errors.Is(err, request.ErrStatusConflict) {
		t.Fatalf("StartRequest of a finished request: %v, want ErrStatusConflict", err)
	}
	if err := s.StartRequest(ctx, request.Request{ID: "no-such-request"}, base); !errors.Is(err, request.ErrStatusConflict) {
		t.Fatalf("StartRequest of no request: %v, want ErrStatusConflict", err)
	}
}

func finishHappensOnce(t *testing.T, s request.Store) {
	ctx := context.Background()
	r, msgs := create(t, s, "finished", "client-finished", base)
	request.SettleAll(msgs, request.Failed, base.Add(time.Hour), "retries ran out")
	done := r.Finish(msgs, base.Add(time.Hour), "retries ran out")
	if err := s.FinishRequest(ctx, done); err != nil {
		t.Fatalf("FinishRequest: %v", err)
	}
	sameRequest(t, read(t, s, r.ID), done)
	again := r.Finish(msgs, base.Add(2*time.Hour), "")
	if err := s.FinishRequest(ctx, again); !errors.Is(err, request.ErrStatusConflict) {
		t.Fatalf("a second FinishRequest: %v, want ErrStatusConflict", err)
	}
	sameRequest(t, read(t, s, r.ID), done)
	if err := s.FinishRequest(ctx, request.Request{ID: "no-such-request", ProcessedAt: base}); !errors.Is(err, request.ErrStatusConflict) {
		t.Fatalf("FinishRequest of no request: %v, want ErrStatusConflict", err)
	}
}

func outcomesSavedOnce(t *testing.T, s request.Store) {
	ctx := context.Background()
	r, msgs := create(t, s, "outcomes", "client-outcomes", base)
	if got, err := s.Outcomes(ctx, r); err != nil || len(got) != 0 {
		t.Fatalf("Outcomes before any: %+v, %v", got, err)
	}
	final := slices.Clone(msgs)
	request.SettleAll(final, request.Complete, base.Add(time.Hour), "")
	if err := s.SaveOutcomes(ctx, r, final); err != nil {
		t.Fatalf("SaveOutcomes: %v", err)
	}
	other := slices.Clone(msgs)
	request.SettleAll(other, request.Failed, base.Add(time.Hour), "")
	if err := s.SaveOutcomes(ctx, r, other); !errors.Is(err, request.ErrOutcomesExist) {
		t.Fatalf("a second SaveOutcomes: %v, want ErrOutcomesExist", err)
	}
	want := slices.Clone(final)
	for i := range want {
		want[i].Payload = ""
	}
	got, err := s.Outcomes(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	sameMessages(t, got, want)
	received, err := s.Messages(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	sameMessages(t, received, msgs)
}

func lookup(t *testing.T, s request.Store, client string, key request.Key, from, to time.Time, limit int) []string {
	t.Helper()
	entries, err := s.Lookup(context.Background(), client, key, from, to, limit)
	if err != nil {
		t.Fatalf("Lookup %+v: %v", key, err)
	}
	ids := []string{}
	for _, e := range entries {
		ids = append(ids, e.ID)
	}
	return ids
}

func lookupByKeyAndDate(t *testing.T, s request.Store) {
	older, _ := create(t, s, "lookup-older", "client-lookup", base)
	newer, _ := create(t, s, "lookup-newer", "client-lookup", base.Add(time.Hour))
	create(t, s, "lookup-other", "client-lookup-other", base.Add(30*time.Minute))
	from := base.Add(-time.Hour)
	cases := []struct {
		name     string
		key      request.Key
		from, to time.Time
		limit    int
		want     []string
	}{
		{"all, newest first", request.Key{}, from, time.Time{}, 10, []string{newer.ID, older.ID}},
		{"limited", request.Key{}, from, time.Time{}, 1, []string{newer.ID}},
		{"to is exclusive", request.Key{}, from, newer.ReceivedAt, 10, []string{older.ID}},
		{"from is inclusive", request.Key{}, newer.ReceivedAt, time.Time{}, 10, []string{newer.ID}},
		{"type and status", request.Key{Facet: request.Facet{Type: "Shipment", Status: request.Invalid}}, from, time.Time{}, 10, []string{newer.ID, older.ID}},
		{"status of any type", request.Key{Facet: request.Facet{Type: request.AnyType, Status: request.Queued}}, from, time.Time{}, 10, []string{newer.ID, older.ID}},
		{"absent facet", request.Key{Facet: request.Facet{Type: "TrackingEvent", Status: request.Invalid}}, from, time.Time{}, 10, []string{}},
		{"batch reference", request.Key{Ref: older.BatchReference}, from, time.Time{}, 10, []string{older.ID}},
		{"message reference", request.Key{Ref: newer.ID + "-ref-2"}, from, time.Time{}, 10, []string{newer.ID}},
		{"another client's reference", request.Key{Ref: "lookup-other-batch"}, from, time.Time{}, 10, []string{}},
	}
	for _, c := range cases {
		if got := lookup(t, s, "client-lookup", c.key, c.from, c.to, c.limit); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func finishedRequestReindexed(t *testing.T, s request.Store) {
	ctx := context.Background()
	r, msgs := create(t, s, "reindexed", "client-reindexed", base)
	from := base.Add(-time.Hour)
	queued := request.Key{Facet: request.Facet{Type: "TrackingEvent", Status: request.Queued}}
	processing := request.Key{Facet: request.Facet{Type: request.AnyType, Status: request.Processing}}
	complete := request.Key{Facet: request.Facet{Type: "TrackingEvent", Status: request.Complete}}
	if err := s.StartRequest(ctx, r, base); err != nil {
		t.Fatal(err)
	}
	// Under queued a store may still list it: the tracker decides by the
	// request's own facets (startedRequestSearchedAsProcessing).
	if got := lookup(t, s, r.ClientID, processing, from, time.Time{}, 10); !slices.Equal(got, []string{r.ID}) {
		t.Errorf("started request as processing: %v", got)
	}
	request.SettleAll(msgs, request.Complete, base.Add(time.Hour), "")
	if err := s.FinishRequest(ctx, r.Started().Finish(msgs, base.Add(time.Hour), "")); err != nil {
		t.Fatal(err)
	}
	for _, k := range []request.Key{queued, processing} {
		if got := lookup(t, s, r.ClientID, k, from, time.Time{}, 10); len(got) != 0 {
			t.Errorf("finished request found as %s: %v", k.Facet.Status, got)
		}
	}
	if got := lookup(t, s, r.ClientID, complete, from, time.Time{}, 10); !slices.Equal(got, []string{r.ID}) {
		t.Errorf("finished request as complete: %v", got)
	}
}

// finishCompletedAgain completes the finish of a request, as its
// redeliveries do, before and after it finishes: an open request stays
// as it is, and a finished one is found under its final facets only, the
// same after every call.
func finishCompletedAgain(t *testing.T, s request.Store) {
	ctx := context.Background()
	r, msgs := create(t, s, "completed-again", "client-completed-again", base)
	from := base.Add(-time.Hour)
	keys := map[request.MessageStatus]request.Key{}
	for _, st := range []request.MessageStatus{request.Processing, request.Invalid, request.Complete} {
		keys[st] = request.Key{Facet: request.Facet{Type: request.AnyType, Status: st}}
	}
	expect := func(stage string, found ...request.MessageStatus) {
		t.Helper()
		for st, k := range keys {
			want := []string{}
			if slices.Contains(found, st) {
				want = []string{r.ID}
			}
			if got := lookup(t, s, r.ClientID, k, from, time.Time{}, 10); !slices.Equal(got, want) {
				t.Errorf("%s: found as %s: %v, want %v", stage, st, got, want)
			}
		}
	}
	if err := s.StartRequest(ctx, r, base); err != nil {
		t.Fatal(err)
	}
	if err := s.CompleteFinish(ctx, read(t, s, r.ID)); err != nil {
		t.Fatal(err)
	}
	sameRequest(t, read(t, s, r.ID), r.Started())
	expect("started", request.Processing, request.Invalid)

	request.SettleAll(msgs, request.Complete, base.Add(time.Hour), "")
	done := r.Started().Finish(msgs, base.Add(time.Hour), "")
	if err := s.FinishRequest(ctx, done); err != nil {
		t.Fatal(err)
	}
	expect("finished", request.Invalid, request.Complete)
	for i := range 2 {
		if err := s.CompleteFinish(ctx, read(t, s, r.ID)); err != nil {
			t.Fatalf("CompleteFinish %d: %v", i+1, err)
		}
		sameRequest(t, read(t, s, r.ID), done)
		expect("completed again", request.Invalid, request.Complete)
	}
}

// startedRequestSearchedAsProcessing searches a request through the
// tracker as it is received, started and finished: each time it is found
// under its current statuses only, whatever the store lists as candidates.
func startedRequestSearchedAsProcessing(t *testing.T, s request.Store) {
	ctx := context.Background()
	r, msgs := create(t, s, "searched", "client-searched", base)
	svc := tracker.Service{Store: s, Now: func() time.Time { return base.Add(time.Hour) }}
	found := func(types []string, status request.MessageStatus) []string {
		t.Helper()
		res, err := svc.Search(ctx, r.ClientID, tracker.Criteria{Types: types, Statuses: []request.MessageStatus{status}, From: base.Add(-time.Hour), Page: 1, Size: 10})
		if err != nil {
			t.Fatalf("search %v %s: %v", types, status, err)
		}
		ids := []string{}
		for _, f := range res.Requests {
			for _, m := range f.Messages {
				ids = append(ids, m.ID)
			}
		}
		return ids
	}
	expect := func(stage string, want map[request.MessageStatus][]string) {
		t.Helper()
		for _, st := range []request.MessageStatus{request.Queued, request.Processing, request.Complete} {
			if got := found(nil, st); !slices.Equal(got, want[st]) {
				t.Errorf("%s: messages found as %s: %v, want %v", stage, st, got, want[st])
			}
		}
	}
	open := []string{msgs[0].ID, msgs[1].ID}
	expect("received", map[request.MessageStatus][]string{request.Queued: open})
	if err := s.StartRequest(ctx, r, base); err != nil {
		t.Fatal(err)
	}
	expect("started", map[request.MessageStatus][]string{request.Processing: open})
	if got := found([]string{"Shipment"}, request.Processing); !slices.Equal(got, []string{msgs[1].ID}) {
		t.Errorf("started: Shipment messages found as processing: %v, want %v", got, msgs[1].ID)
	}
	request.SettleAll(msgs, request.Complete, base.Add(time.Hour), "")
	if err := s.SaveOutcomes(ctx, r, msgs); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishRequest(ctx, read(t, s, r.ID).Finish(msgs, base.Add(time.Hour), "")); err != nil {
		t.Fatal(err)
	}
	expect("finished", map[request.MessageStatus][]string{request.Complete: open})
}

func requestsReturnsExisting(t *testing.T, s request.Store) {
	r, _ := create(t, s, "listed", "client-listed", base)
	got, err := s.Requests(context.Background(), []string{r.ID, "no-such-request", r.ID, ""})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("Requests: %+v, want %s once", got, r.ID)
	}
	sameRequest(t, got[0], r)
}

func requestMessagesAreOutcomes(t *testing.T, s request.Store) {
	ctx := context.Background()
	r, msgs := create(t, s, "shown", "client-shown", base)
	got, err := s.RequestMessages(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	sameMessages(t, got, msgs)
	final := slices.Clone(msgs)
	request.SettleAll(final, request.Failed, base.Add(time.Hour), "gave up")
	if err := s.SaveOutcomes(ctx, r, final); err != nil {
		t.Fatal(err)
	}
	if got, err = s.RequestMessages(ctx, r); err != nil {
		t.Fatal(err)
	}
	for i := range final {
		final[i].Payload = ""
	}
	sameMessages(t, got, final)
}
