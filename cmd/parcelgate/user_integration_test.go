//go:build integration

package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/apiclient"
	"github.com/parcelgate/parcelgate/internal/apiclient/gen"
	"github.com/parcelgate/parcelgate/internal/apitest"
	"github.com/parcelgate/parcelgate/internal/bulk"
)

func TestMain(m *testing.M) {
	if os.Getenv(asCLI) == "1" {
		// The README's shell started this binary as parcelgate.
		os.Exit(runCommand(context.Background(), os.Args[1:]))
	}
	apitest.RequireStack()
	os.Exit(m.Run())
}

// cli runs the parcelgate command in-process and returns its output.
func cli(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := newRoot()
	root.SetArgs(append(args, "--poll", "200ms"))
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetIn(strings.NewReader(""))
	err = root.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

func mustCLI(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, err := cli(t, args...)
	if err != nil {
		t.Fatalf("parcelgate %s: %v\nstderr: %s", strings.Join(args, " "), err, errOut)
	}
	return out
}

// dhlNumber is a valid DHL Express number (mod-7 check digit).
func dhlNumber(i int) string {
	base := 400000000 + i
	return fmt.Sprintf("%09d%d", base, base%7)
}

func TestCLISubmitsACSVInJobsResumesWithoutDuplicatesAndMergesTheReport(t *testing.T) {
	e := apitest.Start(t)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	id, secret := e.Principal(t, "shop")
	token := e.TokenFor(t, id, secret)
	var proj struct {
		ProjectID string `json:"projectId"`
	}
	e.Call(t, "POST", "/v1/projects", token, map[string]string{"name": "cli"}).Want(t, 201).JSON(t, &proj)

	// Login: a wrong secret is one clear line; the right one is kept 0600.
	if _, _, err := cli(t, "login", "--url", e.URL, "--client-id", id, "--client-secret", "wrong-secret-123456"); err == nil ||
		!strings.Contains(err.Error(), "unknown client id or wrong secret") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("login with a wrong secret: %v", err)
	}
	t.Setenv("PARCELGATE_CLIENT_SECRET", secret)
	if out := mustCLI(t, "login", "--url", e.URL, "--client-id", id); !strings.Contains(out, "logged in to "+e.URL+" as "+id) {
		t.Fatalf("login said %q", out)
	}
	path, err := apiclient.SessionPath()
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("session file %v %v", st, err)
	}

	// 2,500 rows: valid numbers, every 100th invalid, a carrier on some.
	dir := t.TempDir()
	input := filepath.Join(dir, "numbers.csv")
	var want [][]string
	var b strings.Builder
	b.WriteString("trackingNumber,carrier\n")
	for i := range 2500 {
		n, c, outcome := dhlNumber(i), "", "ADDED"
		if i%100 == 99 {
			n, outcome = fmt.Sprintf("BAD%06d", i), "INVALID"
		}
		if i%3 == 0 && outcome == "ADDED" {
			c = "dhl"
		}
		fmt.Fprintf(&b, "%s,%s\n", n, c)
		want = append(want, []string{n, outcome})
	}
	if err := os.WriteFile(input, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}

	// A first run killed after submitting two of its three jobs: the same
	// code, stopped before the third.
	f, err := os.Open(input)
	if err != nil {
		t.Fatal(err)
	}
	file, err := bulk.Parse(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	s, err := apiclient.LoadSession(http.DefaultClient, path)
	if err != nil {
		t.Fatal(err)
	}
	api, err := s.Client()
	if err != nil {
		t.Fatal(err)
	}
	crashed := &bulkRun{client: api, project: proj.ProjectID, action: "ADD", chunks: file.Chunks(proj.ProjectID, "ADD")[:2]}
	if err := crashed.submit(context.Background()); err != nil {
		t.Fatal(err)
	}

	report := filepath.Join(dir, "out.csv")
	submit := func() []gen.Job {
		t.Helper()
		var jobs []gen.Job
		out := mustCLI(t, "jobs", "submit", "--project", proj.ProjectID, "--report", report, "-o", "json", input)
		if err := json.Unmarshal([]byte(out), &jobs); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if len(jobs) != 3 {
			t.Fatalf("%d jobs: %+v", len(jobs), jobs)
		}
		for i, j := range jobs {
			if j.Status != "COMPLETED" || j.Counts.Total != []int{1000, 1000, 500}[i] {
				t.Fatalf("job %d: %+v", i, j)
			}
		}
		return jobs
	}
	jobs := submit()
	if jobs[0].JobId != crashed.jobs[0].JobId || jobs[1].JobId != crashed.jobs[1].JobId {
		t.Fatalf("the rerun made new jobs: %s %s, first run %s %s", jobs[0].JobId, jobs[1].JobId, crashed.jobs[0].JobId, crashed.jobs[1].JobId)
	}
	projectJobs := func() int {
		var page struct {
			Items []any `json:"items"`
		}
		e.Call(t, "GET", "/v1/projects/"+proj.ProjectID+"/tracking-number-jobs", token, nil).Want(t, 200).JSON(t, &page)
		return len(page.Items)
	}
	if n := projectJobs(); n != 3 {
		t.Fatalf("the project has %d jobs, want 3", n)
	}

	checkReport := func() {
		t.Helper()
		data, err := os.ReadFile(report)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2501 || strings.Join(rows[0], ",") != "trackingNumber,carrier,outcome,message,jobId" {
			t.Fatalf("%d rows, header %v", len(rows), rows[0])
		}
		for i, w := range want {
			r := rows[i+1]
			if r[0] != w[0] || r[2] != w[1] || r[4] != jobs[i/1000].JobId {
				t.Fatalf("report row %d = %v, want %v in job %s", i+1, r, w, jobs[i/1000].JobId)
			}
		}
	}
	checkReport()

	// Run again when all is done: the same jobs, no new ones, the same report.
	again := submit()
	for i := range jobs {
		if again[i].JobId != jobs[i].JobId {
			t.Fatalf("rerun job %d is %s, was %s", i, again[i].JobId, jobs[i].JobId)
		}
	}
	if n := projectJobs(); n != 3 {
		t.Fatalf("after a rerun the project has %d jobs, want 3", n)
	}
	checkReport()

	// One job's report, as CSV.
	out := mustCLI(t, "jobs", "report", "--project", proj.ProjectID, jobs[2].JobId, "-o", "csv")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 501 || lines[0] != "trackingNumber,carrier,outcome,message" || !strings.HasPrefix(lines[1], dhlNumber(2000)+",") {
		t.Fatalf("report: %d lines, starting %q", len(lines), lines[:2])
	}
	// An unknown job is one clear line.
	if _, _, err := cli(t, "jobs", "report", "--project", proj.ProjectID, "nope"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("unknown job: %v", err)
	}

	// The tracker finds the jobs by the reference the CLI gave them.
	var found struct {
		Requests []struct {
			ID string `json:"id"`
		} `json:"requests"`
	}
	ref := file.Chunks(proj.ProjectID, "ADD")[0].ExternalReference
	out = mustCLI(t, "tracker", "search", "--reference", ref, "-o", "json")
	if err := json.Unmarshal([]byte(out), &found); err != nil || len(found.Requests) != 1 || found.Requests[0].ID != jobs[0].JobId {
		t.Fatalf("search by %q: %v %s", ref, err, out)
	}
}

