package webhook_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/input"
	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/memory"
	"github.com/parcelgate/parcelgate/internal/page"
	"github.com/parcelgate/parcelgate/internal/project"
	"github.com/parcelgate/parcelgate/internal/tag"
	"github.com/parcelgate/parcelgate/internal/tracking"
	"github.com/parcelgate/parcelgate/internal/webhook"
)

var (
	admin  = project.Caller{ClientID: "acme", PrincipalID: "ann"}
	viewer = project.Caller{ClientID: "acme", PrincipalID: "vic"}
)

// hosts answers lookups from a map.
type hosts map[string][]netip.Addr

func (h hosts) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if ips, ok := h[host]; ok {
		return ips, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

const hookURL = "https://hooks.example.com/parcelgate"

// serviceEnv is the webhook service over memory stores, for project p1
// (ann admin, vic viewer).
type serviceEnv struct {
	svc   webhook.Service
	store *memory.Webhooks
	jobs  *memory.Jobs
	queue *deliveries
	now   time.Time
}

func newServiceEnv(t *testing.T) *serviceEnv {
	t.Helper()
	ctx := context.Background()
	// The memory store expires events by the wall clock.
	e := &serviceEnv{store: &memory.Webhooks{}, jobs: memory.NewJobs(), queue: &deliveries{}, now: time.Now().UTC().Truncate(time.Second)}
	now := func() time.Time { return e.now }
	projects := project.Service{Store: &memory.Projects{}, Now: now, NewID: func() string { return "p1" }}
	m, err := projects.Create(ctx, admin, "Hooks")
	if err != nil {
		t.Fatal(err)
	}
	if err := projects.Store.PutMember(ctx, m.Project, project.Member{ProjectID: "p1", PrincipalID: viewer.PrincipalID, Role: project.Viewer, AddedAt: e.now}, ""); err != nil {
		t.Fatal(err)
	}
	n := 0
	e.svc = webhook.Service{Store: e.store, Expiry: &memory.Expiries{Associations: e.jobs.AllAssociations}, Queue: e.queue, Jobs: e.jobs, Projects: projects,
		Targets: webhook.Targets{Resolver: hosts{"hooks.example.com": {netip.MustParseAddr("93.184.216.34")}, "intranet.example.com": {netip.MustParseAddr("10.0.0.7")}}},
		Now:     now, NewID: func() string { n++; return fmt.Sprint(n) }}
	return e
}

func ptr[T any](v T) *T { return &v }

func (e *serviceEnv) create(t *testing.T, events ...string) webhook.Endpoint {
	t.Helper()
	ep, err := e.svc.Create(context.Background(), admin, "p1", webhook.Input{URL: ptr(hookURL), Events: &events})
	if err != nil {
		t.Fatal(err)
	}
	return ep
}

func TestCreateRegistersAnEnabledEndpointWithASecret(t *testing.T) {
	ctx := context.Background()
	e := newServiceEnv(t)
	ep, err := e.svc.Create(ctx, admin, "p1", webhook.Input{URL: ptr(hookURL), Events: &[]string{webhook.JobCompleted, webhook.TrackingUpdated, webhook.JobCompleted}, Description: ptr("ERP")})
	if err != nil {
		t.Fatal(err)
	}
	if ep.ID != "wh_1" || !ep.Enabled || !strings.HasPrefix(ep.Secret, webhook.SecretPrefix) || ep.Description != "ERP" ||
		strings.Join(ep.Events, ",") != "job.completed,tracking.updated" || !ep.CreatedAt.Equal(e.now) {
		t.Errorf("endpoint %+v", ep)
	}
	if got, err := e.svc.Get(ctx, admin, "p1", ep.ID); err != nil || got.Secret != ep.Secret {
		t.Errorf("Get: %+v, %v", got, err)
	}
	if list, err := e.svc.List(ctx, admin, "p1"); err != nil || len(list) != 1 {
		t.Errorf("List: %+v, %v", list, err)
	}
}

func TestBadEndpointInputIsRefused(t *testing.T) {
	tests := []struct {
		name  string
		in    webhook.Input
		field string
	}{
		{"no url", webhook.Input{Events: &[]string{webhook.JobCompleted}}, "url"},
		{"no events", webhook.Input{URL: ptr(hookURL)}, "events"},
		{"an empty list of events", webhook.Input{URL: ptr(hookURL), Events: &[]string{}}, "events"},
		{"an unknown event", webhook.Input{URL: ptr(hookURL), Events: &[]string{"parcel.teleported"}}, "events"},
		{"a plain http url", webhook.Input{URL: ptr("http://hooks.example.com/x"), Events: &[]string{webhook.JobCompleted}}, "url"},
		{"a host on a private network", webhook.Input{URL: ptr("https://intranet.example.com/x"), Events: &[]string{webhook.JobCompleted}}, "url"},
		{"a description too long", webhook.Input{URL: ptr(hookURL), Events: &[]string{webhook.JobCompleted}, Description: ptr(strings.Repeat("d", webhook.MaxDescription+1))}, "description"},
		{"a description that is not text", webhook.Input{URL: ptr(hookURL), Events: &[]string{webhook.JobCompleted}, Description: ptr("\xff")}, "description"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newServiceEnv(t)
			_, err := e.svc.Create(context.Background(), admin, "p1", tc.in)
			var bad *input.Error
			if !errors.As(err, &bad) || bad.Field != tc.field {
				t.Fatalf("Create: %v, want an input error on %s", err, tc.field)
			}
			if list, _ := e.svc.List(context.Background(), admin, "p1"); len(list) != 0 {
				t.Errorf("stored %+v", list)
			}
		})
	}
}

