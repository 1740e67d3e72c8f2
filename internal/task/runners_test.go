package task_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/data"
	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/memory"
	"github.com/parcelgate/parcelgate/internal/task"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

// ups is a valid UPS number.
const ups = "1Z999AA10123456784"

// dhl is a valid DHL number.
func dhl(i int) string {
	base := 300000000 + i
	return fmt.Sprintf("%09d%d", base, base%7)
}

// runnerEnv holds a project's shipment records, subscriptions and
// tracking events in memory, and the runners over them.
type runnerEnv struct {
	shipment *data.Entity
	records  *memory.Records
	data     data.Service
	jobs     *memory.Jobs
	tracking *memory.Tracking
	runners  map[string]task.Runner
	now      time.Time
}

func newRunnerEnv(t *testing.T) *runnerEnv {
	t.Helper()
	e := &runnerEnv{records: &memory.Records{}, jobs: memory.NewJobs(), tracking: &memory.Tracking{}, now: clock}
	e.shipment, _ = data.DefaultCatalog.Entity("shipment")
	now := func() time.Time { return e.now }
	e.data = data.Service{Store: e.records, Catalog: data.DefaultCatalog, Now: now, NewID: func() string { return "x" }}
	e.runners = task.Runners(e.entity, e.records, e.jobs, e.tracking, e.data, now)
	return e
}

// entity is the runners' shipment entity.
func (e *runnerEnv) entity() *data.Entity { return e.shipment }

func (e *runnerEnv) ship(t *testing.T, code string, values map[string]any) {
	t.Helper()
	if _, err := e.data.Create(context.Background(), "p1", e.shipment, data.Write{Code: code, Values: values}); err != nil {
		t.Fatal(err)
	}
}

// run runs every page of code and returns the summed counts and pages.
func (e *runnerEnv) run(t *testing.T, code string) (task.Counts, int) {
	t.Helper()
	tk := task.Task{ID: "t1", ProjectID: "p1", Code: code}
	var sum task.Counts
	for pages := 1; ; pages++ {
		c, next, err := e.runners[code](context.Background(), tk)
		if err != nil {
			t.Fatal(err)
		}
		sum = task.Counts{Read: sum.Read + c.Read, Changed: sum.Changed + c.Changed, Skipped: sum.Skipped + c.Skipped}
		if next == "" {
			return sum, pages
		}
		tk.Cursor = next
	}
}

func TestRenewSubscriptionsRenewsTheNumbersOfUndeliveredShipments(t *testing.T) {
	ctx := context.Background()
	e := newRunnerEnv(t)
	// s1 and s2 share a number subscribed long ago, s3's subscription
	// expired, s4 is delivered, s5 has no number and s6 an invalid one.
	e.ship(t, "s1", map[string]any{"trackingNumber": ups})
	e.ship(t, "s2", map[string]any{"trackingNumber": ups, data.FieldStatus: "in_transit"})
	e.ship(t, "s3", map[string]any{"trackingNumber": dhl(3)})
	e.ship(t, "s4", map[string]any{"trackingNumber": dhl(4), data.FieldStatus: "Delivered"})
	e.ship(t, "s5", map[string]any{"carrier": "ups"})
	e.ship(t, "s6", map[string]any{"trackingNumber": "1234567890"})
	old := clock.Add(-30 * 24 * time.Hour)
	if _, err := e.jobs.AddAssociations(ctx, []job.Association{
		{ProjectID: "p1", TrackingNumber: ups, Carrier: "ups", AddedAt: old, ExpiresAt: old.Add(job.AssociationTTL)},
		{ProjectID: "p1", TrackingNumber: dhl(3), Carrier: "dhl", AddedAt: old.Add(-job.AssociationTTL), ExpiresAt: old},
	}); err != nil {
		t.Fatal(err)
	}
	got, _ := e.run(t, task.CodeRenewSubscriptions)
	if want := (task.Counts{Read: 6, Changed: 2, Skipped: 3}); got != want {
		t.Errorf("counts %+v, want %+v", got, want)
	}
	as, err := e.jobs.Associations(ctx, "p1", []string{ups, dhl(3), dhl(4)})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{ups, dhl(3)} {
		if a := as[n]; !a.ExpiresAt.Equal(clock.Add(job.AssociationTTL)) {
			t.Errorf("%s expires %s, want %s", n, a.ExpiresAt, clock.Add(job.AssociationTTL))
		}
	}
	if _, ok := as[dhl(4)]; ok {
		t.Errorf("the delivered shipment's number was subscribed")
	}
}

func TestRenewSubscriptionsGoesPageByPage(t *testing.T) {
	e := newRunnerEnv(t)
	for i := range 150 {
		e.ship(t, fmt.Sprintf("s%03d", i), map[string]any{"trackingNumber": dhl(i)})
	}
	got, pages := e.run(t, task.CodeRenewSubscriptions)
	if got != (task.Counts{Read: 150, Changed: 150}) || pages != 2 {
		t.Errorf("counts %+v in %d pages, want all 150 in 2", got, pages)
	}
}

