package carrier

import "strings"

// The matchers below implement the registry's formats. Each takes a
// normalized, wellFormed number (1 to MaxLen characters, A-Z and 0-9) and
// reports whether it has the format's shape and, where the format has one,
// its check digit. They are written by hand, without regular expressions:
// detection runs every matcher on every number, so each starts with the
// cheapest test (usually the length).

// --- UPS ---

// ups: "1Z", a 6-character shipper account, a 2-character service code, 7
// package characters and a check digit covering everything after "1Z".
func matchUPS(n string) bool {
	return len(n) == 18 && n[:2] == "1Z" && mod10Doubled(n[2:17], n[17])
}

// upsWaybill: a service letter (A, H, J, K, T or V), 9 digits and a check
// digit over those 9 digits.
func matchUPSWaybill(n string) bool {
	return len(n) == 11 && strings.IndexByte("AHJKTV", n[0]) >= 0 &&
		allDigits(n[1:]) && mod10Doubled(n[1:10], n[10])
}

// --- USPS ---

// uspsRouted calls code on n and, when n carries the IMpb routing prefix
// ("420" and a 5-digit ZIP, or a ZIP+4 when the code after it is 22
// digits), on the code after it. The routing prefix is never part of the
// check digit.
func uspsRouted(n string, code func(string) bool) bool {
	if code(n) {
		return true
	}
	if !strings.HasPrefix(n, "420") {
		return false
	}
	// The ZIP+4 form only ever precedes a 20- or 22-digit code.
	for _, zip := range [2]int{5, 9} {
		rest := n[min(len(n), 3+zip):]
		if len(rest) < 20 || len(rest) > 26 || (zip == 9 && len(rest) > 22) {
			continue
		}
		if code(rest) {
			return true
		}
	}
	return false
}

// impbMailer checks an IMpb code after its 2-digit application identifier
// and 3-digit service type: a 9-digit mailer ID (first digit 9) followed by
// a package number of one of pkg9 lengths, or a 6-digit mailer ID (first
// digit 0-8) followed by one of pkg6 lengths; then the check digit.
func impbMailer(rest string, pkg9, pkg6 []int) bool {
	if rest == "" {
		return false
	}
	mailer, lengths := 6, pkg6
	if rest[0] == '9' {
		mailer, lengths = 9, pkg9
	}
	for _, l := range lengths {
		if len(rest) == mailer+l+1 {
			return true
		}
	}
	return false
}

// uspsIMpbN: Publication 199 constructs N01-N10, application identifier 94.
func matchUSPSIMpbN(n string) bool {
	return allDigits(n) && uspsRouted(n, func(c string) bool {
		return len(c) >= 22 && c[:2] == "94" &&
			impbMailer(c[5:], []int{15, 11, 7}, []int{14, 10}) &&
			gs1Mod10("", c[:len(c)-1], c[len(c)-1])
	})
}

// uspsIMpbC: constructs C01-C10 and retail: identifier 92 (9-digit mailer
// ID), 93 (6-digit mailer ID) or 95 (retail).
func matchUSPSIMpbC(n string) bool {
	return allDigits(n) && uspsRouted(n, func(c string) bool {
		if len(c) != 22 && len(c) != 26 {
			return false
		}
		switch c[:2] {
		case "92":
			if c[5] != '9' {
				return false
			}
		case "93":
			if c[5] == '9' {
				return false
			}
		case "95":
		default:
			return false
		}
		return impbMailer(c[5:], []int{11, 7}, []int{14, 10}) &&
			gs1Mod10("", c[:len(c)-1], c[len(c)-1])
	})
}

// uspsLegacy: the 20-digit Delivery and Signature Confirmation number with
// its application identifier 91, printed with or without it (the check
// digit always counts it).
func matchUSPSLegacy(n string) bool {
	return allDigits(n) && uspsRouted(n, func(c string) bool {
		data, check := c[:len(c)-1], c[len(c)-1]
		switch {
		case len(c) == 22 && c[:2] == "91":
			return gs1Mod10("", data, check)
		case len(c) == 20 && c[:2] != "91":
			return gs1Mod10("91", data, check)
		}
		return false
	})
}

