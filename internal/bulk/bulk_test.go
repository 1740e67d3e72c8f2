package bulk

import (
	"fmt"
	"strings"
	"testing"
)

func numbersCSV(n int) string {
	var b strings.Builder
	b.WriteString("trackingNumber,carrier\n")
	for i := range n {
		fmt.Fprintf(&b, "N%05d,ups\n", i)
	}
	return b.String()
}

func TestParseReadsColumnsByNameWhereverTheyAre(t *testing.T) {
	f, err := Parse(strings.NewReader("\uFEFFnote, Carrier ,TRACKINGNUMBER\r\nx,ups, 1Z999AA10123456784 \r\ny,,612345678901234567890123\r\n\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Row{{"1Z999AA10123456784", "ups"}, {"612345678901234567890123", ""}}
	if fmt.Sprint(f.Rows) != fmt.Sprint(want) {
		t.Fatalf("rows %v, want %v", f.Rows, want)
	}
}

func TestParseWithoutCarrierColumn(t *testing.T) {
	f, err := Parse(strings.NewReader("trackingNumber\nA1\nA2\n"))
	if err != nil || len(f.Rows) != 2 || f.Rows[1] != (Row{TrackingNumber: "A2"}) {
		t.Fatalf("%v %v", f.Rows, err)
	}
}

func TestParseRefusesFilesItCannotUseAndSaysWhere(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "the file is empty"},
		{"number,carrier\n1,ups\n", "no trackingNumber column"},
		{"trackingNumber\n", "no tracking numbers"},
		{"trackingNumber,carrier\nA1,ups\n ,ups\n", "line 3: trackingNumber is empty"},
		{"trackingNumber\nA1\n\"A2\n", "line 3"},
	} {
		_, err := Parse(strings.NewReader(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v, want an error with %q", tc.in, err, tc.want)
		}
	}
}

func TestChunksOfAtMost1000InFileOrder(t *testing.T) {
	f, err := Parse(strings.NewReader(numbersCSV(2500)))
	if err != nil {
		t.Fatal(err)
	}
	chunks := f.Chunks("p1", "ADD")
	if len(chunks) != 3 {
		t.Fatalf("%d chunks", len(chunks))
	}
	for i, c := range chunks {
		wantLen := []int{1000, 1000, 500}[i]
		if c.Index != i || c.First != i*1000 || len(c.Rows) != wantLen || c.Rows[0].TrackingNumber != fmt.Sprintf("N%05d", i*1000) {
			t.Errorf("chunk %d: index %d first %d len %d starts %v", i, c.Index, c.First, len(c.Rows), c.Rows[0])
		}
	}
	if chunks[2].ExternalReference[len(chunks[2].ExternalReference)-3:] != "3/3" {
		t.Errorf("external reference %q", chunks[2].ExternalReference)
	}
}

func TestKeysAreStableForTheSameNumbersAndDifferOtherwise(t *testing.T) {
	keys := func(csv, project, action string) []string {
		f, err := Parse(strings.NewReader(csv))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range f.Chunks(project, action) {
			out = append(out, c.IdempotencyKey)
		}
		return out
	}
	base := keys(numbersCSV(1500), "p1", "ADD")
	if base[0] == base[1] {
		t.Fatal("two chunks share a key")
	}
	crlf := strings.ReplaceAll(numbersCSV(1500), "\n", "\r\n")
	if got := keys(crlf, "p1", "ADD"); fmt.Sprint(got) != fmt.Sprint(base) {
		t.Errorf("line endings changed the keys: %v vs %v", got, base)
	}
	for name, got := range map[string][]string{
		"another project": keys(numbersCSV(1500), "p2", "ADD"),
		"another action":  keys(numbersCSV(1500), "p1", "REMOVE"),
		"another number":  keys(strings.Replace(numbersCSV(1500), "N00007", "N99999", 1), "p1", "ADD"),
	} {
		if got[0] == base[0] || got[1] == base[1] {
			t.Errorf("%s kept the keys %v", name, got)
		}
	}
	for _, k := range base {
		if len(k) > 255 || strings.ContainsAny(k, " \t") {
			t.Errorf("key %q is not a valid Idempotency-Key", k)
		}
	}
}
