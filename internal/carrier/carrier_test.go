package carrier

import (
	"slices"
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
		{"1Z#99", "1Z#99"}, // kept: Normalize cleans, Candidates and Accept judge
	} {
		if got := Normalize(tc.in); got != tc.want {
			t.Errorf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestDetect covers the precedence between carriers and the numbers our
// own documentation uses.
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
		{"RB123456785GB", "royal_mail", "S10 of Royal Mail"},
		{"RB123456785PL", "poczta_polska", "S10 of Poczta Polska"},
		{"RB123456785CA", "canada_post", "S10 of Canada Post"},
		{"RB123456785DE", "deutsche_post", "S10 of Deutsche Post"},
		{"RB123456785FR", "la_poste", "S10 of La Poste"},
		{"RB123456785NL", "postnl", "S10 of PostNL"},
		{"RB123456785CV", "upu", "S10 of a post without an entry"},
		{"RB123456785XX", "", "S10 shape, no such country"},
		{"3318810025", DHLExpress, "waybill"},
		{"00340434161094042557", "dhl_paket", "DHL Paket NVE"},
		{"3SDEVC201611210", "postnl", "PostNL 3S"},
		{"320610804900", "purolator", "12 digits fitting Purolator and FedEx: Purolator first"},
		{"JFV247545960", "purolator", "3 letters and 9 digits: Purolator before a DHL piece ID"},
		{"JJD0002257639032011", "yodel", "JJD and 16 digits"},
		{"JJD0099999999", DHLExpress, "JJD and 10 digits"},
		{"ABCDEFGHIJKLMNOP", "", "16 characters: Evri only when named"},
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

func TestCandidatesRanking(t *testing.T) {
	// 92 IMpb: USPS verified, FedEx SmartPost verified too, in that order.
	got := Candidates("9261292700768711948021")
	want := []Candidate{{USPS, "usps_impb_c", true}, {FedEx, "fedex_smartpost", true}}
	if !slices.Equal(got, want) {
		t.Errorf("Candidates(IMpb 92) = %v, want %v", got, want)
	}
	// An S10 number with a DHL eCommerce prefix: the verified S10 first.
	got = Candidates("CN123456785CN")
	if len(got) != 2 || got[0].Carrier != "upu" || !got[0].Verified || got[1].Carrier != DHLExpress || got[1].Verified {
		t.Errorf("Candidates(CN...CN) = %v", got)
	}
	// A carrier appears once, by its best format.
	for _, n := range []string{"9261292700768711948021", "420221539101026837331000039521", "RB123456785US"} {
		seen := map[Carrier]bool{}
		for _, c := range Candidates(n) {
			if seen[c.Carrier] {
				t.Errorf("Candidates(%s) names %s twice", n, c.Carrier)
			}
			seen[c.Carrier] = true
		}
	}
	if got := Candidates("HELLO"); got != nil {
		t.Errorf("Candidates(HELLO) = %v, want nil", got)
	}
}

func TestAccept(t *testing.T) {
	for _, tc := range []struct {
		c      Carrier
		number string
		want   Candidate
		ok     bool
	}{
		{UPS, "1Z999AA10123456784", Candidate{UPS, "ups", true}, true},
		{FedEx, "9261292700768711948021", Candidate{FedEx, "fedex_smartpost", true}, true},
		{InPost, "612345678901234567890123", Candidate{InPost, "inpost_24", false}, true},
		{"royal_mail", "RB123456785GB", Candidate{"royal_mail", "s10", true}, true},
		{"royal_mail", "RB123456785US", Candidate{}, false},
		{"upu", "RB123456785CV", Candidate{"upu", "s10", true}, true},
		{"upu", "RB123456785GB", Candidate{}, false},
		{"evri", "H00AB12345678901", Candidate{"evri", "evri_16", false}, true},
		{"evri", "H00AB1234567890", Candidate{}, false},
		// GLS publishes no format: any plausible number is accepted.
		{"gls", "ZX4HDA12", Candidate{"gls", Unverified, false}, true},
		{"gls", "ZX4HDA1", Candidate{}, false},
		{"gls", "zx4hda12", Candidate{}, false},
		{"nope", "1Z999AA10123456784", Candidate{}, false},
		{UPS, "1z999aa10123456784", Candidate{}, false},
		{InPost, "6123456789012345678901 23", Candidate{}, false},
	} {
		got, ok := Accept(tc.c, tc.number)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Accept(%s, %q) = %v, %v; want %v, %v", tc.c, tc.number, got, ok, tc.want, tc.ok)
		}
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
		{"Royal Mail", "royal_mail"}, {"hermes", "evri"}, {"Colissimo", "la_poste"},
		{"canada_post", "canada_post"}, {"DPD", "dpd"}, {"GLS", "gls"},
	} {
		if got, ok := Parse(tc.in); !ok || got != tc.want {
			t.Errorf("Parse(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
	for _, in := range []string{"", "fedex ground", "dhl-", "u.p.s.", "pony express"} {
		if got, ok := Parse(in); ok {
			t.Errorf("Parse(%q) = %q, want not ok", in, got)
		}
	}
}

// TestRegistry checks the table's invariants: sorted unique snake_case
// codes, aliases that Parse maps back to their carrier, and formats that
// are well described and reachable.
func TestRegistry(t *testing.T) {
	reg := Registry()
	for i, info := range reg {
		if i > 0 && reg[i-1].Code >= info.Code {
			t.Errorf("registry not sorted by code at %s", info.Code)
		}
		for _, r := range info.Code {
			if !('a' <= r && r <= 'z' || r == '_') {
				t.Errorf("code %q is not snake_case", info.Code)
				break
			}
		}
		if info.Name == "" {
			t.Errorf("%s has no name", info.Code)
		}
		for _, a := range append([]string{string(info.Code), info.Name}, info.Aliases...) {
			if got, _ := Parse(a); got != info.Code {
				t.Errorf("Parse(%q) = %q, want %s", a, got, info.Code)
			}
		}
		for _, cc := range info.Countries {
			if !isCountry(cc) {
				t.Errorf("%s: %q is not an ISO 3166 code", info.Code, cc)
			}
		}
		if info.TrackingURLTemplate != "" && !strings.HasPrefix(info.TrackingURLTemplate, "https://") ||
			info.TrackingURLTemplate != "" && !strings.Contains(info.TrackingURLTemplate, "{number}") {
			t.Errorf("%s: tracking URL %q", info.Code, info.TrackingURLTemplate)
		}
		for _, f := range info.Formats {
			if f.Name == "" || f.Rule == "" || f.Source == "" || f.match == nil {
				t.Errorf("%s/%s is incomplete", info.Code, f.Name)
			}
			switch f.CheckDigit {
			case algoMod10, algoMod7, algoS10, algoLuhn, algoMod3736, algoSumProduct, algoNone:
			default:
				t.Errorf("%s/%s: check digit %q", info.Code, f.Name, f.CheckDigit)
			}
		}
	}
	for cc, c := range postalOperators {
		if _, ok := Lookup(c); !ok || !isCountry(cc) {
			t.Errorf("postal operator %s -> %s", cc, c)
		}
	}
	if got := mustLookup(t, "royal_mail").TrackingURL("RB123456785GB"); got != "https://www.royalmail.com/track-your-item#/tracking-results/RB123456785GB" {
		t.Errorf("royal_mail TrackingURL = %q", got)
	}
	if got := mustLookup(t, "upu").TrackingURL("RB123456785CV"); got != "" {
		t.Errorf("upu TrackingURL = %q, want none", got)
	}
	if _, ok := Lookup("nope"); ok {
		t.Error("Lookup(nope) found something")
	}
}

func mustLookup(t *testing.T, c Carrier) Info {
	t.Helper()
	info, ok := Lookup(c)
	if !ok {
		t.Fatalf("no %s", c)
	}
	return info
}

// TestPrecedenceCoversRegistry: every format has exactly one place in the
// precedence, so adding a format without ranking it fails here.
func TestPrecedenceCoversRegistry(t *testing.T) {
	n := 0
	for _, info := range carriers().registry {
		n += len(info.Formats)
	}
	if len(carriers().ranked) != n {
		t.Errorf("%d formats ranked, %d in the registry", len(carriers().ranked), n)
	}
	seen := map[string]bool{}
	for _, key := range precedence {
		if seen[key] {
			t.Errorf("%s ranked twice", key)
		}
		seen[key] = true
	}
}

// TestExamplesDetected: every example in the registry is detected as its
// carrier by its format, or, for formats only checked when named,
// accepted by its carrier.
func TestExamplesDetected(t *testing.T) {
	for _, info := range carriers().registry {
		for _, f := range info.Formats {
			for _, ex := range f.Examples {
				n := Normalize(ex)
				if f.namedOnly {
					if got, ok := Accept(info.Code, n); !ok || got.Format != f.Name {
						t.Errorf("%s/%s example %s: Accept = %v, %v", info.Code, f.Name, ex, got, ok)
					}
					continue
				}
				cs := Candidates(n)
				if len(cs) == 0 || cs[0].Carrier != info.Code || cs[0].Format != f.Name {
					t.Errorf("%s/%s example %s: candidates %v", info.Code, f.Name, ex, cs)
				}
			}
		}
	}
}

func TestCheckDigits(t *testing.T) {
	// ISO 7064 MOD 37,36: DPD's published examples.
	for _, tc := range []struct {
		data  string
		check byte
		want  bool
	}{
		{"008182709980000020033350276", 'C', true},
		{"008182709980000020033350276", 'A', false},
		{"09980000020033", 'F', true},
	} {
		if got := mod3736(tc.data, tc.check); got != tc.want {
			t.Errorf("mod3736(%s, %c) = %v", tc.data, tc.check, got)
		}
	}
	// Luhn: the classic example 7992739871 has check digit 3.
	if !luhn("7992739871", '3') || luhn("7992739871", '4') {
		t.Error("luhn")
	}
}

func TestDetectJSON(t *testing.T) {
	got := DetectJSON(" rb 123456785gb ")
	if got.Input != " rb 123456785gb " || got.Normalized != "RB123456785GB" ||
		len(got.Candidates) != 1 || got.Candidates[0] != (CandidateBody{"royal_mail", "s10", "verified"}) {
		t.Errorf("DetectJSON = %+v", got)
	}
	if got := DetectJSON("nothing"); got.Candidates == nil || len(got.Candidates) != 0 {
		t.Errorf("DetectJSON(nothing).Candidates = %#v, want empty", got.Candidates)
	}
	body := RegistryJSON()
	if len(body.Carriers) != len(carriers().registry) || body.Carriers[0].Aliases == nil {
		t.Errorf("RegistryJSON: %d carriers", len(body.Carriers))
	}
}
