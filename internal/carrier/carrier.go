// Package carrier recognises shipment tracking numbers: which carriers may
// have issued a number (Candidates, Detect), whether a number fits a named
// carrier (Accept), and what the registry knows of each carrier (Registry,
// Lookup).
//
// # Registry
//
// The registry (registry.go) is the one table of carriers: code, display
// name, aliases, countries, public tracking page and published number
// formats, each with its rule, check-digit algorithm, examples and source.
// It covers every format of tracking_number_data v2.0.0
// (github.com/jkeen/tracking_number_data, MIT) with the check digits of its
// CHECKSUM_ALGORITHMS.md, written here as hand-made matchers, and the
// European carriers it lacks wherever a format is published (InPost,
// PostNL, DHL Paket, Evri; GLS publishes none). A check digit only proves a
// number well formed, not that a parcel exists: the carrier's tracking API
// remains the authority on that.
//
// UPU S10 numbers (2 letters, 8 digits, check digit, 2-letter country) go
// to the postal operator of their country code: ...US to usps, ...CA to
// canada_post, ...GB to royal_mail, ...PL to poczta_polska, ...DE to
// deutsche_post, ...FR to la_poste, ...NL to postnl, and so on through the
// postalOperators table; a country whose post has no entry goes to the one
// generic entry upu ("Postal operator (UPU S10)"), the issuing post being
// the one of the country the number ends with. An S10 number whose last two
// letters are no ISO 3166 country is refused.
//
// # Ranking
//
// Candidates lists every carrier whose format a number fits, at most once
// each, check-digit-verified candidates before unverified ones and, within
// each group, in the documented precedence (the precedence table below).
// Where formats overlap:
//
//   - USPS IMpb with identifier 92 is also how FedEx SmartPost / Ground
//     Economy parcels are labelled (USPS delivers them): USPS comes first,
//     as it issues and tracks every IMpb number; FedEx follows. 20-digit
//     numbers fit USPS as printed, USPS with an implied 91 or FedEx with an
//     implied 92 - at most one of them, as the three check digits differ.
//   - 34-digit numbers starting 420 are USPS routing plus IMpb before they
//     are FedEx Express 34-digit barcodes (which may start with any digit
//     but 9).
//   - DHL Paket's 20-digit NVE (00340434...) comes before USPS 20, whose
//     numbers never carry DHL's GS1 prefix.
//   - 12 digits: Purolator (first digit 0-5 and a Luhn check digit) before
//     FedEx Express (mod 11 alone): a number passing both is more likely
//     Purolator's, since a FedEx number fits Purolator's two conditions only
//     one time in about 17, while one in 11 Purolator numbers fits FedEx's
//     check (tracking_number_data lists two). FedEx stays the next
//     candidate.
//   - 11 digits: Old Dominion (prefixes 072, 777, 778, 80; Luhn) before DHL
//     Express's 11-digit form (mod 7), the prefixed rule being the narrower.
//   - 15 characters: FedEx Ground (GS1) before DPD's 14 digits plus a
//     MOD 37,36 check character, which is then a digit.
//   - 18 digits: the GS1 SSCC that FedEx Ground prints is a code any
//     shipper may print, so it comes last among verified candidates.
//   - S10 numbers are verified and specific; unverified formats that share
//     their shape (DHL eCommerce's RX/CN/... prefixes) come after them.
//   - DHL Express piece IDs (JJD and 9 or 10 digits) and Yodel numbers
//     (JD/JJD and 16 digits) never have the same length; 3 letters and 9
//     digits are Purolator's before a DHL piece ID (JFV247545960).
//   - InPost's 24 digits have no check digit: it is offered after every
//     verified candidate; no other format has 24 characters.
//   - Unverified formats with a distinctive prefix (TBA, GFUS, LTN, SP, YT,
//     1LS, 3S, ...) come before the length-only ones (DHL eCommerce 14).
//
// Formats with nothing but a length (Evri's 16 characters) are never
// proposed; they only serve Accept when the carrier is named.
//
// The package is pure computation on strings, with no I/O and no
// dependencies, so handlers can reject a mistyped number before spending a
// request on a carrier.
package carrier

import (
	"strings"
	"sync"
	"unicode"
)

