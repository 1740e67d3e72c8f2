package carrier

import "strings"

// validFedEx accepts FedEx's numeric formats, as tracking_number_data
// (couriers/fedex.json) describes them from FedEx's label and barcode
// specifications:
//
//   - 12 digits, FedEx Express: mod 11 with weights 1,3,7 from the right.
//   - 15 digits, FedEx Ground: GS1 mod 10.
//   - 20 digits, SmartPost / Ground Economy printed without its "92"
//     application identifier: GS1 mod 10 computed as if "92" were present.
//   - 22 digits starting 96, the Ground barcode: 96, a 2-digit SCNC and a
//     3-digit service code, then the 15-digit Ground number, whose own check
//     digit (GS1 mod 10 over the last 15 digits) ends the barcode.
//   - 22 digits starting 92, SmartPost with its identifier: a USPS IMpb
//     number, GS1 mod 10 over all of it. Detect gives it to USPS.
//   - 34 digits starting 96 (Ground GSN barcode) or 100 (Express barcode):
//     the last 14 digits are a serial checked with the Express mod 11.
//
// The 18-digit SSCC form that tracking_number_data also lists is left out:
// SSCC is a generic GS1 shipping code any shipper may print, so its check
// digit says nothing about FedEx.
func validFedEx(n string) bool {
	if !allDigits(n) {
		return false
	}
	switch len(n) {
	case 12:
		return fedexMod11(n)
	case 15:
		return gs1Mod10("", n)
	case 20:
		return gs1Mod10("92", n)
	case 22:
		switch {
		case strings.HasPrefix(n, "96"):
			return gs1Mod10("", n[7:])
		case strings.HasPrefix(n, "92"):
			return gs1Mod10("", n)
		}
	case 34:
		if strings.HasPrefix(n, "96") || strings.HasPrefix(n, "100") {
			return fedexMod11(n[20:])
		}
	}
	return false
}