// usps20: the 20-digit confirmation number as printed, check digit over
// the 19 digits shown.
func matchUSPS20(n string) bool {
	return len(n) == 20 && allDigits(n) && gs1Mod10("", n[:19], n[19])
}

// --- FedEx ---

func matchFedEx12(n string) bool {
	return len(n) == 12 && allDigits(n) && sumProduct317(n[:11], n[11])
}

// fedex34: a first digit 0-8, 14 digits, the 5-digit destination ZIP, a
// 13-digit serial and its check digit.
func matchFedEx34(n string) bool {
	return len(n) == 34 && allDigits(n) && n[0] != '9' && sumProduct317(n[20:33], n[33])
}

// fedexAstra32: the ASTRA barcode, "3" then 15 digits, a 12-digit Express
// number (the only check digit the barcode carries) and 4 digits.
func matchFedExAstra32(n string) bool {
	return len(n) == 32 && n[0] == '3' && allDigits(n) && sumProduct317(n[16:27], n[27])
}

func matchFedExGround(n string) bool {
	return len(n) == 15 && allDigits(n) && gs1Mod10("", n[:14], n[14])
}

// fedexSSCC18: the GS1 Serial Shipping Container Code, 18 digits.
func matchFedExSSCC18(n string) bool {
	return len(n) == 18 && allDigits(n) && gs1Mod10("", n[:17], n[17])
}

// fedexGround96: "96", a 2-digit SCNC, a 3-digit service code, then the
// 15-digit Ground number with its own check digit.
func matchFedExGround96(n string) bool {
	return len(n) == 22 && n[:2] == "96" && allDigits(n) && gs1Mod10("", n[7:21], n[21])
}

// fedexGroundGSN: the 34-digit Ground barcode starting 96; its last 14
// digits are a serial and check digit in the Express sum-product.
func matchFedExGroundGSN(n string) bool {
	return len(n) == 34 && n[:2] == "96" && allDigits(n) && sumProduct317(n[20:33], n[33])
}

// fedexSmartPost: SmartPost / Ground Economy parcels, which USPS delivers,
// carry a USPS IMpb number with identifier 92, sometimes printed without
// the 92; the check digit always counts it.
func matchFedExSmartPost(n string) bool {
	if !allDigits(n) {
		return false
	}
	switch {
	case len(n) == 22 && n[:2] == "92":
		return gs1Mod10("", n[:21], n[21])
	case len(n) == 20:
		return gs1Mod10("92", n[:19], n[19])
	}
	return false
}

// --- DHL ---

// dhlExpress: 10 or 11 digits, the last the remainder mod 7 of the others.
func matchDHLExpress(n string) bool {
	return (len(n) == 10 || len(n) == 11) && allDigits(n) && mod7(n[:len(n)-1], n[len(n)-1])
}

// dhlPieceID: "J" and 2 or 3 letters (JJD, JVGL), then 9 or 10 digits.
func matchDHLPieceID(n string) bool {
	if len(n) < 12 || n[0] != 'J' {
		return false
	}
	letters := 1
	for letters < len(n) && isUpper(n[letters]) {
		letters++
	}
	digits := len(n) - letters
	return (letters == 3 || letters == 4) && (digits == 9 || digits == 10) && allDigits(n[letters:])
}

// dhlECommerce: a 2-letter prefix from DHL eCommerce's list, then 10 to 39
// letters and digits, at least one of them a digit.
func matchDHLECommerce(n string) bool {
	if len(n) < 12 || len(n) > 41 {
		return false
	}
	switch n[:2] {
	case "GM", "LX", "RX", "UV", "CN", "SG", "TH", "IN", "HK", "MY":
	default:
		return false
	}
	return strings.ContainsAny(n[2:], "0123456789")
}

