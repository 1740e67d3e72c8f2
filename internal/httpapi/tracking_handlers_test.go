package httpapi

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/outage"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

const (
	knownNumber   = "612345678901234567890123" // in the sample batch
	unknownNumber = "1Z999AA10123456784"       // a UPS number nobody sent
)

func TestTrackingHandlers(t *testing.T) {
	m := newMemAPI(t)
	m.inject(m.client("acme", "acme-ops"))
	m.run("", []exchange{
		{name: "get200", method: "GET", path: "/v1/tracking/" + knownNumber, status: 200, want: `"tracking_number":"` + knownNumber + `"`},
		{name: "get200Limit", method: "GET", path: "/v1/tracking/" + knownNumber + "?limit=1", status: 200, want: `"tracking_details":[{`},
		{name: "get400Limit", method: "GET", path: "/v1/tracking/" + knownNumber + "?limit=101", status: 400, want: `{"field":"limit","message":"1 to 100"}`},
		{name: "get400LimitWord", method: "GET", path: "/v1/tracking/" + knownNumber + "?limit=all", status: 400, want: `"detail":"limit must be an integer from 1 to 100"`},
		{name: "get400Unknown", method: "GET", path: "/v1/tracking/ABC", status: 400, want: `"message":"Cannot identify type of shipment by given tracking number (ABC)"`},
		{name: "get400Text", method: "GET", path: "/v1/tracking/AB%E2%80%AEC", status: 400, want: `"error":"uknown_tracking_number","message":"Cannot identify type of shipment by given tracking number: tracking_number`},
		{name: "get404", method: "GET", path: "/v1/tracking/" + unknownNumber, status: 404, want: `"description":"Tracking information about 1Z999AA10123456784 UPS shipment has not been found."`},
		{name: "history200", method: "GET", path: "/v1/tracking/" + knownNumber + "/service_history", status: 200, want: `"last_service":"inpost_locker_standard"`},
		{name: "history404Resource", method: "GET", path: "/v1/tracking/" + knownNumber + "/other", status: 404, want: `"code":"NOT_FOUND"`},
		{name: "history404", method: "GET", path: "/v1/tracking/" + unknownNumber + "/service_history", status: 404, want: `"error":"resource_not_found"`},
		{name: "history400Unknown", method: "GET", path: "/v1/tracking/ABC/service_history", status: 400, want: `"error":"uknown_tracking_number"`},
		{name: "flow200", method: "GET", path: "/v1/tracking/flow/inpost_locker_standard", status: 200, want: `"expected_flow":[`},
		{name: "flow404", method: "GET", path: "/v1/tracking/flow/teleport", status: 404, want: `"description":"Shipment type teleport is not known."`},
		{name: "carriers200", method: "GET", path: "/v1/carriers", status: 200},
		{name: "detect200", method: "GET", path: "/v1/carriers/detect?trackingNumber=" + unknownNumber, status: 200, want: `ups`},
		{name: "detect400Missing", method: "GET", path: "/v1/carriers/detect", status: 400, want: `"field":"trackingNumber"`},
		{name: "detect400Long", method: "GET", path: "/v1/carriers/detect?trackingNumber=" + strings.Repeat("1", 65), status: 400, want: `at most 64`},
	})
	rec := m.must(200, nil, "GET", "/v1/tracking/"+knownNumber, "", "")
	etag := rec.Header().Get("ETag")
	if etag == "" || rec.Header().Get("Cache-Control") != trackingCacheControl || rec.Header().Get("Last-Modified") == "" {
		t.Errorf("get200: headers %v", rec.Header())
	}
	m.must(304, nil, "GET", "/v1/tracking/"+knownNumber, "", "", "If-None-Match", etag)
	if rec := m.must(404, nil, "GET", "/v1/tracking/"+unknownNumber, "", ""); rec.Header().Get("Cache-Control") != trackingCacheControl {
		t.Errorf("get404: a ShipX 404 is cached like the resource: %v", rec.Header())
	}
	if rec := m.must(404, nil, "GET", "/v1/tracking/flow/teleport", "", ""); rec.Header().Get("Cache-Control") != "public, max-age=3600" {
		t.Errorf("flow404: %v", rec.Header())
	}
}