func TestAProjectHasAtMostMaxEndpoints(t *testing.T) {
	e := newServiceEnv(t)
	for range webhook.MaxEndpoints {
		e.create(t, webhook.JobCompleted)
	}
	_, err := e.svc.Create(context.Background(), admin, "p1", webhook.Input{URL: ptr(hookURL), Events: &[]string{webhook.JobCompleted}})
	var bad *input.Error
	if !errors.As(err, &bad) || !strings.Contains(bad.Message, "at most 20 endpoints") {
		t.Errorf("endpoint %d: %v, want refused", webhook.MaxEndpoints+1, err)
	}
}

func TestOnlyAnAdminManagesEndpoints(t *testing.T) {
	ctx := context.Background()
	e := newServiceEnv(t)
	ep := e.create(t, webhook.JobCompleted)
	calls := map[string]func() error{
		"Create": func() error {
			_, err := e.svc.Create(ctx, viewer, "p1", webhook.Input{URL: ptr(hookURL), Events: &[]string{webhook.JobCompleted}})
			return err
		},
		"List": func() error { _, err := e.svc.List(ctx, viewer, "p1"); return err },
		"Get":  func() error { _, err := e.svc.Get(ctx, viewer, "p1", ep.ID); return err },
		"Update": func() error {
			_, err := e.svc.Update(ctx, viewer, "p1", ep.ID, webhook.Input{Enabled: ptr(false)})
			return err
		},
		"Delete":   func() error { return e.svc.Delete(ctx, viewer, "p1", ep.ID) },
		"Rotate":   func() error { _, err := e.svc.Rotate(ctx, viewer, "p1", ep.ID); return err },
		"Attempts": func() error { _, err := e.svc.Attempts(ctx, viewer, "p1", ep.ID, page.Request{}); return err },
		"Replay":   func() error { return e.svc.Replay(ctx, viewer, "p1", ep.ID, "", e.now) },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, project.ErrForbidden) {
			t.Errorf("a viewer's %s: %v, want project.ErrForbidden", name, err)
		}
	}
	if _, err := e.svc.Feed(ctx, project.Caller{ClientID: "globex", PrincipalID: "olga"}, "p1", page.Request{}); !errors.Is(err, project.ErrNotFound) {
		t.Errorf("another client's Feed: %v, want project.ErrNotFound", err)
	}
}