func matchDHLECommerce14(n string) bool { return len(n) == 14 && allDigits(n) }

// dhlPaketNVE: DHL Paket's 20-digit label number, application identifier
// 00 and an SSCC under DHL's GS1 company prefix (00340434...), GS1 mod 10.
func matchDHLPaketNVE(n string) bool {
	return len(n) == 20 && strings.HasPrefix(n, "00340434") && allDigits(n) && gs1Mod10("", n[2:19], n[19])
}

// --- other tracking_number_data couriers ---

// amazonLogistics: "TBA" and 12 digits; no check digit.
func matchAmazonLogistics(n string) bool {
	return len(n) == 15 && n[:3] == "TBA" && allDigits(n[3:])
}

// amazonInternational: "C" and 10 digits; no check digit.
func matchAmazonInternational(n string) bool {
	return len(n) == 11 && n[0] == 'C' && allDigits(n[1:])
}

// canadaPost: 16 digits, GS1 mod 10.
func matchCanadaPost(n string) bool {
	return len(n) == 16 && allDigits(n) && gs1Mod10("", n[:15], n[15])
}

// canpar: one of the letters C, D, K, L, S, U, X or Z and 21 digits.
func matchCanpar(n string) bool {
	return len(n) == 22 && strings.IndexByte("CDKLSUXZ", n[0]) >= 0 && allDigits(n[1:])
}

// dpd28: 27 digits (ZIP, parcel number, service, country) and an ISO 7064
// MOD 37,36 check character.
func matchDPD28(n string) bool {
	return len(n) == 28 && allDigits(n[:27]) && mod3736(n[:27], n[27])
}

// dpd14: the 14-digit DPD parcel number and its MOD 37,36 check character.
func matchDPD14(n string) bool {
	return len(n) == 15 && allDigits(n[:14]) && mod3736(n[:14], n[14])
}

func matchGOFO(n string) bool {
	return len(n) == 18 && n[:4] == "GFUS" && allDigits(n[4:])
}

// landmark: "LTN", 8 digits, "N1".
func matchLandmark(n string) bool {
	return len(n) == 13 && n[:3] == "LTN" && allDigits(n[3:11]) && n[11:] == "N1"
}

// lasershipL: "L", a second letter (A, E, H, I, N or X) and 8 digits.
func matchLaserShipL(n string) bool {
	return len(n) == 10 && n[0] == 'L' && strings.IndexByte("AEHINX", n[1]) >= 0 && allDigits(n[2:])
}

// lasership1LS7: "1LS7", 1 or 2, then 10 digits.
func matchLaserShip1LS7(n string) bool {
	return len(n) == 15 && n[:4] == "1LS7" && (n[4] == '1' || n[4] == '2') && allDigits(n[5:])
}

// lasership1LS7Long: "1LS7", 1 or 2, 2 digits, "01", 1-4, 6 digits and the
// piece suffix "-1" (the dash is gone once normalized).
func matchLaserShip1LS7Long(n string) bool {
	return len(n) == 17 && n[:4] == "1LS7" && (n[4] == '1' || n[4] == '2') &&
		allDigits(n[5:]) && n[7:9] == "01" && '1' <= n[9] && n[9] <= '4' && n[16] == '1'
}

// lasership1LSCX: "1LSCX" and 10 letters and digits.
func matchLaserShip1LSCX(n string) bool { return len(n) == 15 && n[:5] == "1LSCX" }

// oldDominion: an 11-digit PRO number starting 072, 777 or 778, Luhn.
func matchOldDominion(n string) bool {
	if len(n) != 11 || !allDigits(n) {
		return false
	}
	switch n[:3] {
	case "072", "777", "778":
		return luhn(n[:10], n[10])
	}
	return false
}

