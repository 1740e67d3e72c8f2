package systemtest

import (
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/apitest"
	"github.com/parcelgate/parcelgate/internal/calendar"
)

// parcelNews counts the tracking.stalled and tracking.late deliveries a
// receiver got, once every queue has settled.
func parcelNews(rc *receiver, atLeast int) (stalled, late []delivery) {
	rc.t.Helper()
	for _, d := range rc.await(atLeast) {
		switch d.Type {
		case "tracking.stalled":
			stalled = append(stalled, d)
		case "tracking.late":
			late = append(late, d)
		default:
			rc.t.Fatalf("unexpected delivery %+v", d)
		}
	}
	return stalled, late
}

// holidayFree reports whether the days from from on are business days
// but for weekends.
func holidayFree(cal calendar.Calendar, from time.Time, days int) bool {
	for d := range days {
		day := from.AddDate(0, 0, d)
		if day.Weekday() != time.Saturday && day.Weekday() != time.Sunday && !cal.IsBusinessDay(day) {
			return false
		}
	}
	return true
}

// sweepAt moves the clock to at and runs the sweeper twice: what it
// announces, it announces once whatever the runs.
func sweepAt(t *testing.T, e *apitest.Env, at time.Time) {
	t.Helper()
	e.Advance(at.Sub(e.Clock()))
	sweepNow(t, e)
	sweepNow(t, e)
}

func TestParcelStalledOncePerStallAndLateOnce(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	// A Monday 09:00 UTC starting two weeks without German holidays (a
	// DHL number, domestic: 3 business days without an event is a stall).
	now := e.Clock()
	monday := time.Date(now.Year(), now.Month(), now.Day(), 9, 0, 0, 0, time.UTC)
	for monday.Weekday() != time.Monday || !holidayFree(calendar.For("DE"), monday, 14) {
		monday = monday.AddDate(0, 0, 1)
	}
	e.Advance(monday.Sub(now))
	id, secret := e.Principal(t, "acme")
	token := e.TokenFor(t, id, secret)
	p := createProject(t, e, token, "stalls")
	rc := newReceiver(t, nil)
	rc.clockMoved = true
	registerWebhook(t, e, token, p.ProjectID, rc, "tracking.stalled", "tracking.late")
	n := dhl(930)
	completeJob(t, e, token, p.ProjectID, n)
	inject(t, e, token, "s1", event(n, "picked_up", "", "Hub", monday.Format(time.RFC3339)))
	var res struct {
		Estimated struct {
			Latest time.Time `json:"latest"`
		} `json:"estimated_delivery"`
	}
	e.Call(t, "GET", "/v1/tracking/"+n, "", nil).Want(t, 200).JSON(t, &res)
	latest := res.Estimated.Latest
	if !latest.After(monday) {
		t.Fatalf("first estimate's latest %s, want after the pick-up %s", latest, monday)
	}
	lateBy := func(at time.Time) int {
		if at.Before(latest) {
			return 0
		}
		return 1
	}
	want := func(at time.Time, stalled int) []delivery {
		t.Helper()
		s, l := parcelNews(rc, stalled+lateBy(at))
		if len(s) != stalled || len(l) != lateBy(at) {
			t.Fatalf("at %s: %d stalled, %d late delivered; want %d, %d (latest %s)", at, len(s), len(l), stalled, lateBy(at), latest)
		}
		return s
	}

	thursday := monday.AddDate(0, 0, 3)
	sweepAt(t, e, thursday.Add(-time.Minute))
	want(e.Clock(), 0)
	sweepAt(t, e, thursday)
	first := want(e.Clock(), 1)[0]
	if first.Data["trackingNumber"] != n || first.Data["projectId"] != p.ProjectID || first.Data["carrier"] != "dhl" ||
		first.Data["tag"] != "InTransit" || !dataTime(first.Data["stalledAt"]).Equal(thursday) || !dataTime(first.Data["lastEventAt"]).Equal(monday) {
		t.Fatalf("stalled delivery %+v", first)
	}

	// A new event on Friday clears the stall; the next is three business
	// days on, on Wednesday, with an id of its own.
	friday := monday.AddDate(0, 0, 4).Add(-time.Hour)
	e.Advance(friday.Sub(e.Clock()))
	token = e.TokenFor(t, id, secret)
	inject(t, e, token, "s2", event(n, "in_transit", "", "Hub", friday.Format(time.RFC3339)))
	wednesday := friday.AddDate(0, 0, 5)
	sweepAt(t, e, wednesday.Add(-time.Minute))
	want(e.Clock(), 1)
	sweepAt(t, e, wednesday)
	stalls := want(e.Clock(), 2)
	if stalls[1].ID == first.ID || !dataTime(stalls[1].Data["stalledAt"]).Equal(wednesday) {
		t.Fatalf("second stall %+v, first %+v", stalls[1], first)
	}

	// Long after both: nothing more, and the lateness was told once, at
	// the first estimate's latest.
	end := latest.Add(10 * 24 * time.Hour)
	if end.Before(wednesday) {
		end = wednesday.AddDate(0, 0, 10)
	}
	sweepAt(t, e, end)
	_, late := parcelNews(rc, 3)
	if len(late) != 1 || !dataTime(late[0].Data["latest"]).Equal(latest) || late[0].Data["trackingNumber"] != n {
		t.Fatalf("late deliveries %+v, want one at %s", late, latest)
	}
	if got := len(rc.deliveries()); got != 3 {
		t.Fatalf("%d deliveries, want 3: %+v", got, rc.deliveries())
	}
}
