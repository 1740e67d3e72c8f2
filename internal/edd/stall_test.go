package edd_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/carrier"
	"github.com/parcelgate/parcelgate/internal/edd"
	"github.com/parcelgate/parcelgate/internal/memory"
	"github.com/parcelgate/parcelgate/internal/tag"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

// parcelFake is one parcel's resource, changed by the test.
type parcelFake struct{ r tracking.Resource }

func (p *parcelFake) Get(context.Context, string, int) (tracking.Resource, error) { return p.r, nil }

func (p *parcelFake) event(t tag.Tag, at time.Time) {
	p.r.Tag = t
	p.r.Details = append([]tracking.Event{{Tag: t, At: at}}, p.r.Details...)
}

type followers []string

func (f followers) Subscribers(_ context.Context, numbers []string, _ time.Time) (map[string][]string, error) {
	out := map[string][]string{}
	for _, n := range numbers {
		out[n] = f
	}
	return out, nil
}

type announced struct{ stalled, late []edd.Watch }

func (a *announced) Stalled(_ context.Context, _ []string, w edd.Watch) error {
	a.stalled = append(a.stalled, w)
	return nil
}

func (a *announced) Late(_ context.Context, _ []string, w edd.Watch) error {
	a.late = append(a.late, w)
	return nil
}

type watchFixture struct {
	t      *testing.T
	parcel *parcelFake
	said   *announced
	w      edd.Watcher
	now    time.Time
}

// monday is a Monday morning with no holiday in the week around it.
var monday = time.Date(2026, 9, 14, 9, 0, 0, 0, time.UTC)

func newWatchFixture(t *testing.T, dest string) *watchFixture {
	f := &watchFixture{t: t, said: &announced{}, now: monday,
		parcel: &parcelFake{r: tracking.Resource{Shipment: tracking.Shipment{TrackingNumber: "1Z0001", Carrier: carrier.UPS,
			CustomAttributes: map[string]any{edd.AttrOriginCountry: "US", edd.AttrDestinationCountry: dest}}}}}
	f.w = edd.Watcher{Store: &memory.Watches{}, Service: edd.Service{Store: &memory.Edd{}, Resources: f.parcel},
		Subscribers: followers{"p1"}, Announcer: f.said, Now: func() time.Time { return f.now }}
	return f
}

func (f *watchFixture) event(t tag.Tag) {
	f.t.Helper()
	f.parcel.event(t, f.now)
	if err := f.w.Touch(context.Background(), "1Z0001", []string{"p1"}); err != nil {
		f.t.Fatal(err)
	}
}

// checkAt moves the clock to d after monday and checks.
func (f *watchFixture) checkAt(d time.Duration) {
	f.t.Helper()
	f.now = monday.Add(d)
	if _, err := f.w.Check(context.Background()); err != nil {
		f.t.Fatal(err)
	}
}

func (f *watchFixture) want(stalled, late int) {
	f.t.Helper()
	if len(f.said.stalled) != stalled || len(f.said.late) != late {
		f.t.Fatalf("at %s: %d stalled, %d late announced; want %d, %d", f.now, len(f.said.stalled), len(f.said.late), stalled, late)
	}
}

func (f *watchFixture) wantStalled(n int) {
	f.t.Helper()
	if len(f.said.stalled) != n {
		f.t.Fatalf("at %s: %d stalled announced, want %d", f.now, len(f.said.stalled), n)
	}
}

const day = 24 * time.Hour

