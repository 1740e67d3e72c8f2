// Package carrier recognises shipment tracking numbers: which carrier issued
// a number (Detect) and whether a number fits a named carrier's rules (Valid).
//
// The rules are the carriers' published formats and check digits, as
// collected by the open-source tracking_number_data project
// (github.com/jkeen/tracking_number_data, couriers/*.json and
// CHECKSUM_ALGORITHMS.md) and the carrier documents it cites. A check digit
// only proves a number is well formed, not that a parcel exists: the carrier's
// tracking API remains the authority on that.
//
// The package is pure computation on strings, with no I/O and no
// dependencies, so handlers can reject a mistyped number before spending a
// request on a carrier.
package carrier

import (
	"strings"
	"unicode"
)

// Carrier names a carrier. Its value is the lower-case name used in the API.
type Carrier string

// The carriers this package knows.
const (
	FedEx      Carrier = "fedex"
	UPS        Carrier = "ups"
	USPS       Carrier = "usps"
	DHLExpress Carrier = "dhl"
	InPost     Carrier = "inpost"
)

// MaxLen is the longest number accepted. The longest real format is 34
// digits (USPS with a ZIP+4 routing prefix, FedEx's 34-digit barcodes); the
// margin keeps room for formats not yet supported without letting arbitrary
// blobs through.
const MaxLen = 40

// detectOrder is the priority Detect uses. The only format two carriers both
// accept is the 22-digit IMpb number starting with 92: USPS issues it and
// FedEx Ground Economy (SmartPost) parcels carry it because USPS delivers
// them. It goes to USPS, which issues and tracks every IMpb number; a caller
// who knows the parcel is FedEx's can still say so, as Valid(FedEx, n)
// accepts it. Every other format belongs to one carrier only (different
// lengths, prefixes or, for 20-digit numbers, check digits), so the rest of
// the order does not matter; InPost is last because its rule has no check
// digit and is therefore the weakest.
var detectOrder = []Carrier{UPS, USPS, FedEx, DHLExpress, InPost}

// Normalize returns s as Detect and Valid expect it: without surrounding or
// inner white space and dashes (people copy numbers as printed, e.g.
// "1Z 999 AA1 01 2345 6784" or "0414-4176-0228-964"), in upper case (UPS and
// S10 numbers contain letters). It does not validate anything.
func Normalize(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '-' || unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	return strings.ToUpper(s)
}

// Detect returns the carrier whose format and check digit number satisfies,
// trying carriers in the documented priority (see detectOrder). number must
// already be normalized (Normalize); anything else, such as lower case,
// spaces or more than MaxLen characters, is not detected.
func Detect(number string) (Carrier, bool) {
	if !wellFormed(number) {
		return "", false
	}
	for _, c := range detectOrder {
		if rules[c](number) {
			return c, true
		}
	}
	return "", false
}

// Valid reports whether number, already normalized, satisfies the rules of
// carrier c. It is meant to check a caller's explicit carrier choice, so it
// accepts everything Detect would attribute to c and also the shared formats
// Detect gives to another carrier. An unknown carrier is never valid.
func Valid(c Carrier, number string) bool {
	rule, ok := rules[c]
	return ok && wellFormed(number) && rule(number)
}

// Parse maps a carrier name as users and other systems spell it to a
// Carrier: case is ignored, as are surrounding spaces, and common aliases
// are understood ("DHL Express", "dhl_express", "FedEx").
func Parse(name string) (Carrier, bool) {
	c, ok := aliases[strings.ToLower(strings.TrimSpace(name))]
	return c, ok
}

var aliases = map[string]Carrier{
	"fedex":       FedEx,
	"fed-ex":      FedEx,
	"fed_ex":      FedEx,
	"fed ex":      FedEx,
	"ups":         UPS,
	"usps":        USPS,
	"dhl":         DHLExpress,
	"dhl-express": DHLExpress,
	"dhl_express": DHLExpress,
	"dhlexpress":  DHLExpress,
	"dhl express": DHLExpress,
	"inpost":      InPost,
	"in-post":     InPost,
	"in_post":     InPost,
}

// rules holds each carrier's rule. A rule may assume its argument is
// wellFormed.
var rules = map[Carrier]func(string) bool{
	FedEx:      validFedEx,
	UPS:        validUPS,
	USPS:       validUSPS,
	DHLExpress: validDHLExpress,
	InPost:     validInPost,
}

// wellFormed is the shape every number must have: 1 to MaxLen characters,
// each A-Z or 0-9. Checking it once up front lets the rules index bytes
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