func TestCLITrackShowsTheTimelineNewestFirst(t *testing.T) {
	e := apitest.Start(t)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	_, token := e.Token(t, "carrier")
	n := dhlNumber(9)
	var accepted struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	events := []map[string]any{}
	for _, ev := range [][2]string{{"picked_up", "2026-03-01T10:30:00+01:00"}, {"label_created", "2026-03-01T08:00:00Z"}, {"in_transit", "2026-03-01T12:00:00Z"}} {
		events = append(events, map[string]any{"messageType": "TrackingEvent", "payload": map[string]any{
			"trackingNumber": n, "status": ev[0], "datetime": ev[1], "agency": "Hub " + ev[0]}})
	}
	e.Call(t, "POST", "/v1/messages", token, map[string]any{"batchReference": "cli", "messages": events}).Want(t, 202).JSON(t, &accepted)
	deadline := time.Now().Add(time.Minute)
	for {
		r, err := e.API.Messages.Store.Request(context.Background(), accepted.Data.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !r.ProcessedAt.IsZero() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("messages not processed")
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Public: no login, only --url.
	out := mustCLI(t, "track", n, "--url", e.URL)
	if !strings.Contains(out, "status:   InTransit InTransit_Other (in_transit;") {
		t.Fatalf("track output:\n%s", out)
	}
	at := 0
	for _, s := range []string{"DATETIME", "TAG", "InTransit_Other", "in_transit", "InTransit_PickedUp", "picked_up", "InfoReceived_Other", "label_created"} {
		i := strings.Index(out[at:], s)
		if i < 0 {
			t.Fatalf("%q not in order in:\n%s", s, out)
		}
		at += i + len(s)
	}
	var res gen.TrackingResource
	if err := json.Unmarshal([]byte(mustCLI(t, "track", n, "--url", e.URL, "-o", "json")), &res); err != nil || len(res.TrackingDetails) != 3 {
		t.Fatalf("json: %v %+v", err, res)
	}
	if _, _, err := cli(t, "track", "HELLO1", "--url", e.URL); err == nil || !strings.Contains(err.Error(), "400 uknown_tracking_number") {
		t.Fatalf("unknown number: %v", err)
	}
}