// oldDominionGuaranteed: "80" and 9 digits, Luhn.
func matchOldDominionGuaranteed(n string) bool {
	return len(n) == 11 && n[:2] == "80" && allDigits(n) && luhn(n[:10], n[10])
}

// ontrac: "C" (or "D") and 14 digits; the check digit counts the 13-digit
// serial with a leading 4 (or 5) in place of the letter, added when the
// serial does not already start with it.
func matchOnTrac(letter, implied byte) func(string) bool {
	return func(n string) bool {
		if len(n) != 15 || n[0] != letter || !allDigits(n[1:]) {
			return false
		}
		serial := n[1:14]
		if serial[0] != implied {
			serial = string(implied) + serial
		}
		return mod10Doubled(serial, n[14])
	}
}

// purolatorNumeric: 12 digits, the first 0-5, Luhn.
func matchPurolatorNumeric(n string) bool {
	return len(n) == 12 && allDigits(n) && n[0] <= '5' && luhn(n[:11], n[11])
}

// purolatorAlpha: 3 letters and 9 digits.
func matchPurolatorAlpha(n string) bool {
	return len(n) == 12 && isUpper(n[0]) && isUpper(n[1]) && isUpper(n[2]) && allDigits(n[3:])
}

func matchSpeeDee(n string) bool { return len(n) == 20 && n[:2] == "SP" && allDigits(n[2:]) }

// yodel: "JD" or "JJD" and 16 digits.
func matchYodel(n string) bool {
	return (len(n) == 18 && n[:2] == "JD" && allDigits(n[2:])) ||
		(len(n) == 19 && n[:3] == "JJD" && allDigits(n[3:]))
}

func matchYunExpress(n string) bool { return len(n) == 18 && n[:2] == "YT" && allDigits(n[2:]) }

// --- European carriers ---

// inpost: 24 digits whose first digit is 4, 5, 6 or 9. There is
// deliberately no check digit: neither InPost's ShipX documentation nor the
// open-source tracking libraries publish one, and real InPost numbers pass
// none of the usual candidates (GS1 mod 10, Luhn, mod 7), nor does the
// ShipX example 612345678901234567890123, which must be accepted.
func matchInPost(n string) bool {
	if len(n) != 24 || !allDigits(n) {
		return false
	}
	return strings.IndexByte("4569", n[0]) >= 0
}

// postNL3S: "3S", a 4-letter customer code and a 7- or 9-digit serial, 13
// or 15 characters in all.
func matchPostNL3S(n string) bool {
	if (len(n) != 13 && len(n) != 15) || n[:2] != "3S" {
		return false
	}
	for i := 2; i < 6; i++ {
		if !isUpper(n[i]) {
			return false
		}
	}
	return allDigits(n[6:])
}

// evri16: Evri's 16-character barcode number. Evri publishes only the
// length, so the format is accepted for a named carrier but not detected.
func matchEvri16(n string) bool { return len(n) == 16 }

// s10 checks a UPU S10 number: 2 letters, 8 digits, a mod 11 check digit
// and the ISO 3166 code of the issuing post's country, which it returns.
func s10(n string) (country string, ok bool) {
	if len(n) != 13 || !isUpper(n[0]) || !isUpper(n[1]) || !allDigits(n[2:11]) ||
		!s10Mod11(n[2:10], n[10]) || !isCountry(n[11:]) {
		return "", false
	}
	return n[11:], true
}

// isCountry reports whether cc is an assigned ISO 3166-1 alpha-2 code: an
// S10 number ending in anything else names no post and is refused.
func isCountry(cc string) bool {
	if len(cc) != 2 {
		return false
	}
	for i := 0; i+1 < len(iso3166); i += 3 {
		if iso3166[i:i+2] == cc {
			return true
		}
	}
	return false
}

// iso3166 lists the assigned ISO 3166-1 alpha-2 codes.
const iso3166 = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
	"CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR " +
	"GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP " +
	"KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT " +
	"MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW " +
	"SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG " +
	"UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"