func TestTrackPageHandler(t *testing.T) {
	m := newMemAPI(t)
	m.inject(m.client("acme", "acme-ops"))
	m.run("", []exchange{
		{name: "page200", method: "GET", path: "/track/" + knownNumber, status: 200, want: "<html"},
		{name: "page200Polish", method: "GET", path: "/track/" + knownNumber, headers: []string{"Accept-Language", "pl"}, status: 200, want: `lang="pl"`},
		{name: "page404", method: "GET", path: "/track/" + unknownNumber, status: 404, want: "<html"},
		{name: "page400Unknown", method: "GET", path: "/track/ABC", status: 400, want: "<html"},
		{name: "page400Text", method: "GET", path: "/track/AB%E2%80%AEC", status: 400, want: `&#34;AB\u202eC&#34;`},
		{name: "page400Query", method: "GET", path: "/track/" + knownNumber + "?x=%E2%80%AE", status: 400, want: `"code":"BAD_REQUEST"`},
	})
	rec := m.must(200, nil, "GET", "/track/"+knownNumber, "", "")
	if rec.Header().Get("Content-Security-Policy") != trackPageCSP || rec.Header().Get("Content-Type") != "text/html; charset=utf-8" {
		t.Errorf("page200: %v", rec.Header())
	}
	m.must(304, nil, "GET", "/track/"+knownNumber, "", "", "If-None-Match", rec.Header().Get("ETag"))
	if rec := m.must(400, nil, "GET", "/track/"+knownNumber+"?x=%E2%80%AE", "", ""); rec.Header().Get("Content-Security-Policy") != trackPageCSP {
		t.Errorf("page400Query: a JSON refusal keeps the page's headers: %v", rec.Header())
	}
	// The store failing: the friendly unavailable page, 503 with Retry-After.
	m.api.Tracking = tracking.Service{Store: failingTracking{outage.Wrap(errors.New("table unreachable"))}}
	h, err := m.api.Handler("tracking")
	if err != nil {
		t.Fatal(err)
	}
	m.h = h
	rec = m.must(503, nil, "GET", "/track/"+knownNumber, "", "")
	if rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), "<html") {
		t.Errorf("page503: %v %s", rec.Header(), rec.Body)
	}
	if rec := m.must(503, nil, "GET", "/v1/tracking/"+knownNumber, "", ""); rec.Header().Get("Content-Type") != "application/problem+json" {
		t.Errorf("get503: %v", rec.Header())
	}
}

// failingTracking fails every read.
type failingTracking struct{ err error }

func (f failingTracking) Shipment(context.Context, string) (tracking.Shipment, error) {
	return tracking.Shipment{}, f.err
}

func (f failingTracking) Events(context.Context, string, int) ([]tracking.Event, error) {
	return nil, f.err
}

func (f failingTracking) Tracked(context.Context, string, int) (tracking.Shipment, []tracking.Event, error) {
	return tracking.Shipment{}, nil, f.err
}

// stuckTracking answers no read until release is closed, whatever its
// context says.
type stuckTracking struct{ release <-chan struct{} }

func (s stuckTracking) Shipment(context.Context, string) (tracking.Shipment, error) {
	<-s.release
	return tracking.Shipment{}, tracking.ErrNotFound
}

func (s stuckTracking) Events(context.Context, string, int) ([]tracking.Event, error) {
	<-s.release
	return nil, nil
}

func (s stuckTracking) Tracked(context.Context, string, int) (tracking.Shipment, []tracking.Event, error) {
	<-s.release
	return tracking.Shipment{}, nil, tracking.ErrNotFound
}

// Through the router, a store that does not answer gets the deadline's 503
// in the route's shape, observed as late.
func TestRouterAnswersAStuckStoreAtTheDeadline(t *testing.T) {
	m := newMemAPI(t)
	release := make(chan struct{})
	defer close(release)
	var observed []Answered
	m.api.Deadline = 200 * time.Millisecond
	m.api.Observe = func(a Answered) { observed = append(observed, a) }
	m.api.Tracking = tracking.Service{Store: stuckTracking{release}}
	h, err := m.api.Handler("tracking")
	if err != nil {
		t.Fatal(err)
	}
	m.h = h
	rec := m.must(503, nil, "GET", "/track/"+knownNumber, "", "")
	if rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), "<html") {
		t.Errorf("page503Deadline: %v %s", rec.Header(), rec.Body)
	}
	if len(observed) != 1 || !observed[0].Late || observed[0].Route != "GET /track/{tracking_number}" {
		t.Errorf("observed %+v", observed)
	}
}