func TestUpdateChangesOnlyWhatIsSent(t *testing.T) {
	ctx := context.Background()
	e := newServiceEnv(t)
	ep := e.create(t, webhook.JobCompleted)
	// The sender disabled it after days of failures.
	failed := ep
	failed.Enabled, failed.FailingSince, failed.DisabledReason, failed.DisabledAt = false, e.now.Add(-time.Hour), webhook.DisabledFailing, e.now
	if err := e.store.UpdateEndpoint(ctx, failed); err != nil {
		t.Fatal(err)
	}
	got, err := e.svc.Update(ctx, admin, "p1", ep.ID, webhook.Input{Events: &[]string{webhook.TrackingException}, Enabled: ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	if !got.Enabled || !got.FailingSince.IsZero() || got.DisabledReason != "" || !got.DisabledAt.IsZero() || got.URL != hookURL ||
		strings.Join(got.Events, ",") != webhook.TrackingException || got.Secret != ep.Secret {
		t.Errorf("updated %+v, want enabled afresh with the new events alone changed", got)
	}
	if _, err := e.svc.Update(ctx, admin, "p1", ep.ID, webhook.Input{URL: ptr("ftp://x")}); err == nil {
		t.Error("a bad url accepted")
	}
	if stored, _ := e.store.Endpoint(ctx, "p1", ep.ID); stored.URL != hookURL {
		t.Errorf("a refused update changed the url to %s", stored.URL)
	}
	if _, err := e.svc.Update(ctx, admin, "p1", "wh_404", webhook.Input{Enabled: ptr(true)}); !errors.Is(err, webhook.ErrNotFound) {
		t.Errorf("Update of no endpoint: %v", err)
	}
	var bad *input.Error
	if _, err := e.svc.Get(ctx, admin, "p1", strings.Repeat("w", webhook.MaxIDBytes+1)); !errors.As(err, &bad) {
		t.Errorf("Get of a too long id: %v, want an input error", err)
	}
}

func TestRotateKeepsTheOldSecretForTheOverlap(t *testing.T) {
	ctx := context.Background()
	e := newServiceEnv(t)
	ep := e.create(t, webhook.JobCompleted)
	got, err := e.svc.Rotate(ctx, admin, "p1", ep.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Secret == ep.Secret || got.PreviousSecret != ep.Secret || !got.PreviousSecretExpiresAt.Equal(e.now.Add(webhook.RotationOverlap)) {
		t.Errorf("rotated %+v", got)
	}
	if stored, _ := e.store.Endpoint(ctx, "p1", ep.ID); stored.Secret != got.Secret {
		t.Error("the new secret was not stored")
	}
}

func TestDeleteRemovesTheEndpoint(t *testing.T) {
	ctx := context.Background()
	e := newServiceEnv(t)
	ep := e.create(t, webhook.JobCompleted)
	if err := e.svc.Delete(ctx, admin, "p1", ep.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Get(ctx, admin, "p1", ep.ID); !errors.Is(err, webhook.ErrNotFound) {
		t.Errorf("Get after Delete: %v", err)
	}
	if err := e.svc.Delete(ctx, admin, "p1", ep.ID); !errors.Is(err, webhook.ErrNotFound) {
		t.Errorf("Delete again: %v", err)
	}
}

func (e *serviceEnv) finishJob(t *testing.T, id string, status job.Status) job.Job {
	t.Helper()
	j := job.Job{ID: id, ProjectID: "p1", ClientID: "acme", Action: job.Add, Status: status, CreatedAt: e.now, CompletedAt: e.now, ExpiresAt: e.now.Add(job.JobTTL), Counts: job.Counts{Total: 1, Added: 1}}
	if err := e.jobs.CreateJob(context.Background(), j, nil); err != nil {
		t.Fatal(err)
	}
	return j
}

func TestJobFinishedRecordsAndQueuesTheEventOfAnEndedJob(t *testing.T) {
	ctx := context.Background()
	e := newServiceEnv(t)
	done := e.finishJob(t, "job-1", job.Completed)
	e.finishJob(t, "job-2", job.InProgress)
	for _, id := range []string{"job-1", "job-2", "job-404", "job-1"} {
		if err := e.svc.JobFinished(ctx, id); err != nil {
			t.Fatalf("JobFinished %s: %v", id, err)
		}
	}
	ev, _ := webhook.JobEvent(done)
	tasks := e.queue.all()
	if len(tasks) != 2 || tasks[0] != (webhook.Task{Kind: webhook.KindEvent, ProjectID: "p1", EventID: ev.ID}) || tasks[1] != tasks[0] {
		t.Errorf("queued %+v, want job-1's event, once per call", tasks)
	}
	feed, err := e.svc.Feed(ctx, viewer, "p1", page.Request{Limit: 10})
	if err != nil || len(feed.Items) != 1 || feed.Items[0].ID != ev.ID || feed.NextCursor != ev.ID {
		t.Fatalf("feed %+v, %v; want job-1's event once", feed, err)
	}
	// Polling from the last event finds nothing newer and keeps the cursor.
	next, err := e.svc.Feed(ctx, viewer, "p1", page.Request{Limit: 10, Cursor: feed.NextCursor})
	if err != nil || len(next.Items) != 0 || next.NextCursor != ev.ID {
		t.Errorf("feed after the last event %+v, %v", next, err)
	}
	if _, err := e.svc.Feed(ctx, viewer, "p1", page.Request{Cursor: "evt_forged"}); !errors.Is(err, page.ErrBadCursor) {
		t.Errorf("feed after a forged cursor: %v, want page.ErrBadCursor", err)
	}
}

func TestReplayQueuesOneEventOrEverythingSince(t *testing.T) {
	ctx := context.Background()
	e := newServiceEnv(t)
	ep := e.create(t, webhook.JobCompleted)
	ev, _ := webhook.JobEvent(e.finishJob(t, "job-1", job.Completed))
	if err := e.svc.JobFinished(ctx, "job-1"); err != nil {
		t.Fatal(err)
	}
	e.queue.all()
	if err := e.svc.Replay(ctx, admin, "p1", ep.ID, ev.ID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	since := e.now.Add(-time.Hour)
	if err := e.svc.Replay(ctx, admin, "p1", ep.ID, "", since); err != nil {
		t.Fatal(err)
	}
	want := []webhook.Task{
		{Kind: webhook.KindDelivery, ProjectID: "p1", WebhookID: ep.ID, EventID: ev.ID, Attempt: 1},
		{Kind: webhook.KindReplay, ProjectID: "p1", WebhookID: ep.ID, Since: since},
	}
	if got := e.queue.all(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("queued %+v\nwant %+v", got, want)
	}
	unknown, _ := webhook.JobEvent(job.Job{ID: "job-404", ProjectID: "p1", CompletedAt: e.now})
	var bad *input.Error
	if err := e.svc.Replay(ctx, admin, "p1", ep.ID, "evt_forged", time.Time{}); !errors.As(err, &bad) || bad.Field != "eventId" {
		t.Errorf("Replay of a forged id: %v", err)
	}
	if err := e.svc.Replay(ctx, admin, "p1", ep.ID, unknown.ID, time.Time{}); !errors.Is(err, webhook.ErrEventNotFound) {
		t.Errorf("Replay of no event: %v", err)
	}
	if _, err := e.svc.Update(ctx, admin, "p1", ep.ID, webhook.Input{Enabled: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Replay(ctx, admin, "p1", ep.ID, "", since); !errors.As(err, &bad) || bad.Field != "webhookId" {
		t.Errorf("Replay to a disabled endpoint: %v", err)
	}
	if q := e.queue.all(); len(q) != 0 {
		t.Errorf("refused replays queued %+v", q)
	}
	if got, err := e.svc.Attempts(ctx, admin, "p1", ep.ID, page.Request{}); err != nil || len(got.Items) != 0 {
		t.Errorf("Attempts: %+v, %v", got, err)
	}
}

func TestTrackingUpdatedQueuesEachChangesEventsForEachProject(t *testing.T) {
	e := newServiceEnv(t)
	moved := tracking.Change{TrackingNumber: "1Z999AA10123456784", Carrier: "ups", Sequence: 2, At: e.now, PreviousStatus: "picked_up",
		Event: tracking.Event{Status: "in_transit", Tag: tag.InTransit}}
	stuck := tracking.Change{TrackingNumber: "1Z999AA10123456784", Carrier: "ups", Sequence: 3, At: e.now.Add(time.Second),
		Event: tracking.Event{Status: "held", Tag: tag.Exception}, PreviousTag: tag.InTransit}
	both := []string{webhook.TrackingUpdated, webhook.TrackingException}
	for _, ep := range []webhook.Endpoint{{ID: "wh_1", ProjectID: "p1", Events: both, Enabled: true}, {ID: "wh_2", ProjectID: "p2", Events: both, Enabled: true}} {
		if err := e.store.PutEndpoint(context.Background(), ep); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.svc.TrackingUpdated(context.Background(), []string{"p1", "p2"}, []tracking.Change{moved, stuck}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, task := range e.queue.all() {
		ref, err := webhook.ParseEventID(task.EventID)
		if err != nil || task.Kind != webhook.KindDelivery || task.Attempt != 1 {
			t.Fatalf("queued %+v, %v", task, err)
		}
		got = append(got, fmt.Sprintf("%s %s %d", task.ProjectID, ref.Type, ref.Sequence))
	}
	want := "p1 tracking.updated 2|p1 tracking.updated 3|p1 tracking.exception 3|p2 tracking.updated 2|p2 tracking.updated 3|p2 tracking.exception 3"
	if strings.Join(got, "|") != want {
		t.Errorf("queued %s\nwant %s", strings.Join(got, "|"), want)
	}
}

func TestCheckExpiringRecordsEachDueExpiryOnce(t *testing.T) {
	ctx := context.Background()
	e := newServiceEnv(t)
	soon, later := e.now.Add(24*time.Hour), e.now.Add(10*24*time.Hour)
	if _, err := e.jobs.AddAssociations(ctx, []job.Association{
		{ProjectID: "p1", TrackingNumber: "1Z999AA10123456784", Carrier: "ups", AddedAt: soon.Add(-job.AssociationTTL), ExpiresAt: soon},
		{ProjectID: "p1", TrackingNumber: "3000000009", Carrier: "dhl", AddedAt: later.Add(-job.AssociationTTL), ExpiresAt: later},
	}); err != nil {
		t.Fatal(err)
	}
	n, err := e.svc.CheckExpiring(ctx)
	if err != nil || n != 1 {
		t.Fatalf("CheckExpiring: %d, %v; want the one due", n, err)
	}
	ev, _ := webhook.ExpiringEvent(webhook.Expiring{ProjectID: "p1", TrackingNumber: "1Z999AA10123456784", Carrier: "ups", ExpiresAt: soon})
	if tasks := e.queue.all(); len(tasks) != 1 || tasks[0].EventID != ev.ID {
		t.Errorf("queued %+v, want the expiring event", tasks)
	}
	if _, err := e.store.FeedEvent(ctx, "p1", mustRef(t, ev.ID)); err != nil {
		t.Errorf("the expiring event is not in the feed: %v", err)
	}
	if n, err := e.svc.CheckExpiring(ctx); err != nil || n != 0 {
		t.Errorf("a second check: %d, %v; want nothing due", n, err)
	}
}

func mustRef(t *testing.T, id string) webhook.Ref {
	t.Helper()
	ref, err := webhook.ParseEventID(id)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}
