// Package webhooktest is the contract of webhook.Store: one suite that
// every implementation (in memory, DynamoDB) must pass.
package webhooktest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/storetest"
	"github.com/parcelgate/parcelgate/internal/webhook"
)

// Run runs the contract of webhook.Store against the stores newStore
// returns. A store may be shared between the tests: each uses fresh
// project and endpoint ids.
func Run(t *testing.T, newStore func(t *testing.T) webhook.Store) {
	for _, tc := range []struct {
		name string
		test func(*testing.T, webhook.Store)
	}{
		{"EndpointReadsBackAsWritten", endpointReadsBackAsWritten},
		{"EndpointIsNotFoundInAnotherProject", endpointIsNotFoundInAnotherProject},
		{"PutEndpointRefusesATakenID", putEndpointRefusesATakenID},
		{"UpdateEndpointReplacesOnlyAnExistingEndpoint", updateEndpointReplacesOnlyAnExistingEndpoint},
		{"EndpointsListsTheProjectsOwnByID", endpointsListsTheProjectsOwnByID},
		{"DeleteEndpointRemovesItAndIgnoresAMissingOne", deleteEndpointRemovesItAndIgnoresAMissingOne},
		{"DisableEndpointDisablesOnceAndRecordsItsEvent", disableEndpointDisablesOnceAndRecordsItsEvent},
		{"DisabledAnnouncedClearsOnlyItsEvent", disabledAnnouncedClearsOnlyItsEvent},
		{"MarkSlowSetsUntilAndIgnoresAMissingEndpoint", markSlowSetsUntilAndIgnoresAMissingEndpoint},
		{"LeaseIsHeldUntilReleasedOrPast", leaseIsHeldUntilReleasedOrPast},
		{"ConcurrentLeasesHaveOneWinner", concurrentLeasesHaveOneWinner},
		{"MarkFailingKeepsTheFirstFailureUntilCleared", markFailingKeepsTheFirstFailureUntilCleared},
		{"PutEventIsReadBackOnceUnderItsRef", putEventIsReadBackOnceUnderItsRef},
		{"ParcelEventsAreKeptApartAndFedInTimeOrder", parcelEventsAreKeptApartAndFedInTimeOrder},
		{"ExpiredEventsAreGone", expiredEventsAreGone},
		{"FeedEventsAreOldestFirstFromSinceOrAfterARef", feedEventsAreOldestFirstFromSinceOrAfterARef},
		{"AttemptsAreNewestFirstInPagesOfTheirWebhook", attemptsAreNewestFirstInPagesOfTheirWebhook},
		{"SettleAttemptFailsOnlyAPendingOne", settleAttemptFailsOnlyAPendingOne},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.test(t, newStore(t)) })
	}
}

// base is a whole-second instant a little in the past, so events made
// around it are inside any TTL the tests give.
func base() time.Time { return time.Now().UTC().Add(-time.Hour).Truncate(time.Second) }

func newEndpoint(projectID string) webhook.Endpoint {
	at := base()
	return webhook.Endpoint{
		ID: storetest.ID("wh_"), ProjectID: projectID, URL: "https://example.com/hook", Events: []string{webhook.TrackingUpdated, webhook.JobCompleted},
		Enabled: true, Description: "orders", CreatedAt: at, Secret: "whsec_new", PreviousSecret: "whsec_old",
		PreviousSecretExpiresAt: at.Add(24 * time.Hour),
	}
}

func mustPut(t *testing.T, s webhook.Store, e webhook.Endpoint) {
	t.Helper()
	if err := s.PutEndpoint(context.Background(), e); err != nil {
		t.Fatal(err)
	}
}

