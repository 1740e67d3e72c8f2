package carrier

// Check-digit algorithms, named as tracking_number_data's
// CHECKSUM_ALGORITHMS.md names them (mod10, mod7, s10, luhn, mod_37_36,
// sum_product). Each takes the data characters and the check character
// separately and assumes the caller has already checked which characters
// may appear.

// The algorithm names the registry reports.
const (
	algoMod10      = "mod10"
	algoMod7       = "mod7"
	algoS10        = "s10"
	algoLuhn       = "luhn"
	algoMod3736    = "mod_37_36"
	algoSumProduct = "sum_product"
	algoNone       = "none"
)

// value is a character's numeric value for the mod 10 family: digits are
// themselves, letters follow UPS's table (A=2, B=3, ... I=0, J=1, ...,
// i.e. the ASCII code minus 63, mod 10).
func value(c byte) int {
	if isUpper(c) {
		return int(c-63) % 10
	}
	return int(c - '0')
}

// isCheck reports whether c is the decimal digit want.
func isCheck(c byte, want int) bool { return isDigit(c) && int(c-'0') == want }

// gs1Mod10 is the GS1 "mod 10" check (SSCC, USPS IMpb, FedEx Ground,
// Canada Post): from the rightmost data digit leftwards the weights are 3,
// 1, 3, 1, ...; the check digit brings the weighted sum up to a multiple of
// 10. prefix is data the number was computed with but is printed without
// (the application identifiers "91" and "92").
func gs1Mod10(prefix, data string, check byte) bool {
	sum := weigh(data, 0) + weigh(prefix, len(data))
	return isCheck(check, (10-sum%10)%10)
}

// weigh adds s's digits with GS1 weights, s sitting offset digits left of
// the check digit's neighbour.
func weigh(s string, offset int) int {
	sum := 0
	for i := 0; i < len(s); i++ {
		d := value(s[len(s)-1-i])
		if (i+offset)%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return sum
}

// mod10Doubled is tracking_number_data's mod10 with evens_multiplier 1 and
// odds_multiplier 2 (UPS, UPS waybills, OnTrac): reading from the left,
// characters at odd positions (0-based) count twice, the others once, with
// no digit-sum step; the check digit brings the sum up to a multiple of 10.
func mod10Doubled(data string, check byte) bool {
	sum := 0
	for i := 0; i < len(data); i++ {
		d := value(data[i])
		if i%2 == 1 {
			d *= 2
		}
		sum += d
	}
	return isCheck(check, (10-sum%10)%10)
}

// luhn is the Luhn check (Purolator, Old Dominion): from the rightmost data
// digit leftwards every other digit, starting with that one, is doubled and
// reduced by 9 when over 9; the check digit completes a multiple of 10.
func luhn(data string, check byte) bool {
	sum := 0
	for i := 0; i < len(data); i++ {
		d := int(data[len(data)-1-i] - '0')
		if i%2 == 0 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return isCheck(check, (10-sum%10)%10)
}

// sumProduct317 is FedEx's check (tracking_number_data
// sum_product_with_weightings_and_modulo, modulo 11 then 10): from the
// rightmost data digit leftwards the weights are 1, 3, 7, 1, 3, 7, ...; the
// check digit is the weighted sum mod 11, with 10 written as 0. Read from
// the left this is FedEx Express's 3,1,7 over 11 digits and the 1,7,3 over
// the 13-digit serials of the 34-digit barcodes.
func sumProduct317(data string, check byte) bool {
	weights := [3]int{1, 3, 7}
	sum := 0
	for i := 0; i < len(data); i++ {
		sum += int(data[len(data)-1-i]-'0') * weights[i%3]
	}
	return isCheck(check, sum%11%10)
}

// s10Mod11 is the UPU S10 check over the 8 serial digits (UPU S10
// standard): weights 8, 6, 4, 2, 3, 5, 9, 7; check = 11 - sum mod 11,
// except that 10 is written 0 and 11 is written 5.
func s10Mod11(serial string, check byte) bool {
	weights := [8]int{8, 6, 4, 2, 3, 5, 9, 7}
	sum := 0
	for i, w := range weights {
		sum += int(serial[i]-'0') * w
	}
	want := 11 - sum%11
	switch want {
	case 10:
		want = 0
	case 11:
		want = 5
	}
	return isCheck(check, want)
}

// mod7 is DHL Express's waybill check: the data digits, read as one number,
// mod 7. The remainder is accumulated digit by digit so no length overflows.
func mod7(data string, check byte) bool {
	rem := 0
	for i := 0; i < len(data); i++ {
		rem = (rem*10 + int(data[i]-'0')) % 7
	}
	return isCheck(check, rem)
}

// mod3736 is ISO/IEC 7064 MOD 37,36, the check character of DPD parcel
// numbers (DPD Parcel Label Specification): digits count as themselves and
// letters as 10 to 35; the check character is a digit or a letter.
func mod3736(data string, check byte) bool {
	const m = 36
	p := m
	for i := 0; i < len(data); i++ {
		s := (p + alnumValue(data[i])) % m
		if s == 0 {
			s = m
		}
		p = s * 2 % (m + 1)
	}
	return alnumValue(check) == (m+1-p)%m
}

// alnumValue is a character's value in the alphabet 0-9A-Z.
func alnumValue(c byte) int {
	if isUpper(c) {
		return int(c-'A') + 10
	}
	return int(c - '0')
}
