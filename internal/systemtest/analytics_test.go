package systemtest

import (
	"net/http"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/apitest"
)

type analyticsOut struct {
	From, To, GroupBy string
	Items             []struct {
		Group            string
		Delivered        int
		TransitP50Days   float64
		TransitP90Days   float64
		OnTimeRate       *float64
		OnTimeLatestRate *float64
		FirstAttemptRate *float64
		ExceptionRate    *float64
		Stalled          int
	}
}

// tagged is a tracking event at at that gives its tag.
func tagged(number, status, tag, subtag string, at time.Time) msg {
	return taggedEvent(number, status, at.Format(time.RFC3339), tag, subtag)
}

func TestDeliveryAnalyticsCountEachDeliveryOnceFromTheOutcomes(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	adminID, secret := e.Principal(t, "acme")
	token := e.TokenFor(t, adminID, secret)
	p := createProject(t, e, token, "analytics")
	viewerID, viewerSecret := e.Principal(t, "acme")
	e.Call(t, "PUT", "/v1/projects/"+p.ProjectID+"/members/"+viewerID, token, map[string]string{"role": "viewer"}).Want(t, http.StatusOK)
	quick, retried := dhl(940), dhl(941)
	completeJob(t, e, token, p.ProjectID, quick, retried)
	start := e.Clock().Truncate(time.Second)
	inject(t, e, token, "a1", event(quick, "picked_up", "", "Hub", start.Format(time.RFC3339)), event(retried, "picked_up", "", "Hub", start.Format(time.RFC3339)))
	e.Advance(24 * time.Hour)
	inject(t, e, e.TokenFor(t, adminID, secret), "a2", tagged(quick, "delivered", "Delivered", "Delivered_Other", e.Clock()),
		tagged(retried, "not_home", "AttemptFail", "AttemptFail_Other", e.Clock()))
	e.Advance(24 * time.Hour)
	inject(t, e, e.TokenFor(t, adminID, secret), "a3", tagged(retried, "delivered", "Delivered", "Delivered_Other", e.Clock()))
	// Delivered again, and a status moving back and forth: counted once.
	e.Advance(time.Hour)
	inject(t, e, e.TokenFor(t, adminID, secret), "a4", tagged(retried, "exception", "Exception", "Exception_Other", e.Clock()))
	e.Advance(time.Hour)
	inject(t, e, e.TokenFor(t, adminID, secret), "a5", tagged(retried, "delivered_again", "Delivered", "Delivered_Other", e.Clock()))

	viewer := e.TokenFor(t, viewerID, viewerSecret)
	day := func(t time.Time) string { return t.Format(time.DateOnly) }
	path := "/v1/projects/" + p.ProjectID + "/analytics/delivery?from=" + day(start.AddDate(0, 0, -7)) + "&to=" + day(e.Clock())
	var out analyticsOut
	e.Call(t, "GET", path, viewer, nil).Want(t, http.StatusOK).JSON(t, &out)
	if out.GroupBy != "carrier" || len(out.Items) != 1 {
		t.Fatalf("by carrier %+v", out)
	}
	dhlRow := out.Items[0]
	if dhlRow.Group != "dhl" || dhlRow.Delivered != 2 || dhlRow.FirstAttemptRate == nil || *dhlRow.FirstAttemptRate != 0.5 ||
		dhlRow.ExceptionRate == nil || *dhlRow.ExceptionRate != 0 || dhlRow.OnTimeLatestRate == nil || dhlRow.Stalled != 0 {
		t.Fatalf("dhl row %+v", dhlRow)
	}
	if dhlRow.TransitP50Days < 0.9 || dhlRow.TransitP90Days < dhlRow.TransitP50Days || dhlRow.TransitP90Days > 3 {
		t.Fatalf("transit p50 %v p90 %v business days, want from 1 to 2", dhlRow.TransitP50Days, dhlRow.TransitP90Days)
	}
	for _, by := range []string{"service", "lane", "week"} {
		e.Call(t, "GET", path+"&groupBy="+by, viewer, nil).Want(t, http.StatusOK).JSON(t, &out)
		total := 0
		for _, it := range out.Items {
			total += it.Delivered
		}
		if out.GroupBy != by || total != 2 {
			t.Fatalf("by %s: %+v", by, out)
		}
	}
	// Weeks before the deliveries hold none.
	e.Call(t, "GET", "/v1/projects/"+p.ProjectID+"/analytics/delivery?from=2020-01-01&to=2020-03-01", viewer, nil).Want(t, http.StatusOK).JSON(t, &out)
	if len(out.Items) != 0 {
		t.Fatalf("an empty range: %+v", out)
	}

	base := "/v1/projects/" + p.ProjectID + "/analytics/delivery"
	for _, q := range []string{"", "?from=2026-01-01", "?to=2026-01-01", "?from=2026-02-30&to=2026-03-01", "?from=2026-03-02&to=2026-03-01",
		"?from=2025-01-01&to=2026-03-01", "?from=2026-01-01&to=2026-03-01&groupBy=customer", "?from=01/01/2026&to=2026-03-01"} {
		e.Call(t, "GET", base+q, viewer, nil).Want(t, http.StatusBadRequest)
	}
	_, stranger := e.Token(t, "globex")
	e.Call(t, "GET", path, stranger, nil).Want(t, http.StatusNotFound)
	e.Call(t, "GET", path, "", nil).Want(t, http.StatusUnauthorized)
}