// Carrier names a carrier. Its value is the registry code used in the API
// and in stored data.
type Carrier string

// The carriers other code names directly. Their codes are stored data and
// never change.
const (
	FedEx      Carrier = "fedex"
	UPS        Carrier = "ups"
	USPS       Carrier = "usps"
	DHLExpress Carrier = "dhl"
	InPost     Carrier = "inpost"
)

// MaxLen is the longest number accepted. The longest real formats are 34
// digits (USPS with a ZIP+4 routing prefix, FedEx's 34-digit barcodes); the
// margin keeps room for formats not yet supported without letting arbitrary
// blobs through.
const MaxLen = 40

// Candidate is one carrier a number may belong to.
type Candidate struct {
	Carrier Carrier
	// Format is the registry format the number fits, or "unverified" when
	// a named carrier without published formats accepted it.
	Format string
	// Verified is true when a check digit confirmed the format.
	Verified bool
}

// Unverified is the Format of a candidate accepted without any format.
const Unverified = "unverified"

// Normalize returns s as Candidates, Detect and Accept expect it: without
// surrounding or inner white space and dashes (people copy numbers as
// printed, e.g. "1Z 999 AA1 01 2345 6784" or "0414-4176-0228-964"), in
// upper case (UPS and S10 numbers contain letters). It validates nothing.
func Normalize(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '-' || unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	return strings.ToUpper(s)
}

// Candidates returns the carriers whose formats number fits, ranked as the
// package documentation says; nil when none. number must already be
// normalized: anything else (lower case, spaces, more than MaxLen
// characters) fits nothing.
func Candidates(number string) []Candidate {
	if !wellFormed(number) {
		return nil
	}
	var verified, unverified []Candidate
	for _, f := range carriers().ranked {
		if f.namedOnly || !f.match(number) {
			continue
		}
		c := Candidate{Carrier: f.carrier, Format: f.Name, Verified: f.CheckDigit != algoNone}
		if c.Verified {
			verified = appendCarrier(verified, c)
		} else {
			unverified = appendCarrier(unverified, c)
		}
	}
	for _, c := range unverified {
		if !hasCarrier(verified, c.Carrier) {
			verified = append(verified, c)
		}
	}
	return verified
}

// appendCarrier appends c unless its carrier is already listed: a carrier
// is named once, by its best format.
func appendCarrier(cs []Candidate, c Candidate) []Candidate {
	if hasCarrier(cs, c.Carrier) {
		return cs
	}
	return append(cs, c)
}

func hasCarrier(cs []Candidate, c Carrier) bool {
	for _, x := range cs {
		if x.Carrier == c {
			return true
		}
	}
	return false
}

// Detect returns the carrier of the first candidate (see Candidates).
func Detect(number string) (Carrier, bool) {
	cs := Candidates(number)
	if len(cs) == 0 {
		return "", false
	}
	return cs[0].Carrier, true
}

// Accept checks a caller's explicit carrier choice: number, already
// normalized, must fit one of c's formats, verified ones preferred; formats
// that detection leaves to another carrier count too. A carrier in the
// registry without any published format accepts every plausible number (8
// to 40 letters and digits) as Unverified. An unknown carrier accepts
// nothing.
func Accept(c Carrier, number string) (Candidate, bool) {
	info, ok := Lookup(c)
	if !ok || !wellFormed(number) {
		return Candidate{}, false
	}
	if len(info.Formats) == 0 {
		if len(number) < 8 {
			return Candidate{}, false
		}
		return Candidate{Carrier: c, Format: Unverified}, true
	}
	var found *Format
	for i := range info.Formats {
		f := &info.Formats[i]
		if !f.match(number) {
			continue
		}
		if f.CheckDigit != algoNone {
			return Candidate{Carrier: c, Format: f.Name, Verified: true}, true
		}
		if found == nil {
			found = f
		}
	}
	if found == nil {
		return Candidate{}, false
	}
	return Candidate{Carrier: c, Format: found.Name}, true
}