func TestStalledOncePerStallAndAgainAfterANewEvent(t *testing.T) {
	// (Its first estimate's latest passes meanwhile: lateness is another test's.)
	f := newWatchFixture(t, "US")
	f.event(tag.InTransit) // Monday: domestic, stalled after 3 business days
	f.checkAt(3*day - time.Minute)
	f.wantStalled(0)
	f.checkAt(3 * day)
	f.wantStalled(1)
	if got := f.said.stalled[0]; !got.StallAt.Equal(monday.Add(3*day)) || got.Tag != tag.InTransit || !got.LastEventAt.Equal(monday) {
		t.Fatalf("stall announced as %+v", got)
	}
	f.checkAt(3*day + time.Hour)
	f.wantStalled(1)
	// A new event on Friday clears the stall: the next is 3 business
	// days on, over the weekend (Wednesday).
	f.now = monday.Add(4 * day)
	f.event(tag.InTransit)
	f.checkAt(8*day - time.Minute)
	f.wantStalled(1)
	f.checkAt(9 * day)
	f.wantStalled(2)
	if !f.said.stalled[1].StallAt.Equal(monday.Add(9 * day)) {
		t.Fatalf("second stall at %s, want Wednesday %s", f.said.stalled[1].StallAt, monday.Add(9*day))
	}
}

func TestStallThresholdsByTagAndBorder(t *testing.T) {
	for _, tc := range []struct {
		dest string
		tag  tag.Tag
		days int
	}{{"US", tag.InTransit, 3}, {"CA", tag.InTransit, 5}, {"US", tag.InfoReceived, 4}, {"CA", tag.InfoReceived, 4}} {
		p := edd.Parcel{Carrier: carrier.UPS, Origin: "US", Destination: tc.dest}
		if got := edd.StallAfter(p, tc.tag, nil); got != time.Duration(tc.days)*day {
			t.Errorf("%s to %s: %s, want %d business days", tc.tag, tc.dest, got, tc.days)
		}
	}
}

func TestLateOnceAtTheFirstLatest(t *testing.T) {
	f := newWatchFixture(t, "US")
	f.event(tag.InfoReceived)
	first, _, _ := f.w.Store.GetWatch(context.Background(), "1Z0001")
	if first.LateAt.IsZero() {
		t.Fatal("no latest kept from the first estimate")
	}
	// Events every day keep the parcel from stalling; the first latest
	// stays whatever later estimates say.
	for d := time.Duration(1); ; d++ {
		f.now = monday.Add(d * day)
		if !f.now.Before(first.LateAt.Add(2 * day)) {
			break
		}
		f.event(tag.InTransit)
		f.checkAt(d * day)
	}
	f.checkAt(f.now.Sub(monday) + time.Hour)
	f.want(0, 1)
	if !f.said.late[0].LateAt.Equal(first.LateAt) {
		t.Fatalf("late at %s, want the first latest %s", f.said.late[0].LateAt, first.LateAt)
	}
}

func TestDeliveredParcelIsNoLongerWatched(t *testing.T) {
	f := newWatchFixture(t, "US")
	f.event(tag.InTransit)
	f.now = monday.Add(time.Hour)
	f.event(tag.Delivered)
	f.checkAt(30 * day)
	f.want(0, 0)
	if _, ok, _ := f.w.Store.GetWatch(context.Background(), "1Z0001"); ok {
		t.Fatal("a delivered parcel's watch is kept")
	}
}

func TestUnfollowedParcelIsForgotten(t *testing.T) {
	f := newWatchFixture(t, "US")
	f.event(tag.InTransit)
	f.w.Subscribers = followers{}
	f.checkAt(10 * day)
	f.want(0, 0)
	if _, ok, _ := f.w.Store.GetWatch(context.Background(), "1Z0001"); ok {
		t.Fatal("a parcel nobody follows is still watched")
	}
}

func TestOlderEventChangesNothing(t *testing.T) {
	f := newWatchFixture(t, "US")
	f.now = monday.Add(day)
	f.event(tag.InTransit)
	before, _, _ := f.w.Store.GetWatch(context.Background(), "1Z0001")
	f.parcel.r.Details = append(f.parcel.r.Details, tracking.Event{Tag: tag.InfoReceived, At: monday})
	if err := f.w.Touch(context.Background(), "1Z0001", []string{"p1"}); err != nil {
		t.Fatal(err)
	}
	after, _, _ := f.w.Store.GetWatch(context.Background(), "1Z0001")
	if !reflect.DeepEqual(after, before) {
		t.Fatalf("an older event moved the watch: %+v, was %+v", after, before)
	}
}
