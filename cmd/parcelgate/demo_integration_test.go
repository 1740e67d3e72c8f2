//go:build integration

package main

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/apiclient"
	"github.com/parcelgate/parcelgate/internal/apiclient/gen"
	"github.com/parcelgate/parcelgate/internal/apitest"
)

// TestDemoTracksItsParcelsAndSubscribesThemToAProject runs parcelgate demo
// against the API on the emulators, every exchange checked against the
// API document, and reads back what it says it did: every parcel tracked
// with its newest status, all of them in one project whose jobs
// completed.
func TestDemoTracksItsParcelsAndSubscribesThemToAProject(t *testing.T) {
	e := apitest.Start(t)
	ctx := context.Background()
	id, secret := e.Principal(t, "demo-data")
	// Enough parcels for two requests of messages, sent at once.
	const seed, n = 27, 150
	args := []string{"--url", e.URL + "/", "--parcels", strconv.Itoa(n), "--seed", strconv.Itoa(seed), "--client-id", id}

	// A wrong secret stops the demo before it sends anything (the project
	// count below shows it created none).
	if err := runDemo(ctx, e.HTTPClient(), append(args, "--client-secret", "wrong-secret-123456")); err == nil ||
		!strings.Contains(err.Error(), "unknown client id or wrong secret") {
		t.Fatalf("with a wrong secret: %v", err)
	}

	// The demo generates up to the hour it starts in; the test cannot
	// tell which of two it was when the hour turns during the run.
	before := time.Now().Truncate(time.Hour)
	if err := runDemo(ctx, e.HTTPClient(), append(args, "--client-secret", secret)); err != nil {
		t.Fatal(err)
	}
	after := time.Now().Truncate(time.Hour)

	s, err := apiclient.Login(ctx, e.HTTPClient(), "", e.URL, id, secret)
	if err != nil {
		t.Fatal(err)
	}
	api, err := s.Client()
	if err != nil {
		t.Fatal(err)
	}
	projects, err := api.ListProjectsWithResponse(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p := projects.JSON200; p == nil || len(p.Items) != 1 || p.Items[0].Name != fmt.Sprintf("Demo parcels (seed %d)", seed) {
		t.Fatalf("the demo client's projects: %s", projects.Body)
	}
	project := projects.JSON200.Items[0].ProjectId

	jobs, err := api.ListTrackingNumberJobsWithResponse(ctx, project, nil)
	if err != nil {
		t.Fatal(err)
	}
	if j := jobs.JSON200; j == nil || len(j.Items) != 1 || j.Items[0].Status != gen.JobStatusCOMPLETED ||
		j.Items[0].Action != gen.ADD || j.Items[0].Counts.Added != n || j.Items[0].Counts.Total != n {
		t.Fatalf("the project's jobs: %s", jobs.Body)
	}

	limit := 1000
	numbers, err := api.ListTrackingNumbersWithResponse(ctx, project, &gen.ListTrackingNumbersParams{Limit: &limit})
	if err != nil {
		t.Fatal(err)
	}
	page, err := apiclient.Expect(numbers.JSON200, numbers)
	if err != nil {
		t.Fatal(err)
	}
	var subscribed []string
	for _, a := range page.Items {
		subscribed = append(subscribed, a.TrackingNumber)
	}
	slices.Sort(subscribed)
	var parcels []demoParcel
	for _, now := range []time.Time{before, after} {
		parcels = generateDemo(seed, n, now)
		var generated []string
		for _, p := range parcels {
			generated = append(generated, p.Number)
		}
		slices.Sort(generated)
		if slices.Equal(generated, subscribed) {
			break
		}
		parcels = nil
	}
	if parcels == nil {
		t.Fatalf("the project holds %v, not the demo's parcels", subscribed)
	}

	// The tracking resource is public: read it as anyone would.
	public, err := apiclient.New(e.URL, &apiclient.Doer{HTTP: e.HTTPClient()})
	if err != nil {
		t.Fatal(err)
	}
	changed := 0
	for _, p := range parcels {
		r, err := public.GetTrackingWithResponse(ctx, p.Number, nil)
		if err != nil {
			t.Fatalf("%s: %v", p.Number, err)
		}
		tr, err := apiclient.Expect(r.JSON200, r)
		if err != nil {
			t.Fatalf("%s: %v", p.Number, err)
		}
		// The resource keeps the service shipped; a change goes to the
		// service history.
		shipped := p.Messages[0].Payload.(demoShipment).Service
		if tr.Status != p.Status || string(tr.Subtag) != string(p.Subtag) || tr.Type != p.Type || tr.Service != shipped || len(tr.TrackingDetails) != p.Events {
			t.Errorf("%s: tracked as %s %q %s %s with %d events, generated as %s %q %s %s with %d", p.Number,
				tr.Type, tr.Service, tr.Status, tr.Subtag, len(tr.TrackingDetails), p.Type, shipped, p.Status, p.Subtag, p.Events)
		}
		if !p.Changed {
			continue
		}
		changed++
		h, err := public.GetServiceHistoryWithResponse(ctx, p.Number, nil)
		if err != nil {
			t.Fatalf("%s: %v", p.Number, err)
		}
		if h.JSON200 == nil || h.JSON200.ServiceHistory.LastService == nil || *h.JSON200.ServiceHistory.LastService != p.Service {
			t.Errorf("%s: service history %s, want the change to %q", p.Number, h.Body, p.Service)
		}
	}
	if changed == 0 {
		t.Errorf("no parcel of seed %d changed service: pick a seed whose parcels do", seed)
	}
}
