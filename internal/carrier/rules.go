package carrier

// validUPS accepts the UPS "1Z" number: 1Z, a 6-character shipper account,
// a 2-character service code (letters occur: "YW" is SurePost, "A0" ... "AA"
// adult-signature services), 7 package digits and a check digit, 18
// characters in all (tracking_number_data couriers/ups.json; UPS's rule via
// Google Answers 207899). The check digit covers everything after "1Z".
//
// UPS's other numbers (Mail Innovations, which are USPS IMpb or S10 numbers,
// and handwritten waybills such as H/K/T plus digits) have no documented
// check digit of their own and are not accepted.
func validUPS(n string) bool {
	return len(n) == 18 &&
		n[:2] == "1Z" &&
		allDigits(n[10:]) &&
		upsMod10(n[2:])
}

// validDHLExpress accepts the 10-digit DHL Express waybill: 9 digits and a
// check digit equal to those 9 digits, as one number, mod 7
// (tracking_number_data couriers/dhl.json, "DHL Express").
//
// Not accepted: the 11-digit "DHL Express Air" form tracking_number_data
// also lists (a single example, no DHL source), and the JJD... / JVGL...
// piece identifiers, which have no published check digit and which
// tracking_number_data has since dropped.
func validDHLExpress(n string) bool {
	return len(n) == 10 && allDigits(n) && mod7(n)
}

// validInPost accepts InPost (Poland) parcel numbers: 24 digits whose first
// digit is 4, 5, 6 or 9.
//
// There is deliberately no check digit. Neither InPost's ShipX documentation
// nor the open-source tracking libraries publish one, and the InPost numbers
// found in public material pass none of the usual candidates (GS1 mod 10,
// Luhn, mod 7) - nor does the ShipX example in our own documentation,
// 612345678901234567890123, which must be accepted. Guessing an algorithm
// would reject real parcels, so the rule is the format alone. The leading
// digits are those listed by tracking aggregators (e.g. 4tracking.net's
// InPost page: 24 digits, beginning 4, 5, 6 or 9; locker parcels usually
// begin 6); widen the set if a genuine number with another prefix appears.
func validInPost(n string) bool {
	if len(n) != 24 || !allDigits(n) {
		return false
	}
	switch n[0] {
	case '4', '5', '6', '9':
		return true
	}
	return false
}
