package systemtest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/apitest"
)

func eddEvent(number, status, tag string, at time.Time) msg {
	return msg{MessageType: "TrackingEvent", ExternalReference: "ev-" + status,
		Payload: map[string]any{"trackingNumber": number, "status": status, "tag": tag, "datetime": at.UTC().Format(time.RFC3339)}}
}

// A project's deliveries teach the estimate of its next parcel, over the
// wire: before them the resource's estimate comes from the standard
// table (low confidence); after 31 deliveries on the lane, 30 business
// hours each from pick-up (one reported twice, one delivered again after
// an exception), the parcel's next status change is estimated from the
// lane, the resource and the page show that estimate as told; the
// carrier's own date is kept beside it.
func TestEddEstimateLearnedFromTheProjectsDeliveries(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	id, secret := e.Principal(t, "acme")
	token := e.TokenFor(t, id, secret)
	p := createProject(t, e, token, "edd")
	var done []string
	for i := range 31 {
		done = append(done, dhl(2400+i))
	}
	next := dhl(2499)
	completeJob(t, e, token, p.ProjectID, append(done, next)...)

	// Mondays to Tuesdays in DE, 09:00 to 15:00 the next day: 30 business hours.
	monday := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	var msgs []msg
	for i, n := range done {
		pickup := monday.AddDate(0, 0, 7*(i%4))
		msgs = append(msgs, eddEvent(n, "picked_up", "InTransit", pickup), eddEvent(n, "delivered", "Delivered", pickup.Add(30*time.Hour)))
	}
	msgs = append(msgs, eddEvent(done[0], "delivered", "Delivered", monday.Add(30*time.Hour))) // reported twice
	now := e.Clock()
	withDate := eddEvent(next, "picked_up", "InTransit", now.Add(-time.Minute))
	withDate.Payload.(map[string]any)["estimatedDelivery"] = "2026-12-10"
	msgs = append(msgs, withDate)

	inject(t, e, token, "EDD-NEXT", msgs[len(msgs)-1])
	before := estimate(t, e, next)
	if before["basis"] != "standard" || before["confidence"] != "low" {
		t.Fatalf("estimate before any delivery %v, want the standard table's", before)
	}
	inject(t, e, token, "EDD-HISTORY", msgs[:len(msgs)-1]...)
	inject(t, e, token, "EDD-AGAIN", eddEvent(done[1], "refused", "Exception", monday.Add(31*time.Hour)),
		eddEvent(done[1], "delivered_again", "Delivered", monday.Add(40*time.Hour)))
	if kept := estimate(t, e, next); kept["basis"] != "standard" {
		t.Fatalf("estimate %v before the parcel's next change, want the one told with its last (the standard table's)", kept)
	}
	inject(t, e, token, "EDD-HUB", eddEvent(next, "at_hub", "InTransit", now))
	after := estimate(t, e, next)
	if after["basis"] != "lane" || after["confidence"] != "medium" {
		t.Fatalf("estimate after 31 deliveries and a status change %v, want the lane's, medium", after)
	}
	var times []time.Time
	for _, k := range []string{"earliest", "likely", "latest"} {
		at, err := time.Parse(time.RFC3339, fmt.Sprint(after[k]))
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		times = append(times, at)
	}
	if times[0].Before(now.Add(-time.Second)) || times[1].Before(times[0]) || times[2].Before(times[1]) {
		t.Fatalf("estimate %v: in the past or out of order (now %s)", after, now)
	}
	var body struct {
		Carrier *string `json:"carrier_estimated_delivery"`
	}
	e.Call(t, "GET", "/v1/tracking/"+next, "", nil).Want(t, 200).JSON(t, &body)
	if body.Carrier == nil || *body.Carrier != "2026-12-10" {
		t.Fatalf("carrier_estimated_delivery %v, want the carrier's 2026-12-10", body.Carrier)
	}
	if cal := e.Call(t, "GET", "/track/"+next, "", nil).Want(t, 200); !strings.Contains(string(cal.Body), "Expected delivery") {
		t.Fatalf("tracking page without the estimate:\n%s", cal.Body)
	}
}

func estimate(t *testing.T, e *apitest.Env, number string) map[string]any {
	t.Helper()
	var body struct {
		EstimatedDelivery map[string]any `json:"estimated_delivery"`
	}
	e.Call(t, "GET", "/v1/tracking/"+number, "", nil).Want(t, 200).JSON(t, &body)
	if body.EstimatedDelivery == nil {
		t.Fatalf("%s has no estimated_delivery", number)
	}
	return body.EstimatedDelivery
}
