package carrier

import "testing"

// FuzzDetect checks, for arbitrary input, that nothing panics, that Detect's
// answer is one Valid confirms (the contract handlers rely on when they
// accept a detected carrier) and that Normalize is idempotent.
func FuzzDetect(f *testing.F) {
	for _, s := range []string{
		"", "1Z999AA10123456784", "1z 999 aa1 01 2345 6784", "794644790138",
		"612345678901234567890123", "61299998820821171811", "9261292700768711948021",
		"4201028200009261290113185417468510", "420221539101026837331000039521",
		"9622001560001234567100794808390594", "1001921334250001000300779017972697",
		"RB123456785US", "3318810025", "9611020987654312345672", "\xff\x00-\t",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if Normalize(n) != n {
			t.Fatalf("Normalize not idempotent on %q", s)
		}
		for _, in := range []string{s, n} {
			c, ok := Detect(in)
			if !ok {
				if c != "" {
					t.Fatalf("Detect(%q) = %q without ok", in, c)
				}
				continue
			}
			if !Valid(c, in) {
				t.Fatalf("Detect(%q) = %s but Valid(%s) rejects it", in, c, c)
			}
			if len(in) > MaxLen {
				t.Fatalf("Detect accepted %d characters", len(in))
			}
		}
	})
}