func TestRefreshShipmentsFollowsTheNewestEvents(t *testing.T) {
	ctx := context.Background()
	e := newRunnerEnv(t)
	at := "2026-12-06T10:00:00.123456789Z"
	if err := e.tracking.PutEvents(ctx, map[string][]tracking.Event{
		ups:    {{Status: "picked_up", Datetime: "2026-12-05T08:00:00Z"}, {Status: "in_transit", Datetime: at}},
		dhl(1): {{Status: "delivered", Datetime: "2026-12-06T09:00:00Z"}},
	}); err != nil {
		t.Fatal(err)
	}
	atTime, _ := tracking.ParseDatetime(at)
	e.ship(t, "behind", map[string]any{"trackingNumber": ups, data.FieldStatus: "picked_up"})
	e.ship(t, "current", map[string]any{"trackingNumber": dhl(1), data.FieldStatus: "delivered", data.FieldStatusDate: time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)})
	e.ship(t, "untracked", map[string]any{"trackingNumber": dhl(2)})
	e.ship(t, "numberless", map[string]any{"carrier": "dhl"})
	got, _ := e.run(t, task.CodeRefreshShipments)
	if want := (task.Counts{Read: 4, Changed: 1, Skipped: 2}); got != want {
		t.Errorf("counts %+v, want %+v", got, want)
	}
	rec, err := e.data.Get(ctx, "p1", e.shipment, "behind")
	if err != nil {
		t.Fatal(err)
	}
	if date, _ := rec.Values[data.FieldStatusDate].(time.Time); rec.Values[data.FieldStatus] != "in_transit" || !date.Equal(atTime.Truncate(100*time.Nanosecond)) {
		t.Errorf("shipment %v, want in_transit at %s (at srvDateUTC's resolution)", rec.Values, at)
	}
	if again, _ := e.run(t, task.CodeRefreshShipments); again.Changed != 0 {
		t.Errorf("a second run changed %d shipments", again.Changed)
	}
}

// racing is the shipments' store seen by refreshShipments: each update
// first finds the record changed by someone else (as many times as
// changes says), or gone.
type racing struct {
	task.Shipments
	changes int
	gone    bool
	updates int
}

func (r *racing) Update(ctx context.Context, projectID string, e *data.Entity, code string, w data.Write, ifMatch time.Time) (data.Record, error) {
	r.updates++
	switch {
	case r.gone:
		return data.Record{}, data.ErrNotFound
	case r.changes > 0:
		r.changes--
		return data.Record{}, data.ErrChanged
	}
	return r.Shipments.Update(ctx, projectID, e, code, w, ifMatch)
}

func TestRefreshShipmentsRetriesAShipmentChangedMeanwhile(t *testing.T) {
	tests := []struct {
		name    string
		shop    racing
		changed int
		skipped int
		err     error
		updates int
	}{
		{"changed once, then refreshed", racing{changes: 1}, 1, 0, nil, 2},
		{"deleted meanwhile", racing{gone: true}, 0, 1, nil, 1},
		{"changed on every attempt", racing{changes: 99}, 0, 0, data.ErrChanged, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			e := newRunnerEnv(t)
			if err := e.tracking.PutEvents(ctx, map[string][]tracking.Event{ups: {{Status: "in_transit", Datetime: "2026-12-06T10:00:00Z"}}}); err != nil {
				t.Fatal(err)
			}
			e.ship(t, "s1", map[string]any{"trackingNumber": ups})
			shop := tc.shop
			shop.Shipments = e.data
			run := task.Runners(e.entity, e.records, e.jobs, e.tracking, &shop, func() time.Time { return e.now })[task.CodeRefreshShipments]
			got, _, err := run(ctx, task.Task{ProjectID: "p1"})
			if !errors.Is(err, tc.err) || got.Changed != tc.changed || got.Skipped != tc.skipped || shop.updates != tc.updates {
				t.Errorf("counts %+v, %v after %d updates; want %d changed, %d skipped, %v after %d", got, err, shop.updates, tc.changed, tc.skipped, tc.err, tc.updates)
			}
		})
	}
}

// brokenRecords fails every read.
type brokenRecords struct{}

var errRead = errors.New("records unavailable")

func (brokenRecords) ReadRecords(context.Context, data.Read) ([]data.Record, string, error) {
	return nil, "", errRead
}

func TestRunnersReportAFailedRead(t *testing.T) {
	e := newRunnerEnv(t)
	for code, run := range task.Runners(e.entity, brokenRecords{}, e.jobs, e.tracking, e.data, time.Now) {
		if _, _, err := run(context.Background(), task.Task{ProjectID: "p1"}); !errors.Is(err, errRead) {
			t.Errorf("%s: %v, want the read's error", code, err)
		}
	}
}
