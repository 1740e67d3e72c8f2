package main

import (
	"bytes"
	"encoding/json"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/parcelgate/parcelgate/internal/carrier"
)

// runRoot runs the command line with args and stdin, returning stdout.
func runRoot(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	var out bytes.Buffer
	root := newRoot()
	root.SetArgs(args)
	root.SetIn(strings.NewReader(stdin))
	root.SetOut(&out)
	if err := root.Execute(); err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return out.String()
}

func TestCarriersListJSONIsTheAPIsRegistry(t *testing.T) {
	var got carrier.RegistryBody
	if err := json.Unmarshal([]byte(runRoot(t, "", "carriers", "list", "-o", "json")), &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, carrier.RegistryJSON()) {
		t.Error("carriers list -o json is not the registry GET /v1/carriers serves")
	}
	if table := runRoot(t, "", "carriers", "list"); !strings.Contains(table, "royal_mail") || !strings.HasPrefix(table, "CODE ") {
		t.Errorf("table:\n%s", table)
	}
}

func TestCarriersDetectStdin(t *testing.T) {
	in := "1z 999 aa1 01 2345 6784\nnope\r\n\nRB123456785PL\n9261292700768711948021"
	lines := strings.Split(strings.TrimSuffix(runRoot(t, in, "carriers", "detect", "-"), "\n"), "\n")
	want := []carrier.DetectBody{
		{Input: "1z 999 aa1 01 2345 6784", Normalized: "1Z999AA10123456784", Candidates: []carrier.CandidateBody{{Carrier: "ups", Format: "ups", CheckDigit: "verified"}}},
		{Input: "nope", Normalized: "NOPE", Candidates: []carrier.CandidateBody{}},
		{Input: "", Normalized: "", Candidates: []carrier.CandidateBody{}},
		{Input: "RB123456785PL", Normalized: "RB123456785PL", Candidates: []carrier.CandidateBody{{Carrier: "poczta_polska", Format: "s10", CheckDigit: "verified"}}},
		{Input: "9261292700768711948021", Normalized: "9261292700768711948021", Candidates: []carrier.CandidateBody{
			{Carrier: "usps", Format: "usps_impb_c", CheckDigit: "verified"}, {Carrier: "fedex", Format: "fedex_smartpost", CheckDigit: "verified"}}},
	}
	if len(lines) != len(want) {
		t.Fatalf("%d lines for %d numbers:\n%s", len(lines), len(want), strings.Join(lines, "\n"))
	}
	for i, l := range lines {
		var got carrier.DetectBody
		if err := json.Unmarshal([]byte(l), &got); err != nil || !reflect.DeepEqual(got, want[i]) {
			t.Errorf("line %d: %s (%v), want %+v", i+1, l, err, want[i])
		}
	}
	if !strings.Contains(lines[1], `"candidates":[]`) {
		t.Errorf("no candidate is not []: %s", lines[1])
	}
}

func TestCarriersDetectArguments(t *testing.T) {
	out := runRoot(t, "", "carriers", "detect", "RB123456785GB", "nope")
	if !strings.Contains(out, "royal_mail") || !strings.Contains(out, "nope") {
		t.Errorf("table:\n%s", out)
	}
	out = runRoot(t, "", "carriers", "detect", "-o", "json", "RB123456785GB")
	if strings.Count(out, "\n") != 1 || !strings.Contains(out, `"carrier":"royal_mail"`) {
		t.Errorf("json:\n%s", out)
	}
}

// BenchmarkCarriersDetectStdin reads a CSV column of a million numbers, a
// mix of formats and junk, as carriers detect - does.
func BenchmarkCarriersDetectStdin(b *testing.B) {
	numbers := []string{"1Z999AA10123456784", "9400111201080805483016", "986578788855", "RB123456785GB",
		"612345678901234567890123", "3318810025", "0414-4176-0228-964", "not a number"}
	var in strings.Builder
	const lines = 1_000_000
	for i := range lines {
		in.WriteString(numbers[i%len(numbers)])
		in.WriteByte('\n')
	}
	input := in.String()
	b.ResetTimer()
	for b.Loop() {
		if err := detectLines(strings.NewReader(input), io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Seconds())/float64(b.N), "s/million-lines")
}
