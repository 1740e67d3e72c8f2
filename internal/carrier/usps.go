package carrier

import "strings"

// validUSPS accepts USPS's numbers, following tracking_number_data
// (couriers/usps.json, couriers/s10.json) and USPS Publication 199 (IMpb):
//
//   - 20 digits, the older domestic form: GS1 mod 10 either over the number
//     as printed or with the "91" application identifier it was printed
//     without (certified-mail style numbers such as 7196 9010 ...).
//   - 22 or 26 digits, the IMpb package identification code: a channel
//     application identifier 91-95, then service type, mailer ID and serial;
//     GS1 mod 10 over all of it.
//   - 30 or 34 digits, the IMpb barcode with its routing prefix: "420", the
//     5-digit ZIP or ZIP+4, then a 22- or 26-digit code as above. The check
//     digit covers only that code, never the routing prefix.
//   - 13 characters, UPU S10 international (two letters, 8 digits, a mod 11
//     check digit, "US"): only numbers USPS issued, i.e. ending in US. S10
//     numbers of other posts are theirs, not USPS's.
//
// A 20-digit number that fits only with "92" prepended is FedEx SmartPost's
// (see validFedEx); the three variants never accept the same number because
// "91" and "92" shift the expected check digit by different amounts.
func validUSPS(n string) bool {
	if len(n) == 13 {
		return validS10(n, "US")
	}
	if !allDigits(n) {
		return false
	}
	switch len(n) {
	case 20:
		return gs1Mod10("", n) || gs1Mod10("91", n)
	case 22, 26:
		return validIMpb(n)
	case 30, 34:
		if !strings.HasPrefix(n, "420") {
			return false
		}
		// 30 = 420 + ZIP5 + 22; 34 = 420 + ZIP+4 + 22 or 420 + ZIP5 + 26.
		// Only the code after the prefix can tell which, so try both.
		for _, zip := range []int{5, 9} {
			code := n[3+zip:]
			if (len(code) == 22 || len(code) == 26) && validIMpb(code) {
				return true
			}
		}
	}
	return false
}

// validIMpb checks a 22- or 26-digit IMpb code: identifier 91 to 95, then
// GS1 mod 10 over the whole code.
func validIMpb(code string) bool {
	return code[0] == '9' && '1' <= code[1] && code[1] <= '5' && gs1Mod10("", code)
}

// validS10 checks a UPU S10 number (2 letters, 8 digits, check digit,
// 2-letter country code) issued by the post of country.
func validS10(n, country string) bool {
	return len(n) == 13 &&
		isUpper(n[0]) && isUpper(n[1]) &&
		allDigits(n[2:11]) &&
		n[11:] == country &&
		s10Mod11(n[2:11])
}
