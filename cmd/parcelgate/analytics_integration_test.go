//go:build integration

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/apitest"
)

func TestCLIAnalyticsPrintsTheTableAndDrawsTheChart(t *testing.T) {
	e := apitest.Start(t)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	id, secret := e.Principal(t, "shop")
	token := e.TokenFor(t, id, secret)
	var proj struct {
		ProjectID string `json:"projectId"`
	}
	e.Call(t, "POST", "/v1/projects", token, map[string]string{"name": "analytics"}).Want(t, 201).JSON(t, &proj)
	n := dhlNumber(77)
	e.Call(t, "POST", "/v1/projects/"+proj.ProjectID+"/tracking-number-jobs", token,
		map[string]any{"action": "ADD", "trackingNumbers": []map[string]string{{"trackingNumber": n}}}).Want(t, 202)
	e.AwaitIdle(t)
	pickup := e.Clock().Add(-26 * time.Hour).Truncate(time.Second)
	for i, ev := range []map[string]any{
		{"trackingNumber": n, "status": "picked_up", "datetime": pickup.Format(time.RFC3339), "tag": "InTransit", "subtag": "InTransit_PickedUp"},
		{"trackingNumber": n, "status": "delivered", "datetime": pickup.Add(25 * time.Hour).Format(time.RFC3339), "tag": "Delivered", "subtag": "Delivered_Other"},
	} {
		e.Call(t, "POST", "/v1/messages", token, map[string]any{"batchReference": "cli-" + string(rune('a'+i)),
			"messages": []map[string]any{{"messageType": "TrackingEvent", "payload": ev}}}).Want(t, 202)
		e.AwaitIdle(t)
	}
	t.Setenv("PARCELGATE_CLIENT_SECRET", secret)
	mustCLI(t, "login", "--url", e.URL, "--client-id", id)
	chart := filepath.Join(t.TempDir(), "transit.svg")
	out := mustCLI(t, "analytics", "--project", proj.ProjectID, "--to", e.Clock().Format(time.DateOnly), "--chart", chart)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "GROUP") || !strings.HasPrefix(lines[1], "dhl ") ||
		!strings.Contains(lines[1], " 1 ") || !strings.Contains(lines[1], "100.0%") {
		t.Fatalf("table:\n%s", out)
	}
	if svg, err := os.ReadFile(chart); err != nil || !strings.Contains(string(svg), "<svg") || !strings.Contains(string(svg), "dhl") {
		t.Fatalf("chart: %v", err)
	}
	// A bad parameter is the API's 400, said on one line.
	if _, _, err := cli(t, "analytics", "--project", proj.ProjectID, "--group-by", "customer"); err == nil || !strings.Contains(err.Error(), "groupBy") {
		t.Fatalf("--group-by customer: %v", err)
	}
}
