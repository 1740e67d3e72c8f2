package carrier

import (
	"strings"
	"testing"
)

// FuzzCandidates checks, for arbitrary input, that nothing panics, that
// Normalize is idempotent, that Detect is the first candidate, that every
// candidate is one its carrier accepts, and that a candidate said verified
// comes from a format with a check digit that really holds.
func FuzzCandidates(f *testing.F) {
	for _, s := range []string{
		"", "1Z999AA10123456784", "1z 999 aa1 01 2345 6784", "794644790138",
		"612345678901234567890123", "61299998820821171811", "9261292700768711948021",
		"4201028200009261290113185417468510", "420221539101026837331000039521",
		"9622001560001234567100794808390594", "1001921334250001000300779017972697",
		"RB123456785US", "RB123456785GB", "3318810025", "9611020987654312345672",
		"008182709980000020033350276C", "JJD0002257639032011", "\xff\x00-\t",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if Normalize(n) != n {
			t.Fatalf("Normalize not idempotent on %q", s)
		}
		for _, in := range []string{s, n} {
			cs := Candidates(in)
			c, ok := Detect(in)
			if ok != (len(cs) > 0) || ok && c != cs[0].Carrier || !ok && c != "" {
				t.Fatalf("Detect(%q) = %q, %v; candidates %v", in, c, ok, cs)
			}
			if len(cs) > 0 && len(in) > MaxLen {
				t.Fatalf("%d characters have candidates", len(in))
			}
			seenUnverified := false
			for _, cand := range cs {
				got, ok := Accept(cand.Carrier, in)
				if !ok {
					t.Fatalf("%q: candidate %v not accepted by its carrier", in, cand)
				}
				if cand.Verified && !got.Verified {
					t.Fatalf("%q: candidate %v verified, Accept says %v", in, cand, got)
				}
				if cand.Verified && seenUnverified {
					t.Fatalf("%q: verified candidate after an unverified one: %v", in, cs)
				}
				seenUnverified = seenUnverified || !cand.Verified
				if cand.Verified && !checkDigitHolds(cand, in) {
					t.Fatalf("%q: %v verified but its check digit does not hold", in, cand)
				}
			}
		}
	})
}

// checkDigitHolds re-checks a verified candidate the slow way: changing
// the check character to any other must break the format, a check digit
// being a function of the rest. Numbers with a USPS routing prefix are
// left out: their code can be read two ways (ZIP or ZIP+4), each with its
// own check digit.
func checkDigitHolds(c Candidate, n string) bool {
	if strings.HasPrefix(c.Format, "usps_") && strings.HasPrefix(n, "420") {
		return true
	}
	pos := len(n) - 1
	switch c.Format {
	case "s10":
		pos = 10
	case "fedex_astra_32":
		pos = 27
	}
	for _, alt := range "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ" {
		if byte(alt) == n[pos] {
			continue
		}
		if got, ok := Accept(c.Carrier, n[:pos]+string(alt)+n[pos+1:]); ok && got.Format == c.Format && got.Verified {
			return false
		}
	}
	return true
}

// BenchmarkCandidates measures detection of a mix of real formats.
func BenchmarkCandidates(b *testing.B) {
	numbers := []string{
		"1Z999AA10123456784", "9400111201080805483016", "986578788855", "RB123456785GB",
		"612345678901234567890123", "3318810025", "008182709980000020033350276C", "NOTANUMBER",
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		Candidates(numbers[i%len(numbers)])
	}
}
