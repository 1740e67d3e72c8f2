package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestSearchFlagsBecomeTheTrackersCriteria(t *testing.T) {
	req, err := searchRequest([]string{"TrackingEvent"}, []string{"Invalid", "Failed"}, "", "2026-11-01", "2026-11-30", "", "ABC12345", "processedDate", 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(req)
	want := `{"paging":{"number":2,"size":100},"search":[{"by":"messageType","value":"TrackingEvent"},{"by":"messageStatus","value":["Invalid","Failed"]},` +
		`{"by":"receivedDate","value":["2026-11-01","2026-11-30"]},{"by":"externalReference","value":"ABC12345"}],` +
		`"sorts":[{"by":"processedDate","order":"desc"}]}`
	if string(got) != want {
		t.Fatalf("request\n%s\nwant\n%s", got, want)
	}
	empty, _ := searchRequest(nil, nil, "", "", "", "", "", "", 0, 0)
	if got, _ := json.Marshal(empty); string(got) != `{}` {
		t.Fatalf("no flags: %s (the API then searches today)", got)
	}
}

func TestSearchFlagsThatContradictAreRefused(t *testing.T) {
	if _, err := searchRequest(nil, nil, "2026-11-01", "2026-11-01", "", "", "", "", 0, 0); err == nil {
		t.Error("--date with --from")
	}
	if _, err := searchRequest(nil, nil, "", "2026-11-01", "", "", "", "", 0, 0); err == nil {
		t.Error("--from without --to")
	}
}

func TestOutputFormats(t *testing.T) {
	tb := table{header: []string{"A", "B"}, rows: [][]string{{"x,1", "tab\there"}}, json: []byte(`{"a":1}`)}
	var out bytes.Buffer
	for format, want := range map[string]string{
		"csv":   "A,B\n\"x,1\",tab\there\n",
		"json":  "{\n  \"a\": 1\n}\n",
		"table": "A    B\nx,1  tab here\n",
	} {
		out.Reset()
		if err := tb.print(&out, format); err != nil || out.String() != want {
			t.Errorf("%s: %q (%v), want %q", format, out.String(), err, want)
		}
	}
}

func TestHelpExitsCleanlyAndListsTheUserCommands(t *testing.T) {
	var out bytes.Buffer
	root := newRoot()
	root.SetArgs([]string{"--help"})
	root.SetOut(&out)
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"login", "jobs", "track", "tracker", "dev", "stack", "client"} {
		if !strings.Contains(out.String(), "\n  "+c+" ") {
			t.Errorf("help does not list %s:\n%s", c, out.String())
		}
	}
}
