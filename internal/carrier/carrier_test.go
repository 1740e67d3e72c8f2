package carrier

import (
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"1Z999AA10123456784", "1Z999AA10123456784"},
		{"  1z 999 aa1 01 2345 6784\n", "1Z999AA10123456784"},
		{"0414-4176-0228-964", "041441760228964"},
		{"\t9400 1112\u00a00108 0805 4830 16 ", "9400111201080805483016"},
		{"rb123456785us", "RB123456785US"},
		{"1Z#99", "1Z#99"}, // kept: Normalize cleans, Detect and Valid judge
	} {
		if got := Normalize(tc.in); got != tc.want {
			t.Errorf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestDetect covers the priority between carriers and the numbers our own
// documentation uses.
func TestDetect(t *testing.T) {
	for _, tc := range []struct {
		number string
		want   Carrier // "" when nothing should be detected
		why    string
	}{
		{"1Z999AA10123456784", UPS, "docs example"},
		{"612345678901234567890123", InPost, "docs example (format only, no check digit)"},
		// Our docs' FedEx example fails FedEx's own Express check digit:
		// the weighted sum of 79464479013 is 144, 144 mod 11 = 1, but the
		// number ends in 8. 794644790131 would be well formed.
		{"794644790138", "", "docs example, bad check digit"},
		{"986578788855", FedEx, "Express 12"},
		{"041441760228964", FedEx, "Ground 15"},
		{"61299998820821171811", FedEx, "SmartPost 20 (implied 92)"},
		{"9611020987654312345672", FedEx, "Ground 96"},
		{"1001921334250001000300779017972697", FedEx, "Express 34"},
		{"9261292700768711948021", USPS, "92 IMpb: shared with FedEx SmartPost, USPS first"},
		{"71969010756003077385", USPS, "20 digits (implied 91)"},
		{"9400111201080805483016", USPS, "IMpb 22"},
		{"4201028200009261290113185417468510", USPS, "420 + ZIP+4 + IMpb"},
		{"RB123456785US", USPS, "S10 of USPS"},
		{"RB123456785GB", "", "S10 of another post"},
		{"3318810025", DHLExpress, "waybill"},
		{"", "", "empty"},
		{"1z999aa10123456784", "", "not normalized (lower case)"},
		{"1Z999AA1-0123456784", "", "not normalized (dash)"},
		{strings.Repeat("9", MaxLen+1), "", "too long"},
		{"1Z999AA10123456784\u00e9", "", "non-ASCII"},
	} {
		got, ok := Detect(tc.number)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("Detect(%q) = %q, %v; want %q (%s)", tc.number, got, ok, tc.want, tc.why)
		}
	}
}

func TestValidRejectsWhatIsNotNormalizedOrUnknown(t *testing.T) {
	if Valid("dpd", "1Z999AA10123456784") {
		t.Error("unknown carrier accepted")
	}
	if Valid(UPS, "1z999aa10123456784") {
		t.Error("lower case accepted; Valid expects Normalize's output")
	}
	if Valid(InPost, "6123456789012345678901 23") {
		t.Error("space accepted")
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Carrier
	}{
		{"fedex", FedEx}, {"FedEx", FedEx}, {"FED-EX", FedEx},
		{"ups", UPS}, {" UPS ", UPS},
		{"usps", USPS}, {"USPS", USPS},
		{"dhl", DHLExpress}, {"DHL", DHLExpress}, {"dhl-express", DHLExpress},
		{"DHL_Express", DHLExpress}, {"dhlexpress", DHLExpress}, {"DHL Express", DHLExpress},
		{"inpost", InPost}, {"InPost", InPost},
	} {
		if got, ok := Parse(tc.in); !ok || got != tc.want {
			t.Errorf("Parse(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
	for _, in := range []string{"", "dpd", "fedex ground", "dhl-", "u.p.s."} {
		if got, ok := Parse(in); ok {
			t.Errorf("Parse(%q) = %q, want not ok", in, got)
		}
	}
}

// TestEveryCarrierIsWired guards against adding a constant without a rule,
// a Parse name or a place in the detection order.
func TestEveryCarrierIsWired(t *testing.T) {
	all := []Carrier{FedEx, UPS, USPS, DHLExpress, InPost}
	if len(rules) != len(all) || len(detectOrder) != len(all) {
		t.Fatalf("%d rules and %d in detectOrder for %d carriers", len(rules), len(detectOrder), len(all))
	}
	for _, c := range all {
		if rules[c] == nil {
			t.Errorf("%s has no rule", c)
		}
		if got, ok := Parse(string(c)); !ok || got != c {
			t.Errorf("Parse(%q) = %q, %v", c, got, ok)
		}
	}
}