// Parse maps a carrier name as users and other systems spell it to a
// Carrier: case is ignored, as are surrounding spaces; codes, display names
// and the registry's aliases are understood ("DHL Express", "dhl_express",
// "FedEx", "Royal Mail").
func Parse(name string) (Carrier, bool) {
	c, ok := carriers().aliases[strings.ToLower(strings.TrimSpace(name))]
	return c, ok
}

// precedence is the documented order of formats within each ranking group
// (verified, unverified), as carrier/format. Every format of the registry
// appears once (TestPrecedenceCoversRegistry); the S10 formats of the
// postal operators never overlap one another.
var precedence = []string{
	"ups/ups", "ups/ups_waybill",
	"usps/usps_impb_n", "usps/usps_impb_c", "usps/usps_legacy",
	"dhl_paket/dhl_paket_nve", "usps/usps_20",
	"fedex/fedex_smartpost",
	"purolator/purolator_numeric",
	"fedex/fedex_12", "fedex/fedex_34", "fedex/fedex_astra_32", "fedex/fedex_ground",
	"fedex/fedex_ground_96", "fedex/fedex_ground_gsn",
	"old_dominion/old_dominion", "old_dominion/old_dominion_guaranteed",
	"dhl/dhl_express",
	"ontrac/ontrac_c", "ontrac/ontrac_d",
	"canada_post/canada_post",
	"dpd/dpd", "dpd/dpd_14",
	"usps/s10", "canada_post/s10", "royal_mail/s10", "poczta_polska/s10", "deutsche_post/s10",
	"la_poste/s10", "postnl/s10", "australia_post/s10", "austrian_post/s10", "bpost/s10",
	"correos/s10", "japan_post/s10", "poste_italiane/s10", "swiss_post/s10", "upu/s10",
	"fedex/fedex_ground_sscc_18",
	// Unverified formats: distinctive prefixes first.
	"amazon/amazon_logistics", "gofo/gofo_us", "landmark/landmark_global",
	"lasership/lasership_1ls7", "lasership/lasership_1ls7_18", "lasership/lasership_1lscx", "lasership/lasership_lx",
	"speedee/speedee", "yodel/yodel", "yunexpress/yunexpress", "postnl/postnl_3s",
	"canpar/canpar_22", "amazon/amazon_international",
	"purolator/purolator_alpha", "dhl/dhl_express_piece_id", "dhl/dhl_ecommerce",
	"inpost/inpost_24", "dhl/dhl_ecommerce_14",
	"evri/evri_16",
}

// rankedFormat is a format with its carrier, in precedence order.
type rankedFormat struct {
	carrier Carrier
	*Format
}

// tables are the registry and its indexes.
type tables struct {
	registry []Info
	// ranked are the registry's formats in precedence order.
	ranked  []rankedFormat
	byCode  map[Carrier]int
	aliases map[string]Carrier
}

// carriers builds the tables on first use rather than at package
// initialisation: every function links this package, and a function's
// cold start should not pay for them before a number or a carrier name
// is read (about 200 allocations, 40 kB).
var carriers = sync.OnceValue(func() *tables {
	t := &tables{registry: newRegistry(), byCode: map[Carrier]int{}, aliases: map[string]Carrier{}}
	index := map[string]rankedFormat{}
	for i := range t.registry {
		info := &t.registry[i]
		t.byCode[info.Code] = i
		for _, a := range append([]string{string(info.Code), info.Name}, info.Aliases...) {
			t.aliases[strings.ToLower(a)] = info.Code
		}
		for j := range info.Formats {
			f := &info.Formats[j]
			index[string(info.Code)+"/"+f.Name] = rankedFormat{info.Code, f}
		}
	}
	for _, key := range precedence {
		f, ok := index[key]
		if !ok {
			panic("carrier: precedence names no registry format: " + key)
		}
		t.ranked = append(t.ranked, f)
	}
	return t
})

// wellFormed is the shape every number must have: 1 to MaxLen characters,
// each A-Z or 0-9. Checking it once up front lets the matchers index bytes
// freely.
func wellFormed(s string) bool {
	if len(s) == 0 || len(s) > MaxLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) && !isUpper(s[i]) {
			return false
		}
	}
	return true
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }
func isUpper(b byte) bool { return 'A' <= b && b <= 'Z' }

// allDigits reports whether s is non-empty and only digits.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}
