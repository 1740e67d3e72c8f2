// Package trackingtest is the contract of a number's tracking data: what
// the tracking service reads (tracking.Store) and message processing
// writes (message.Tracking), one suite that every implementation (in
// memory, DynamoDB) must pass.
package trackingtest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/carrier"
	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/message"
	"github.com/parcelgate/parcelgate/internal/storetest"
	"github.com/parcelgate/parcelgate/internal/tag"
	"github.com/parcelgate/parcelgate/internal/tracking"
	"github.com/parcelgate/parcelgate/internal/webhook"
)

// Store is a number's tracking data, read and written.
type Store interface {
	tracking.Store
	message.Tracking
	job.Tags
}

// Associations writes the associations Subscribers reads: the job
// store's part of the same data.
type Associations interface {
	AddAssociations(ctx context.Context, as []job.Association) ([]job.Association, error)
	Apply(ctx context.Context, projectID string, renew []job.Association, remove []string, at time.Time) error
}

// Feed reads the events Notify records: the webhook store's feed.
type Feed interface {
	FeedEvents(ctx context.Context, projectID string, after webhook.Ref, since time.Time, limit int) ([]webhook.Event, error)
}

// Fixture is a store with the other ports over the same data.
type Fixture struct {
	Store        Store
	Associations Associations
	Feed         Feed
	// Unmapped tallies the statuses no mapping table knows.
	Unmapped message.UnmappedStore
}

// Run runs the contract against the fixtures newFixture returns. A
// fixture may be shared between the tests: each uses fresh numbers and
// projects.
func Run(t *testing.T, newFixture func(t *testing.T) Fixture) {
	for _, tc := range []struct {
		name string
		test func(*testing.T, Fixture)
	}{
		{"AnUnknownNumberHasNoData", anUnknownNumberHasNoData},
		{"ClaimMakesTheFirstClientOwner", claimMakesTheFirstClientOwner},
		{"ConcurrentClaimsHaveOneOwner", concurrentClaimsHaveOneOwner},
		{"PutShipmentSetsTheDataAndKeepsTheRest", putShipmentSetsTheDataAndKeepsTheRest},
		{"PutEventsStoresEachEventOnceNewestFirst", putEventsStoresEachEventOnceNewestFirst},
		{"TrackedReadsTheShipmentAndItsNewestEventsTogether", trackedReadsTheShipmentAndItsNewestEventsTogether},
		{"TrackedReadsTheEstimateToldWithTheMark", trackedReadsTheEstimateToldWithTheMark},
		{"AdvanceMovesOnlyFromThePlannedState", advanceMovesOnlyFromThePlannedState},
		{"ConcurrentAdvancesFromOneStateHaveOneWinner", concurrentAdvancesFromOneStateHaveOneWinner},
		{"AFirstMoveClaimsANumberNobodyOwns", aFirstMoveClaimsANumberNobodyOwns},
		{"ConcurrentClaimingMovesHaveOneOwner", concurrentClaimingMovesHaveOneOwner},
		{"MarkNotifiedSetsTheNotifiedSequence", markNotifiedSetsTheNotifiedSequence},
		{"AnUnsubscribedMoveRecordsItsChangesNotified", anUnsubscribedMoveRecordsItsChangesNotified},
		{"SetServiceKeepsTheNewestChange", setServiceKeepsTheNewestChange},
		{"SubscribersAreTheLiveAssociations", subscribersAreTheLiveAssociations},
		{"NotifyRecordsOneEventPerProjectAndChange", notifyRecordsOneEventPerProjectAndChange},
		{"AChangeIntoExceptionIsAlsoATrackingExceptionEvent", aChangeIntoExceptionIsAlsoATrackingExceptionEvent},
		{"AnEstimateIsKeptWithTheChangeTold", anEstimateIsKeptWithTheChangeTold},
		{"CurrentTagsAreThoseOfTheStatus", currentTagsAreThoseOfTheStatus},
		{"UnmappedStatusesAreTalliedPerClient", unmappedStatusesAreTalliedPerClient},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.test(t, newFixture(t)) })
	}
}

func event(status, datetime string) tracking.Event {
	at, err := tracking.ParseDatetime(datetime)
	if err != nil {
		panic(err)
	}
	evs := []tracking.Event{{Status: status, Agency: "Depot 4", Datetime: datetime, At: at}}
	tracking.Classify(carrier.InPost, "", evs) // as message processing does: every stored event has its tag
	return evs[0]
}