func mustGet(t *testing.T, s webhook.Store, projectID, id string) webhook.Endpoint {
	t.Helper()
	e, err := s.Endpoint(context.Background(), projectID, id)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// sameEndpoint compares endpoints with times as instants.
func sameEndpoint(t *testing.T, got, want webhook.Endpoint) {
	t.Helper()
	for _, e := range []*webhook.Endpoint{&got, &want} {
		for _, tm := range []*time.Time{&e.CreatedAt, &e.PreviousSecretExpiresAt, &e.FailingSince, &e.SlowUntil} {
			*tm = tm.UTC()
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("endpoint\n got %+v\nwant %+v", got, want)
	}
}

func endpointReadsBackAsWritten(t *testing.T, s webhook.Store) {
	e := newEndpoint(storetest.ID("p-"))
	e.FailingSince = base().Add(time.Minute)
	e.SlowUntil = base().Add(2 * time.Minute)
	e.DisabledEvent = "evt_x"
	mustPut(t, s, e)
	sameEndpoint(t, mustGet(t, s, e.ProjectID, e.ID), e)
}

func endpointIsNotFoundInAnotherProject(t *testing.T, s webhook.Store) {
	ctx := context.Background()
	e := newEndpoint(storetest.ID("p-"))
	mustPut(t, s, e)
	if _, err := s.Endpoint(ctx, storetest.ID("p-"), e.ID); !errors.Is(err, webhook.ErrNotFound) {
		t.Errorf("another project's endpoint: %v, want ErrNotFound", err)
	}
	if _, err := s.Endpoint(ctx, e.ProjectID, storetest.ID("wh_")); !errors.Is(err, webhook.ErrNotFound) {
		t.Errorf("unknown endpoint: %v, want ErrNotFound", err)
	}
}

func putEndpointRefusesATakenID(t *testing.T, s webhook.Store) {
	e := newEndpoint(storetest.ID("p-"))
	mustPut(t, s, e)
	other := e
	other.URL = "https://example.com/other"
	if err := s.PutEndpoint(context.Background(), other); err == nil {
		t.Error("a second endpoint with a taken id was written")
	}
	sameEndpoint(t, mustGet(t, s, e.ProjectID, e.ID), e)
}

func updateEndpointReplacesOnlyAnExistingEndpoint(t *testing.T, s webhook.Store) {
	ctx := context.Background()
	e := newEndpoint(storetest.ID("p-"))
	mustPut(t, s, e)
	e.URL, e.Events, e.Enabled, e.Description = "https://example.com/v2", []string{webhook.WebhookDisabled}, false, ""
	if err := s.UpdateEndpoint(ctx, e); err != nil {
		t.Fatal(err)
	}
	sameEndpoint(t, mustGet(t, s, e.ProjectID, e.ID), e)

	missing := newEndpoint(e.ProjectID)
	if err := s.UpdateEndpoint(ctx, missing); !errors.Is(err, webhook.ErrNotFound) {
		t.Errorf("update of a missing endpoint: %v, want ErrNotFound", err)
	}
	if _, err := s.Endpoint(ctx, missing.ProjectID, missing.ID); !errors.Is(err, webhook.ErrNotFound) {
		t.Errorf("update created the missing endpoint: %v", err)
	}
}

func endpointsListsTheProjectsOwnByID(t *testing.T, s webhook.Store) {
	ctx := context.Background()
	projectID := storetest.ID("p-")
	var want []webhook.Endpoint
	for _, id := range []string{"wh_c", "wh_a", "wh_b"} {
		e := newEndpoint(projectID)
		e.ID = id
		mustPut(t, s, e)
		want = append(want, e)
	}
	want[0], want[1], want[2] = want[1], want[2], want[0]
	mustPut(t, s, newEndpoint(storetest.ID("p-")))
	got, err := s.Endpoints(ctx, projectID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("listed %d endpoints, want %d", len(got), len(want))
	}
	for i := range want {
		sameEndpoint(t, got[i], want[i])
	}
	none, err := s.Endpoints(ctx, storetest.ID("p-"))
	if err != nil || len(none) != 0 {
		t.Errorf("a project without endpoints lists %v, %v", none, err)
	}
}

func deleteEndpointRemovesItAndIgnoresAMissingOne(t *testing.T, s webhook.Store) {
	ctx := context.Background()
	e := newEndpoint(storetest.ID("p-"))
	mustPut(t, s, e)
	if err := s.DeleteEndpoint(ctx, e.ProjectID, e.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Endpoint(ctx, e.ProjectID, e.ID); !errors.Is(err, webhook.ErrNotFound) {
		t.Errorf("deleted endpoint read: %v, want ErrNotFound", err)
	}
	if err := s.DeleteEndpoint(ctx, e.ProjectID, e.ID); err != nil {
		t.Errorf("deleting a missing endpoint: %v", err)
	}
}

func disableEndpointDisablesOnceAndRecordsItsEvent(t *testing.T, s webhook.Store) {
	ctx := context.Background()
	e := newEndpoint(storetest.ID("p-"))
	mustPut(t, s, e)
	at := base().Add(time.Minute)
	ev, ref := webhook.DisabledEvent(e.ProjectID, e.ID, webhook.DisabledGone, at)
	ok, err := s.DisableEndpoint(ctx, e.ProjectID, e.ID, webhook.DisabledGone, ev, ref, webhook.EventTTL)
	if err != nil || !ok {
		t.Fatalf("disable: %v, %v; want true", ok, err)
	}
	got := mustGet(t, s, e.ProjectID, e.ID)
	if got.Enabled || got.DisabledEvent != ev.ID || got.DisabledReason != webhook.DisabledGone || !got.DisabledAt.Equal(at) {
		t.Errorf("disabled endpoint: %+v; want disabled, event %q, reason gone at %s", got, ev.ID, at)
	}
	if stored, err := s.FeedEvent(ctx, e.ProjectID, ref); err != nil || stored.ID != ev.ID || stored.Type != webhook.WebhookDisabled {
		t.Errorf("disabled event: %+v, %v", stored, err)
	}

	// Not enabled any more: a second disable records nothing.
	ev2, ref2 := webhook.DisabledEvent(e.ProjectID, e.ID, webhook.DisabledFailing, at.Add(time.Minute))
	ok, err = s.DisableEndpoint(ctx, e.ProjectID, e.ID, webhook.DisabledFailing, ev2, ref2, webhook.EventTTL)
	if err != nil || ok {
		t.Errorf("second disable: %v, %v; want false", ok, err)
	}
	if _, err := s.FeedEvent(ctx, e.ProjectID, ref2); !errors.Is(err, webhook.ErrEventNotFound) {
		t.Errorf("second disable recorded its event: %v", err)
	}
	if got := mustGet(t, s, e.ProjectID, e.ID); got.DisabledEvent != ev.ID || got.DisabledReason != webhook.DisabledGone || !got.DisabledAt.Equal(at) {
		t.Errorf("second disable changed the first's record: %+v", got)
	}

	missing := storetest.ID("wh_")
	ev3, ref3 := webhook.DisabledEvent(e.ProjectID, missing, webhook.DisabledGone, at)
	ok, err = s.DisableEndpoint(ctx, e.ProjectID, missing, webhook.DisabledGone, ev3, ref3, webhook.EventTTL)
	if err != nil || ok {
		t.Errorf("disable of a missing endpoint: %v, %v; want false", ok, err)
	}
	if _, err := s.FeedEvent(ctx, e.ProjectID, ref3); !errors.Is(err, webhook.ErrEventNotFound) {
		t.Errorf("disable of a missing endpoint recorded its event: %v", err)
	}
}

func disabledAnnouncedClearsOnlyItsEvent(t *testing.T, s webhook.Store) {
	ctx := context.Background()
	e := newEndpoint(storetest.ID("p-"))
	mustPut(t, s, e)
	ev, ref := webhook.DisabledEvent(e.ProjectID, e.ID, webhook.DisabledGone, base())
	if _, err := s.DisableEndpoint(ctx, e.ProjectID, e.ID, webhook.DisabledGone, ev, ref, webhook.EventTTL); err != nil {
		t.Fatal(err)
	}
	if err := s.DisabledAnnounced(ctx, e.ProjectID, e.ID, "evt_other"); err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, s, e.ProjectID, e.ID); got.DisabledEvent != ev.ID {
		t.Errorf("another event's announcement cleared %q", ev.ID)
	}
	if err := s.DisabledAnnounced(ctx, e.ProjectID, e.ID, ev.ID); err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, s, e.ProjectID, e.ID); got.DisabledEvent != "" || got.Enabled {
		t.Errorf("announced: disabled event %q, enabled %v; want none, false", got.DisabledEvent, got.Enabled)
	}
	if err := s.DisabledAnnounced(ctx, e.ProjectID, storetest.ID("wh_"), ev.ID); err != nil {
		t.Errorf("announcement for a missing endpoint: %v", err)
	}
}

func markSlowSetsUntilAndIgnoresAMissingEndpoint(t *testing.T, s webhook.Store) {
	ctx := context.Background()
	e := newEndpoint(storetest.ID("p-"))
	mustPut(t, s, e)
	until := base().Add(10 * time.Minute)
	if err := s.MarkSlow(ctx, e.ProjectID, e.ID, until); err != nil {
		t.Fatal(err)
	}
	e.SlowUntil = until
	sameEndpoint(t, mustGet(t, s, e.ProjectID, e.ID), e)
	missing := storetest.ID("wh_")
	if err := s.MarkSlow(ctx, e.ProjectID, missing, until); err != nil {
		t.Errorf("mark slow of a missing endpoint: %v", err)
	}
	if _, err := s.Endpoint(ctx, e.ProjectID, missing); !errors.Is(err, webhook.ErrNotFound) {
		t.Errorf("mark slow created a missing endpoint: %v", err)
	}
}

func lease(t *testing.T, s webhook.Store, e webhook.Endpoint, now, until time.Time) bool {
	t.Helper()
	ok, err := s.Lease(context.Background(), e.ProjectID, e.ID, now, until)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func leaseIsHeldUntilReleasedOrPast(t *testing.T, s webhook.Store) {
	ctx := context.Background()
	e := newEndpoint(storetest.ID("p-"))
	mustPut(t, s, e)
	now := base()
	until := now.Add(20 * time.Second)
	if !lease(t, s, e, now, until) {
		t.Fatal("a free lease was not taken")
	}
	if lease(t, s, e, now.Add(time.Second), now.Add(time.Minute)) {
		t.Error("a held lease was taken again")
	}
	if lease(t, s, e, until, until.Add(time.Minute)) {
		t.Error("a lease was taken at the instant it ends")
	}
	// Releasing another holder's lease leaves this one.
	if err := s.Release(ctx, e.ProjectID, e.ID, until.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if lease(t, s, e, now.Add(time.Second), now.Add(time.Minute)) {
		t.Error("a release of another lease freed the held one")
	}
	if err := s.Release(ctx, e.ProjectID, e.ID, until); err != nil {
		t.Fatal(err)
	}
	next := now.Add(2 * time.Second).Add(20 * time.Second)
	if !lease(t, s, e, now.Add(2*time.Second), next) {
		t.Error("a released lease was not taken")
	}
	// Past its end, a lease whose holder died is taken.
	if !lease(t, s, e, next.Add(time.Millisecond), next.Add(time.Minute)) {
		t.Error("a lease past its end was not taken")
	}
	missing := newEndpoint(e.ProjectID)
	if lease(t, s, missing, now, until) {
		t.Error("a missing endpoint was leased")
	}
	if err := s.Release(ctx, missing.ProjectID, missing.ID, until); err != nil {
		t.Errorf("release of a missing endpoint: %v", err)
	}
}

func concurrentLeasesHaveOneWinner(t *testing.T, s webhook.Store) {
	e := newEndpoint(storetest.ID("p-"))
	mustPut(t, s, e)
	now := base()
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	errs := make(chan error, 10)
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.Lease(context.Background(), e.ProjectID, e.ID, now, now.Add(time.Duration(20+i)*time.Second))
			if err != nil {
				errs <- err
				return
			}
			if ok {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if wins != 1 {
		t.Errorf("%d of 10 concurrent leases won, want 1", wins)
	}
}

func markFailingKeepsTheFirstFailureUntilCleared(t *testing.T, s webhook.Store) {
	ctx := context.Background()
	e := newEndpoint(storetest.ID("p-"))
	mustPut(t, s, e)
	first := base()
	for _, at := range []time.Time{first, first.Add(time.Minute)} {
		since, err := s.MarkFailing(ctx, e.ProjectID, e.ID, at)
		if err != nil || !since.Equal(first) {
			t.Errorf("failure at %v: failing since %v, %v; want %v", at, since, err, first)
		}
	}
	if got := mustGet(t, s, e.ProjectID, e.ID); !got.FailingSince.Equal(first) {
		t.Errorf("stored failing since %v, want %v", got.FailingSince, first)
	}
	if err := s.ClearFailing(ctx, e.ProjectID, e.ID); err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, s, e.ProjectID, e.ID); !got.FailingSince.IsZero() {
		t.Errorf("cleared endpoint failing since %v", got.FailingSince)
	}
	later := first.Add(time.Hour)
	if since, err := s.MarkFailing(ctx, e.ProjectID, e.ID, later); err != nil || !since.Equal(later) {
		t.Errorf("failure after a success: failing since %v, %v; want %v", since, err, later)
	}
	missing := storetest.ID("wh_")
	if since, err := s.MarkFailing(ctx, e.ProjectID, missing, later); err != nil || !since.Equal(later) {
		t.Errorf("failure of a missing endpoint: %v, %v; want %v", since, err, later)
	}
	if err := s.ClearFailing(ctx, e.ProjectID, missing); err != nil {
		t.Errorf("clear of a missing endpoint: %v", err)
	}
	if _, err := s.Endpoint(ctx, e.ProjectID, missing); !errors.Is(err, webhook.ErrNotFound) {
		t.Errorf("failure marks created a missing endpoint: %v", err)
	}
}

// expiringEvent is a tracking_number.expiring event of a fresh number,
// due at at.
func expiringEvent(projectID string, at time.Time) (webhook.Event, webhook.Ref) {
	return webhook.ExpiringEvent(webhook.Expiring{
		ProjectID: projectID, TrackingNumber: storetest.ID("30"), Carrier: "dhl", ExpiresAt: at.Add(webhook.ExpiringNotice),
	})
}

func putEvent(t *testing.T, s webhook.Store, ev webhook.Event, ref webhook.Ref, ttl time.Duration) {
	t.Helper()
	if err := s.PutEvent(context.Background(), ev, ref, ttl); err != nil {
		t.Fatal(err)
	}
}

func putEventIsReadBackOnceUnderItsRef(t *testing.T, s webhook.Store) {
	ctx := context.Background()
	projectID := storetest.ID("p-")
	ev, ref := expiringEvent(projectID, base())
	putEvent(t, s, ev, ref, webhook.EventTTL)
	putEvent(t, s, ev, ref, webhook.EventTTL)
	got, err := s.FeedEvent(ctx, projectID, ref)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != ev.ID || got.ID != ref.ID() || got.Type != ev.Type || got.ProjectID != projectID ||
		!got.CreatedAt.Equal(ev.CreatedAt) || string(got.Data) != string(ev.Data) {
		t.Errorf("event\n got %+v\nwant %+v", got, ev)
	}
	feed, err := s.FeedEvents(ctx, projectID, webhook.Ref{}, base().Add(-time.Hour), 10)
	if err != nil || len(feed) != 1 {
		t.Errorf("an event written twice is in the feed %d times (%v), want once", len(feed), err)
	}
	if _, err := s.FeedEvent(ctx, storetest.ID("p-"), ref); !errors.Is(err, webhook.ErrEventNotFound) {
		t.Errorf("another project's event: %v, want ErrEventNotFound", err)
	}
	other := ref
	other.At = other.At.Add(time.Second)
	if _, err := s.FeedEvent(ctx, projectID, other); !errors.Is(err, webhook.ErrEventNotFound) {
		t.Errorf("unknown event: %v, want ErrEventNotFound", err)
	}
}

func expiredEventsAreGone(t *testing.T, s webhook.Store) {
	ctx := context.Background()
	projectID := storetest.ID("p-")
	old, oldRef := expiringEvent(projectID, base().Add(-2*time.Hour))
	putEvent(t, s, old, oldRef, time.Hour)
	live, liveRef := expiringEvent(projectID, base())
	putEvent(t, s, live, liveRef, webhook.EventTTL)
	if _, err := s.FeedEvent(ctx, projectID, oldRef); !errors.Is(err, webhook.ErrEventNotFound) {
		t.Errorf("expired event: %v, want ErrEventNotFound", err)
	}
	feed, err := s.FeedEvents(ctx, projectID, webhook.Ref{}, base().Add(-24*time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(feed) != 1 || feed[0].ID != live.ID {
		t.Errorf("feed %v, want only the live event %s", ids(feed), live.ID)
	}
}

func ids(evs []webhook.Event) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = ev.ID
	}
	return out
}

func feedEventsAreOldestFirstFromSinceOrAfterARef(t *testing.T, s webhook.Store) {
	ctx := context.Background()
	projectID := storetest.ID("p-")
	start := base()
	refs := make([]webhook.Ref, 5)
	// Written out of order, of several subjects (so several partitions).
	for _, i := range []int{3, 0, 4, 1, 2} {
		ev, ref := expiringEvent(projectID, start.Add(time.Duration(i)*time.Minute))
		putEvent(t, s, ev, ref, webhook.EventTTL)
		refs[i] = ref
	}
	want := make([]string, len(refs))
	for i, ref := range refs {
		want[i] = ref.ID()
	}
	// Another project's events never show.
	other, otherRef := expiringEvent(storetest.ID("p-"), start.Add(30*time.Second))
	putEvent(t, s, other, otherRef, webhook.EventTTL)

	check := func(name string, after webhook.Ref, since time.Time, limit int, want []string) {
		t.Helper()
		got, err := s.FeedEvents(ctx, projectID, after, since, limit)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(ids(got)) != fmt.Sprint(want) {
			t.Errorf("%s:\n got %v\nwant %v", name, ids(got), want)
		}
	}
	check("all", webhook.Ref{}, start.Add(-time.Minute), 10, want)
	check("since an event's time, it included", webhook.Ref{}, start.Add(time.Minute), 10, want[1:])
	check("limited", webhook.Ref{}, start.Add(-time.Minute), 2, want[:2])
	check("after a ref, it excluded", refs[1], time.Time{}, 10, want[2:])
	check("after a ref, limited", refs[1], time.Time{}, 2, want[2:4])
	check("after the last", refs[4], time.Time{}, 10, nil)
}