func states(t *testing.T, s Store, numbers ...string) map[string]tracking.State {
	t.Helper()
	st, err := s.States(context.Background(), numbers)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func claim(t *testing.T, s Store, clientID, number string, known time.Time) string {
	t.Helper()
	owners, err := s.Claim(context.Background(), clientID, []string{number}, known)
	if err != nil {
		t.Fatal(err)
	}
	return owners[number]
}

func shipment(t *testing.T, s Store, number string) tracking.Shipment {
	t.Helper()
	sh, err := s.Shipment(context.Background(), number)
	if err != nil {
		t.Fatal(err)
	}
	return sh
}

func anUnknownNumberHasNoData(t *testing.T, f Fixture) {
	ctx := context.Background()
	n := storetest.InPostNumber()
	if _, err := f.Store.Shipment(ctx, n); !errors.Is(err, tracking.ErrNotFound) {
		t.Errorf("shipment of an unknown number: %v, want ErrNotFound", err)
	}
	if evs, err := f.Store.Events(ctx, n, 10); err != nil || len(evs) != 0 {
		t.Errorf("events of an unknown number: %v, %v", evs, err)
	}
	st := states(t, f.Store, n)
	if got, ok := st[n]; !ok || !reflect.DeepEqual(got, tracking.State{}) {
		t.Errorf("state of an unknown number: %+v (present %v), want the zero state", got, ok)
	}
}

func claimMakesTheFirstClientOwner(t *testing.T, f Fixture) {
	n := storetest.InPostNumber()
	known := time.Now().UTC().Truncate(time.Millisecond)
	if owner := claim(t, f.Store, "client-a", n, known); owner != "client-a" {
		t.Fatalf("first claim: owner %q", owner)
	}
	if owner := claim(t, f.Store, "client-b", n, known.Add(time.Hour)); owner != "client-a" {
		t.Errorf("second claim: owner %q, want client-a", owner)
	}
	if st := states(t, f.Store, n)[n]; st.Owner != "client-a" || st.Status != "" || st.Sequence != 0 {
		t.Errorf("state after claims: %+v", st)
	}
	sh := shipment(t, f.Store, n)
	want, _ := carrier.Detect(n)
	if sh.TrackingNumber != n || sh.Carrier != want || sh.FirstKnownAt != known.Format(tracking.FirstKnownLayout) {
		t.Errorf("claimed shipment: %+v; want number %s, carrier %s, first known %s", sh, n, want, known.Format(tracking.FirstKnownLayout))
	}
}

func concurrentClaimsHaveOneOwner(t *testing.T, f Fixture) {
	n := storetest.InPostNumber()
	var wg sync.WaitGroup
	owners := make([]string, 10)
	errs := make([]error, 10)
	for i := range owners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := f.Store.Claim(context.Background(), fmt.Sprintf("client-%d", i), []string{n}, time.Now())
			owners[i], errs[i] = got[n], err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	winner := states(t, f.Store, n)[n].Owner
	if winner == "" {
		t.Fatal("no owner after 10 claims")
	}
	for i, o := range owners {
		if o != winner {
			t.Errorf("claim %d was told owner %q, stored owner %q", i, o, winner)
		}
	}
}

func putShipmentSetsTheDataAndKeepsTheRest(t *testing.T, f Fixture) {
	ctx := context.Background()
	n := storetest.InPostNumber()
	known := time.Now().UTC().Truncate(time.Millisecond)
	claim(t, f.Store, "client-a", n, known)
	ev := event("DELIVERED", "2026-11-30T10:00:00+01:00")
	st := states(t, f.Store, n)[n]
	move, _ := tracking.NextMove(n, carrier.InPost, st, []tracking.Event{ev}, known)
	if conflicts, err := f.Store.Advance(ctx, []tracking.Move{move}); err != nil || len(conflicts) > 0 {
		t.Fatalf("advance: %v, %v", conflicts, err)
	}
	put := tracking.Shipment{
		TrackingNumber: n, Carrier: carrier.InPost, Type: "PARCEL", Service: "express",
		CustomAttributes: map[string]any{"weight": 1.5, "tags": []any{"fragile"}, "gift": true},
		CreatedAt:        "2026-11-29T08:00:00+01:00", FirstKnownAt: "2020-01-01T00:00:00.000Z", ExpectedFlow: []string{"CREATED", "DELIVERED"},
	}
	if err := f.Store.PutShipment(ctx, put); err != nil {
		t.Fatal(err)
	}
	want := put
	want.FirstKnownAt = known.Format(tracking.FirstKnownLayout) // the first stays
	want.Status, want.UpdatedAt, want.Latest = "DELIVERED", ev.Datetime, ev
	want.Tag, want.Subtag = ev.Tag, ev.Subtag
	if got := shipment(t, f.Store, n); !reflect.DeepEqual(got, want) {
		t.Errorf("shipment\n got %+v\nwant %+v", got, want)
	}

	// Without a created_at or a flow: the stored created_at stays, the
	// flow goes (it is derived when read).
	again := put
	again.CreatedAt, again.ExpectedFlow, again.CustomAttributes = "", nil, map[string]any{}
	if err := f.Store.PutShipment(ctx, again); err != nil {
		t.Fatal(err)
	}
	got := shipment(t, f.Store, n)
	if got.CreatedAt != put.CreatedAt || got.ExpectedFlow != nil || len(got.CustomAttributes) != 0 || got.CustomAttributes == nil {
		t.Errorf("shipment put again: created %q, flow %#v, attributes %#v", got.CreatedAt, got.ExpectedFlow, got.CustomAttributes)
	}
	// An empty flow given is kept as given.
	again.ExpectedFlow = []string{}
	if err := f.Store.PutShipment(ctx, again); err != nil {
		t.Fatal(err)
	}
	if got := shipment(t, f.Store, n); got.ExpectedFlow == nil || len(got.ExpectedFlow) != 0 {
		t.Errorf("empty flow read back as %#v", got.ExpectedFlow)
	}
	// A shipment put first makes the number known, without an owner.
	other := storetest.InPostNumber()
	put.TrackingNumber = other
	if err := f.Store.PutShipment(ctx, put); err != nil {
		t.Fatal(err)
	}
	if got := shipment(t, f.Store, other); got.Type != put.Type || got.FirstKnownAt != put.FirstKnownAt {
		t.Errorf("shipment put before any claim: %+v", got)
	}
	if st := states(t, f.Store, other)[other]; st.Owner != "" {
		t.Errorf("a shipment put gave the number owner %q", st.Owner)
	}
}

func putEventsStoresEachEventOnceNewestFirst(t *testing.T, f Fixture) {
	ctx := context.Background()
	n, m := storetest.InPostNumber(), storetest.InPostNumber()
	first := event("CREATED", "2026-11-28T09:00:00Z")
	second := event("IN_TRANSIT", "2026-11-29T09:00:00.5+02:00")
	third := event("DELIVERED", "2026-11-30T09:00:00Z")
	for range 2 { // delivered again
		if err := f.Store.PutEvents(ctx, map[string][]tracking.Event{n: {third, first, second, first}, m: {first}}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := f.Store.Events(ctx, n, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []tracking.Event{third, second, first}
	if len(got) != len(want) {
		t.Fatalf("%d events, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i].Status != want[i].Status || got[i].Agency != want[i].Agency || got[i].Datetime != want[i].Datetime || !got[i].At.Equal(want[i].At) {
			t.Errorf("event %d\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	if got, err := f.Store.Events(ctx, n, 2); err != nil || len(got) != 2 || got[0].Status != "DELIVERED" {
		t.Errorf("limit 2: %+v, %v", got, err)
	}
	if got, err := f.Store.Events(ctx, m, 10); err != nil || len(got) != 1 {
		t.Errorf("the other number's events: %+v, %v", got, err)
	}
}

func advanceMovesOnlyFromThePlannedState(t *testing.T, f Fixture) {
	ctx := context.Background()
	n := storetest.InPostNumber()
	now := time.Now().UTC().Truncate(time.Millisecond)
	claim(t, f.Store, "client-a", n, now)
	st0 := states(t, f.Store, n)[n]
	ev1 := event("IN_TRANSIT", "2026-11-29T10:00:00+01:00")
	move1, _ := tracking.NextMove(n, carrier.InPost, st0, []tracking.Event{ev1}, now)
	if conflicts, err := f.Store.Advance(ctx, []tracking.Move{move1}); err != nil || len(conflicts) > 0 {
		t.Fatalf("first move: %v, %v", conflicts, err)
	}
	st1 := states(t, f.Store, n)[n]
	want := tracking.State{Owner: "client-a", Status: "IN_TRANSIT", Tag: ev1.Tag, LatestKey: tracking.EventKey(ev1), Sequence: 1, Pending: move1.Pending}
	sameState(t, "after the first move", st1, want)
	if sh := shipment(t, f.Store, n); sh.Status != "IN_TRANSIT" || sh.UpdatedAt != ev1.Datetime {
		t.Errorf("shipment after a move: status %q, updated %q", sh.Status, sh.UpdatedAt)
	}

	// The same move again, planned on the old state, conflicts.
	if conflicts, err := f.Store.Advance(ctx, []tracking.Move{move1}); err != nil || !slices.Equal(conflicts, []string{n}) {
		t.Errorf("a move from a stale state: conflicts %v, %v", conflicts, err)
	}
	ev2 := event("DELIVERED", "2026-11-30T10:00:00+01:00")
	move2, _ := tracking.NextMove(n, carrier.InPost, st1, []tracking.Event{ev2}, now.Add(time.Minute))
	foreign := move2
	foreign.From.Owner = "client-b"
	unclaimed := storetest.InPostNumber()
	orphan, _ := tracking.NextMove(unclaimed, carrier.InPost, tracking.State{Owner: "client-a"}, []tracking.Event{ev2}, now)
	conflicts, err := f.Store.Advance(ctx, []tracking.Move{foreign, orphan})
	slices.Sort(conflicts)
	if wantConflicts := []string{n, unclaimed}; err != nil || !slices.Equal(conflicts, sorted(wantConflicts)) {
		t.Errorf("moves of another owner and of an unclaimed number: conflicts %v, %v; want %v", conflicts, err, wantConflicts)
	}
	sameState(t, "after refused moves", states(t, f.Store, n)[n], want)
	if conflicts, err := f.Store.Advance(ctx, []tracking.Move{move2}); err != nil || len(conflicts) > 0 {
		t.Fatalf("second move: %v, %v", conflicts, err)
	}
	sameState(t, "after the second move", states(t, f.Store, n)[n], tracking.State{
		Owner: "client-a", Status: "DELIVERED", Tag: ev2.Tag, LatestKey: tracking.EventKey(ev2), Sequence: 2, Pending: move2.Pending,
	})
}

func sorted(s []string) []string {
	slices.Sort(s)
	return s
}

// sameState compares states with instants as instants.
func sameState(t *testing.T, name string, got, want tracking.State) {
	t.Helper()
	norm := func(st tracking.State) tracking.State {
		st.Pending = slices.Clone(st.Pending)
		for i := range st.Pending {
			st.Pending[i].At = st.Pending[i].At.UTC()
			st.Pending[i].Event.At = st.Pending[i].Event.At.UTC()
		}
		return st
	}
	if g, w := norm(got), norm(want); !reflect.DeepEqual(g, w) {
		t.Errorf("%s: state\n got %+v\nwant %+v", name, g, w)
	}
}

func concurrentAdvancesFromOneStateHaveOneWinner(t *testing.T, f Fixture) {
	n := storetest.InPostNumber()
	now := time.Now().UTC()
	claim(t, f.Store, "client-a", n, now)
	st := states(t, f.Store, n)[n]
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ev := event(fmt.Sprintf("STATUS_%d", i), fmt.Sprintf("2026-11-29T10:00:%02dZ", i))
			m, _ := tracking.NextMove(n, carrier.InPost, st, []tracking.Event{ev}, now)
			conflicts, err := f.Store.Advance(context.Background(), []tracking.Move{m})
			if err != nil {
				t.Error(err)
				return
			}
			if len(conflicts) == 0 {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d of 10 concurrent moves from one state applied, want 1", wins)
	}
	if got := states(t, f.Store, n)[n]; got.Sequence != 1 {
		t.Errorf("sequence %d after one applied move", got.Sequence)
	}
}

func markNotifiedSetsTheNotifiedSequence(t *testing.T, f Fixture) {
	ctx := context.Background()
	n := storetest.InPostNumber()
	now := time.Now().UTC()
	claim(t, f.Store, "client-a", n, now)
	st := states(t, f.Store, n)[n]
	for i, ev := range []tracking.Event{event("CREATED", "2026-11-28T10:00:00Z"), event("IN_TRANSIT", "2026-11-29T10:00:00Z")} {
		m, _ := tracking.NextMove(n, carrier.InPost, st, []tracking.Event{ev}, now.Add(time.Duration(i)*time.Minute))
		if conflicts, err := f.Store.Advance(ctx, []tracking.Move{m}); err != nil || len(conflicts) > 0 {
			t.Fatalf("move %d: %v, %v", i, conflicts, err)
		}
		st = states(t, f.Store, n)[n]
	}
	if len(st.Unnotified()) != 2 {
		t.Fatalf("%d changes unnotified, want 2", len(st.Unnotified()))
	}
	if err := f.Store.MarkNotified(ctx, map[string]int{n: 1}, nil); err != nil {
		t.Fatal(err)
	}
	st = states(t, f.Store, n)[n]
	if st.Notified != 1 || len(st.Unnotified()) != 1 || st.Unnotified()[0].Sequence != 2 {
		t.Errorf("after marking 1: notified %d, unnotified %+v", st.Notified, st.Unnotified())
	}
	if err := f.Store.MarkNotified(ctx, map[string]int{n: 2}, nil); err != nil {
		t.Fatal(err)
	}
	if st := states(t, f.Store, n)[n]; st.Notified != 2 || len(st.Unnotified()) != 0 {
		t.Errorf("after marking 2: notified %d, unnotified %+v", st.Notified, st.Unnotified())
	}
}

func anUnsubscribedMoveRecordsItsChangesNotified(t *testing.T, f Fixture) {
	ctx := context.Background()
	n := storetest.InPostNumber()
	now := time.Now().UTC()
	claim(t, f.Store, "client-a", n, now)
	st := states(t, f.Store, n)[n]
	move := func(i int, ev tracking.Event, unsubscribed bool) {
		t.Helper()
		m, _ := tracking.NextMove(n, carrier.InPost, st, []tracking.Event{ev}, now.Add(time.Duration(i)*time.Minute))
		m.Unsubscribed = unsubscribed
		if conflicts, err := f.Store.Advance(ctx, []tracking.Move{m}); err != nil || len(conflicts) > 0 {
			t.Fatalf("move %d: %v, %v", i, conflicts, err)
		}
		st = states(t, f.Store, n)[n]
	}
	move(1, event("CREATED", "2026-11-28T10:00:00Z"), false)
	move(2, event("IN_TRANSIT", "2026-11-29T10:00:00Z"), true)
	if st.Sequence != 2 || st.Notified != 2 || len(st.Unnotified()) != 0 {
		t.Fatalf("after a move without subscribers: sequence %d, notified %d, unnotified %+v; want 2, 2, none", st.Sequence, st.Notified, st.Unnotified())
	}
	// A mark going back (a slower processor's) does not bring them back.
	if err := f.Store.MarkNotified(ctx, map[string]int{n: 1}, nil); err != nil {
		t.Fatal(err)
	}
	if st = states(t, f.Store, n)[n]; st.Notified != 2 {
		t.Errorf("after marking 1: notified %d, want 2", st.Notified)
	}
	move(3, event("DELIVERED", "2026-11-30T10:00:00Z"), false)
	if u := st.Unnotified(); st.Notified != 2 || len(u) != 1 || u[0].Sequence != 3 {
		t.Errorf("after a subscribed move: notified %d, unnotified %+v; want 2, the change 3", st.Notified, u)
	}
	if err := f.Store.MarkNotified(ctx, map[string]int{n: 3}, nil); err != nil {
		t.Fatal(err)
	}
	if st = states(t, f.Store, n)[n]; st.Notified != 3 || len(st.Unnotified()) != 0 {
		t.Errorf("after marking 3: notified %d, unnotified %+v", st.Notified, st.Unnotified())
	}
}

func setServiceKeepsTheNewestChange(t *testing.T, f Fixture) {
	ctx := context.Background()
	n := storetest.InPostNumber()
	claim(t, f.Store, "client-a", n, time.Now())
	t1 := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	set := func(service string, at time.Time) {
		t.Helper()
		if err := f.Store.SetService(ctx, n, service, at.Format(time.RFC3339), at); err != nil {
			t.Fatal(err)
		}
	}
	check := func(name, service string, at time.Time) {
		t.Helper()
		if sh := shipment(t, f.Store, n); sh.LastService != service || sh.ServiceUpdatedAt != at.Format(time.RFC3339) {
			t.Errorf("%s: service %q at %q, want %q at %q", name, sh.LastService, sh.ServiceUpdatedAt, service, at.Format(time.RFC3339))
		}
	}
	set("standard", t1.Add(time.Hour))
	check("first change", "standard", t1.Add(time.Hour))
	set("express", t1)
	check("an older change", "standard", t1.Add(time.Hour))
	set("economy", t1.Add(2*time.Hour))
	check("a newer change", "economy", t1.Add(2*time.Hour))
	set("economy", t1.Add(2*time.Hour))
	check("the same change again", "economy", t1.Add(2*time.Hour))
}

func associate(t *testing.T, f Fixture, as ...job.Association) {
	t.Helper()
	if _, err := f.Associations.AddAssociations(context.Background(), as); err != nil {
		t.Fatal(err)
	}
}

func subscribersAreTheLiveAssociations(t *testing.T, f Fixture) {
	ctx := context.Background()
	n, lone := storetest.InPostNumber(), storetest.InPostNumber()
	now := time.Now().UTC()
	live, other, expired, removed := storetest.ID("p-"), storetest.ID("p-"), storetest.ID("p-"), storetest.ID("p-")
	associate(t, f,
		job.Association{ProjectID: live, TrackingNumber: n, Carrier: "inpost", AddedAt: now, ExpiresAt: now.Add(job.AssociationTTL), JobID: "j", AddedBy: "j"},
		job.Association{ProjectID: other, TrackingNumber: n, Carrier: "inpost", AddedAt: now, ExpiresAt: now.Add(time.Hour), JobID: "j", AddedBy: "j"},
		job.Association{ProjectID: expired, TrackingNumber: n, Carrier: "inpost", AddedAt: now.Add(-job.AssociationTTL - time.Hour), ExpiresAt: now.Add(-time.Hour), JobID: "j", AddedBy: "j"},
		job.Association{ProjectID: removed, TrackingNumber: n, Carrier: "inpost", AddedAt: now, ExpiresAt: now.Add(job.AssociationTTL), JobID: "j", AddedBy: "j"},
	)
	if err := f.Associations.Apply(ctx, removed, nil, []string{n}, now.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	got, err := f.Store.Subscribers(ctx, []string{n, lone, n}, now)
	if err != nil {
		t.Fatal(err)
	}
	projects := slices.Clone(got[n])
	slices.Sort(projects)
	if want := sorted([]string{live, other}); !slices.Equal(projects, want) || len(got) != 1 {
		t.Errorf("subscribers %v, want only %s: %v", got, n, want)
	}
	// At a later now, the association expired by then is gone.
	later, err := f.Store.Subscribers(ctx, []string{n}, now.Add(2*time.Hour))
	if err != nil || !slices.Equal(later[n], []string{live}) {
		t.Errorf("subscribers two hours on: %v, %v; want [%s]", later, err, live)
	}
}

func notifyRecordsOneEventPerProjectAndChange(t *testing.T, f Fixture) {
	ctx := context.Background()
	n, m := storetest.InPostNumber(), storetest.InPostNumber()
	p1, p2, bystander := storetest.ID("p-"), storetest.ID("p-"), storetest.ID("p-")
	at := time.Now().UTC().Add(-time.Hour).Truncate(time.Millisecond)
	change := func(number string, seq int, status string, at time.Time) tracking.Change {
		return tracking.Change{TrackingNumber: number, Carrier: carrier.InPost, Sequence: seq, Event: event(status, "2026-11-29T10:00:00Z"), At: at}
	}
	changes := []tracking.Change{change(n, 1, "CREATED", at), change(n, 2, "IN_TRANSIT", at.Add(time.Minute)), change(m, 1, "CREATED", at.Add(2*time.Minute))}
	changes[1].PreviousStatus = "CREATED"
	subscribers := map[string][]string{n: {p1, p2}, m: {p1}}
	for range 2 { // recorded again
		if err := f.Store.Notify(ctx, subscribers, changes, message.NotificationTTL); err != nil {
			t.Fatal(err)
		}
	}
	feed := func(projectID string) []webhook.Event {
		t.Helper()
		evs, err := f.Feed.FeedEvents(ctx, projectID, webhook.Ref{}, at.Add(-time.Minute), 100)
		if err != nil {
			t.Fatal(err)
		}
		return evs
	}
	check := func(projectID string, want ...tracking.Change) {
		t.Helper()
		got := feed(projectID)
		if len(got) != len(want) {
			t.Fatalf("project %s: %d events, want %d", projectID, len(got), len(want))
		}
		for i, c := range want {
			w := webhook.TrackingEvent(projectID, c)
			if got[i].ID != w.ID || got[i].Type != webhook.TrackingUpdated || !got[i].CreatedAt.Equal(w.CreatedAt) || string(got[i].Data) != string(w.Data) {
				t.Errorf("project %s event %d\n got %+v %s\nwant %+v %s", projectID, i, got[i], got[i].Data, w, w.Data)
			}
		}
	}
	check(p1, changes...)
	check(p2, changes[:2]...)
	check(bystander)
}

func claimingMove(number, clientID string, ev tracking.Event, now time.Time) tracking.Move {
	m, _ := tracking.NextMove(number, carrier.InPost, tracking.State{}, []tracking.Event{ev}, now)
	m.Claim = clientID
	return m
}

func aFirstMoveClaimsANumberNobodyOwns(t *testing.T, f Fixture) {
	ctx := context.Background()
	n := storetest.InPostNumber()
	now := time.Now().UTC().Truncate(time.Millisecond)
	ev := event("CREATED", "2026-11-28T10:00:00+01:00")
	if conflicts, err := f.Store.Advance(ctx, []tracking.Move{claimingMove(n, "client-a", ev, now)}); err != nil || len(conflicts) > 0 {
		t.Fatalf("claiming move: %v, %v", conflicts, err)
	}
	st := states(t, f.Store, n)[n]
	if st.Owner != "client-a" || st.Status != "CREATED" || st.Sequence != 1 || st.LatestKey != tracking.EventKey(ev) {
		t.Errorf("state after a claiming move: %+v", st)
	}
	// Before its event is stored, the shipment keeps the status's event.
	sh := shipment(t, f.Store, n)
	if sh.Carrier != carrier.InPost || sh.Status != "CREATED" || sh.FirstKnownAt != now.Format(tracking.FirstKnownLayout) || !reflect.DeepEqual(sh.Latest, ev) {
		t.Errorf("shipment after a claiming move: %+v", sh)
	}
	// Another client's first move, planned on the unowned state, does
	// not apply, nor does a claim.
	later := event("DELIVERED", "2026-11-30T10:00:00+01:00")
	if conflicts, err := f.Store.Advance(ctx, []tracking.Move{claimingMove(n, "client-b", later, now)}); err != nil || !slices.Equal(conflicts, []string{n}) {
		t.Errorf("second claiming move: conflicts %v, %v", conflicts, err)
	}
	if owner := claim(t, f.Store, "client-b", n, now); owner != "client-a" {
		t.Errorf("claim after a claiming move: owner %q", owner)
	}
	if st := states(t, f.Store, n)[n]; st.Owner != "client-a" || st.Sequence != 1 {
		t.Errorf("state after refused claims: %+v", st)
	}

	// A number known from a shipment put first is claimed the same way,
	// and keeps the shipment's data and first-known time.
	other := storetest.InPostNumber()
	put := tracking.Shipment{TrackingNumber: other, Carrier: carrier.InPost, Type: "PARCEL", Service: "PARCEL", CustomAttributes: map[string]any{}, FirstKnownAt: "2020-01-01T00:00:00.000Z"}
	if err := f.Store.PutShipment(ctx, put); err != nil {
		t.Fatal(err)
	}
	if conflicts, err := f.Store.Advance(ctx, []tracking.Move{claimingMove(other, "client-b", ev, now)}); err != nil || len(conflicts) > 0 {
		t.Fatalf("claiming move of a number with a shipment: %v, %v", conflicts, err)
	}
	if sh := shipment(t, f.Store, other); sh.Type != "PARCEL" || sh.FirstKnownAt != put.FirstKnownAt || sh.Status != "CREATED" {
		t.Errorf("shipment put, then claimed by a move: %+v", sh)
	}
	if st := states(t, f.Store, other)[other]; st.Owner != "client-b" {
		t.Errorf("owner %q after a claiming move", st.Owner)
	}

	// A move of a number nobody owns without a claim is a mistake.
	unclaimed, _ := tracking.NextMove(storetest.InPostNumber(), carrier.InPost, tracking.State{}, []tracking.Event{ev}, now)
	if _, err := f.Store.Advance(ctx, []tracking.Move{unclaimed}); err == nil {
		t.Error("a move of a number nobody owns, without a claim, was accepted")
	}
}

func concurrentClaimingMovesHaveOneOwner(t *testing.T, f Fixture) {
	n := storetest.InPostNumber()
	now := time.Now().UTC()
	var wg sync.WaitGroup
	won := make([]bool, 10)
	for i := range won {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ev := event(fmt.Sprintf("STATUS_%d", i), fmt.Sprintf("2026-11-29T10:00:%02dZ", i))
			conflicts, err := f.Store.Advance(context.Background(), []tracking.Move{claimingMove(n, fmt.Sprintf("client-%d", i), ev, now)})
			if err != nil {
				t.Error(err)
			}
			won[i] = err == nil && len(conflicts) == 0
		}()
	}
	wg.Wait()
	st := states(t, f.Store, n)[n]
	winners := 0
	for i, w := range won {
		if w {
			winners++
			if st.Owner != fmt.Sprintf("client-%d", i) || st.Status != fmt.Sprintf("STATUS_%d", i) {
				t.Errorf("move %d applied, but the state is %+v", i, st)
			}
		}
	}
	if winners != 1 || st.Sequence != 1 {
		t.Errorf("%d of 10 concurrent claiming moves applied (sequence %d), want 1", winners, st.Sequence)
	}
}

func aChangeIntoExceptionIsAlsoATrackingExceptionEvent(t *testing.T, f Fixture) {
	ctx := context.Background()
	n := storetest.InPostNumber()
	p := storetest.ID("p-")
	at := time.Now().UTC().Add(-time.Hour).Truncate(time.Millisecond)
	moving := event("sent_from_sorting_center", "2026-11-29T10:00:00Z")
	held := event("held by customs", "2026-11-29T12:00:00Z")
	held.Tag, held.Subtag = tag.Exception, "Exception_Customs" // as a sender may tag it
	back := event("adopted_at_target_branch", "2026-11-30T08:00:00Z")
	changes := []tracking.Change{
		{TrackingNumber: n, Carrier: carrier.InPost, Sequence: 1, Event: moving, At: at},
		{TrackingNumber: n, Carrier: carrier.InPost, Sequence: 2, PreviousStatus: moving.Status, PreviousTag: moving.Tag, Event: held, At: at.Add(time.Minute)},
		{TrackingNumber: n, Carrier: carrier.InPost, Sequence: 3, PreviousStatus: held.Status, PreviousTag: held.Tag, Event: back, At: at.Add(2 * time.Minute)},
	}
	for range 2 { // recorded again
		if err := f.Store.Notify(ctx, map[string][]string{n: {p}}, changes, message.NotificationTTL); err != nil {
			t.Fatal(err)
		}
	}
	want := []webhook.Event{webhook.TrackingEvent(p, changes[0]), webhook.TrackingEvent(p, changes[1]), webhook.ExceptionEvent(p, changes[1]), webhook.TrackingEvent(p, changes[2])}
	got, err := f.Feed.FeedEvents(ctx, p, webhook.Ref{}, at.Add(-time.Minute), 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d events, want %d (updated, updated, exception, updated): %+v", len(got), len(want), got)
	}
	for i, w := range want {
		if got[i].ID != w.ID || got[i].Type != w.Type || string(got[i].Data) != string(w.Data) {
			t.Errorf("event %d\n got %s %s %s\nwant %s %s %s", i, got[i].ID, got[i].Type, got[i].Data, w.ID, w.Type, w.Data)
		}
	}
	if !strings.Contains(string(want[2].Data), `"tag":"Exception","subtag":"Exception_Customs","previousTag":"InTransit"`) {
		t.Errorf("exception data %s: want the tag, subtag and previous tag", want[2].Data)
	}
	// A cursor between a change's two events loses neither.
	ref, err := webhook.ParseEventID(want[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	after, err := f.Feed.FeedEvents(ctx, p, ref, time.Time{}, 1)
	if err != nil || len(after) != 1 || after[0].ID != want[2].ID {
		t.Errorf("after the updated event: %+v, %v; want the exception event", after, err)
	}
}

func currentTagsAreThoseOfTheStatus(t *testing.T, f Fixture) {
	ctx := context.Background()
	n, quiet := storetest.InPostNumber(), storetest.InPostNumber()
	now := time.Now().UTC().Truncate(time.Millisecond)
	claim(t, f.Store, "client-a", n, now)
	claim(t, f.Store, "client-a", quiet, now)
	st := states(t, f.Store, n)[n]
	for i, ev := range []tracking.Event{event("out_for_delivery", "2026-11-29T10:00:00Z"), event("delivered", "2026-11-29T15:00:00Z")} {
		move, _ := tracking.NextMove(n, carrier.InPost, st, []tracking.Event{ev}, now.Add(time.Duration(i)*time.Minute))
		if conflicts, err := f.Store.Advance(ctx, []tracking.Move{move}); err != nil || len(conflicts) > 0 {
			t.Fatalf("move %d: %v, %v", i, conflicts, err)
		}
		st = states(t, f.Store, n)[n]
	}
	if st.Tag != tag.Delivered {
		t.Errorf("state tag %q, want Delivered", st.Tag)
	}
	got, err := f.Store.CurrentTags(ctx, []string{n, quiet, storetest.InPostNumber()})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]job.TagUpdate{n: {TrackingNumber: n, Tag: string(tag.Delivered), Sequence: 2}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("CurrentTags %+v, want %+v (numbers without a status absent)", got, want)
	}
	if sh := shipment(t, f.Store, n); sh.Tag != tag.Delivered || sh.Subtag != "Delivered_Other" || sh.Latest.Tag != tag.Delivered {
		t.Errorf("shipment tag %q/%q latest %q, want Delivered", sh.Tag, sh.Subtag, sh.Latest.Tag)
	}
}

func unmappedStatusesAreTalliedPerClient(t *testing.T, f Fixture) {
	ctx := context.Background()
	a, b := storetest.ID("client-"), storetest.ID("client-")
	seen := time.Now().UTC().Truncate(time.Millisecond)
	first := []message.Unmapped{
		{Carrier: carrier.UPS, Status: "Weird scan", OriginStatus: "ZZ", Count: 2, Example: "1Z999AA10123456784", LastSeen: seen},
		{Carrier: carrier.InPost, Status: "kaput", Count: 1, Example: "612345678901234567890123", LastSeen: seen},
	}
	if err := f.Unmapped.CountUnmapped(ctx, a, first); err != nil {
		t.Fatal(err)
	}
	later := seen.Add(time.Hour)
	if err := f.Unmapped.CountUnmapped(ctx, a, []message.Unmapped{{Carrier: carrier.InPost, Status: "kaput", Count: 3, Example: "699999999999999999999999", LastSeen: later}}); err != nil {
		t.Fatal(err)
	}
	// A status last seen longer ago than the tally keeps them is gone,
	// whether or not the table's TTL has deleted it yet.
	old := seen.Add(-message.UnmappedTTL - time.Minute)
	if err := f.Unmapped.CountUnmapped(ctx, a, []message.Unmapped{{Carrier: carrier.UPS, Status: "Old scan", Count: 9, Example: "1Z999AA10123456784", LastSeen: old}}); err != nil {
		t.Fatal(err)
	}
	got, err := f.Unmapped.UnmappedStatuses(ctx, a, later, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []message.Unmapped{
		{Carrier: carrier.InPost, Status: "kaput", Count: 4, Example: "699999999999999999999999", LastSeen: later},
		first[0],
	}
	if len(got) != len(want) {
		t.Fatalf("tally %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i].Carrier != want[i].Carrier || got[i].Status != want[i].Status || got[i].OriginStatus != want[i].OriginStatus ||
			got[i].Count != want[i].Count || got[i].Example != want[i].Example || !got[i].LastSeen.Equal(want[i].LastSeen) {
			t.Errorf("tally %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if got, err := f.Unmapped.UnmappedStatuses(ctx, a, later, 1); err != nil || len(got) != 1 {
		t.Errorf("limit 1: %+v, %v", got, err)
	}
	if got, err := f.Unmapped.UnmappedStatuses(ctx, b, later, 10); err != nil || len(got) != 0 {
		t.Errorf("another client's tally: %+v, %v; want none", got, err)
	}
}
