package carrier

import "testing"

// Sources of the example numbers below:
//
//	[TND]  github.com/jkeen/tracking_number_data, couriers/*.json test_numbers
//	       (valid and invalid lists, taken as published)
//	[GA]   answers.google.com/answers/threadview/id/207899.html, FedEx's
//	       worked Express example as relayed from FedEx's Web API department
//	[SAMP] the sample UPS number of tracking-help pages (e.g. wheremy.com's
//	       UPS FAQ, "1Z 999 AA1 01 2345 6784"), which our docs use too
//	[SHIP] docs.goshippo.com tracking API reference, USPS example
//	[4TR]  4tracking.net InPost page, example numbers
//	[DOCS] our product documentation
//	[MADE] constructed for this test from a valid number, to change exactly
//	       one property (noted on the line); not a real parcel
type ruleCase struct {
	number string // normalized by the test before use
	valid  bool
	why    string
}

func runRule(t *testing.T, c Carrier, cases []ruleCase) {
	t.Helper()
	for _, tc := range cases {
		if _, got := Accept(c, Normalize(tc.number)); got != tc.valid {
			t.Errorf("Accept(%s, %q) = %v, want %v (%s)", c, tc.number, got, tc.valid, tc.why)
		}
	}
}

func TestFedEx(t *testing.T) {
	runRule(t, FedEx, []ruleCase{
		{"986578788855", true, "Express 12 [TND]"},
		{"477179081230", true, "Express 12, check digit 10 written 0 [TND]"},
		{"799531274483", true, "Express 12 [TND]"},
		{"790535312317", true, "Express 12 [TND]"},
		{" 7 9 0 5 3 5 3 1 2 3 1 7 ", true, "Express 12 with spaces [TND]"},
		{"974367662710", true, "Express 12 [TND]"},
		{"012345678983", true, "Express 12 [GA]"},
		{"996578788855", false, "Express 12, first digit changed [TND]"},
		{"986578788856", false, "Express 12, check digit changed [MADE]"},
		{"98657878885", false, "11 digits [MADE]"},
		{"9865787888555", false, "13 digits [MADE]"},
		{"98657878B855", false, "letter among digits [MADE]"},

		{"041441760228964", true, "Ground 15 [TND]"},
		{"5682 8361 0012 000", true, "Ground 15 [TND]"},
		{"568283610012734", true, "Ground 15 [TND]"},
		{"568283610012732", false, "Ground 15, check digit changed [TND]"},

		{"61299998820821171811", true, "SmartPost 20, implied 92 [TND]"},
		{"9261292700768711948021", true, "SmartPost 22; Detect says USPS [TND]"},
		{"9261292700768711948020", false, "SmartPost 22, check digit changed [TND]"},

		{"9611020987654312345672", true, "Ground 96 barcode [TND]"},
		{"9600000000000000000001", false, "Ground 96, bad check digit [TND]"},
		{"9711020987654312345672", false, "Ground barcode with prefix 97 [MADE]"},

		{"9622001900000000000000776632517510", true, "Ground GSN 34 [TND]"},
		{"9622001560000000000000794808390594", true, "Ground GSN 34 [TND]"},
		{"9622001560001234567100794808390594", true, "Ground GSN 34 [TND]"},
		{"9632001560123456789900794808390594", true, "Ground GSN 34 [TND]"},
		{"9622001560001234567100794808390595", false, "GSN 34, check digit changed [TND]"},
		{"9622001560001234567100794808390597", false, "GSN 34, check digit changed [TND]"},

		{"1001921334250001000300779017972697", true, "Express 34 [TND]"},
		{"1001921380360001000300639585804382", true, "Express 34 [TND]"},
		{"1001901781990001000300617767839437", true, "Express 34 [TND]"},
		{"1002297871540001000300790695517286", true, "Express 34 [TND]"},
		{"1001901781990001000300617767839438", false, "Express 34, check digit changed [TND]"},
		{"2001901781990001000300617767839437", true, "34 digits, prefix 200: any first digit but 9 [MADE]"},
		{"9001901781990001000300617767839437", false, "34 digits, prefix 9 without 96 [MADE]"},

		{"000123450000000027", true, "SSCC-18, ranked last when detecting [TND]"},
		{"1Z999AA10123456784", false, "a UPS number [SAMP]"},
	})
}

func TestUPS(t *testing.T) {
	runRule(t, UPS, []ruleCase{
		{"1Z5R89390357567127", true, "[TND]"},
		{"1Z879E930346834440", true, "[TND]"},
		{"1Z410E7W0392751591", true, "[TND]"},
		{"1Z8V92A70367203024", true, "[TND]"},
		{"1ZXX3150YW44070023", true, "letters in service code (SurePost) [TND]"},
		{"1Z999AA10123456784", true, "[SAMP] [DOCS]"},
		{"1z 999 aa1 01 2345 6784", true, "as printed, lower case [SAMP]"},
		{"2Z5R89390357567127", false, "prefix 2Z [TND]"},
		{"1A5R89390357567127", false, "prefix 1A [TND]"},
		{"1Z1111111111111111", false, "bad check digit [TND]"},
		{"1Z999AA10123456785", false, "check digit changed [MADE]"},
		{"1Z999AA10123456794", false, "package digit changed [MADE]"},
		{"1Z999AA1012345678", false, "17 characters [MADE]"},
		{"1Z999AA101234567840", false, "19 characters [MADE]"},
		// tracking_number_data's rule allows letters in the package
		// characters; A stands for 2 in UPS's letter table, so the check
		// digit still fits.
		{"1Z999AA101A3456784", true, "letter in package characters [MADE]"},
		{"1Z999AA1012345678A", false, "letter as check digit [MADE]"},
	})
}

func TestUSPS(t *testing.T) {
	runRule(t, USPS, []ruleCase{
		{"0307 1790 0005 2348 3741", true, "20 digits [TND]"},
		{"7112 3456 7891 2345 6787", true, "20 digits [TND]"},
		{"7196 9010 7560 0307 7385", true, "20 digits, implied 91 [TND]"},
		{"0307 1790 0005 2348 3742", false, "20 digits, check digit changed [TND]"},
		{"61299998820821171811", false, "FedEx SmartPost (implied 92) [TND]"},

		{"9505 5110 6960 5048 6006 24", true, "IMpb 22 [TND]"},
		{"9101 1234 5678 9000 0000 13", true, "IMpb 22 [TND]"},
		{"9400 1112 0108 0805 4830 16", true, "IMpb 22 [TND]"},
		{"9361 2898 7870 0317 6337 95", true, "IMpb 22 [TND]"},
		{"9405803699300124287899", true, "IMpb 22 [TND]"},
		{"9205590164917312751089", true, "IMpb 22 [SHIP]"},
		{"9200000000000000000000", false, "IMpb 22, bad check digit [TND]"},
		{"9400111201080805483017", false, "IMpb 22, check digit changed [MADE]"},
		{"9000111201080805483010", false, "IMpb 22 with identifier 90, check digit fits [MADE]"},
		{"940011120108080548301", false, "21 digits [MADE]"},
		{"94001112010808054830A6", false, "letter among digits [MADE]"},

		{"92748931507708513018050063", true, "IMpb 26 [TND]"},
		{"92748931507708513018050064", false, "IMpb 26, check digit changed [MADE]"},

		{"420 22153 9101026837331000039521", true, "420 + ZIP5 + IMpb 22 [TND]"},
		{"4201002334249200190132607600833457", true, "420 + ZIP+4 + IMpb 22 [TND]"},
		{"4201028200009261290113185417468510", true, "420 + ZIP+4 + IMpb 22 [TND]"},
		{"4201028200009261290113185417468511", false, "check digit changed [TND]"},
		{"420000000000000000000000000000", false, "no IMpb identifier [TND]"},
		{"420000009200000000000000000000", false, "bad check digit [TND]"},
		{"421221539101026837331000039521", false, "routing prefix 421, check digit fits [MADE]"},

		{"RB123456785US", true, "S10 [TND]"},
		{"EE123456025US", true, "S10, sum mod 11 = 0 so check 11 is written 5 [MADE]"},
		{"RR123456140US", true, "S10, sum mod 11 = 1 so check 10 is written 0 [MADE]"},
		{"RB123456786US", false, "S10, check digit changed [TND]"},
		{"RB123456785GB", false, "S10 of Royal Mail, not USPS [TND]"},
		{"R1123456785US", false, "digit in the service letters [MADE]"},
		{"RB1234567A5US", false, "letter in the serial [MADE]"},
		{"RB12345678US", false, "12 characters [MADE]"},
	})
}

func TestDHLExpress(t *testing.T) {
	runRule(t, DHLExpress, []ruleCase{
		{"3318810025", true, "[TND]"},
		{"8487135506", true, "[TND]"},
		{"3318810036", true, "[TND]"},
		{"3318810014", true, "[TND]"},
		{"1099255990", true, "[TND, earlier version]"},
		{"3821724944", true, "[TND, earlier version]"},
		{"3318810010", false, "check digit changed [TND]"},
		{"3318810034", false, "check digit changed [TND]"},
		{"3318810011", false, "check digit changed [TND]"},
		{"4318810025", false, "first digit changed [MADE]"},
		{"331881002", false, "9 digits [MADE]"},
		{"73891051146", true, "11 digits [TND]"},
		{"73891051147", false, "11 digits, check digit changed [MADE]"},
		{"331881002A", false, "letter as check digit [MADE]"},
		{"JJD0099999999", true, "piece ID, no check digit [TND]"},
		{"JJ0099999999", false, "piece ID with one letter after J [MADE]"},
	})
}

func TestInPost(t *testing.T) {
	runRule(t, InPost, []ruleCase{
		{"612345678901234567890123", true, "ShipX locker example [DOCS]"},
		{"520000014433330021832563", true, "[4TR]"},
		{"620000014433330021832001", true, "[4TR]"},
		{"61234567890123456789012", false, "23 digits [MADE]"},
		{"6123456789012345678901234", false, "25 digits [MADE]"},
		{"112345678901234567890123", false, "prefix 1 [MADE]"},
		{"012345678901234567890123", false, "prefix 0 [MADE]"},
		{"61234567890123456789012A", false, "letter among digits [MADE]"},
	})
}

// TestTwentyDigitFormsAreDisjoint backs the package documentation: a 20-digit
// number fits at most one of USPS's two readings and FedEx's implied 92, so
// Detect never has to choose between them.
func TestTwentyDigitFormsAreDisjoint(t *testing.T) {
	for _, stem := range []string{"0307179000052348374", "7196901075600307738", "6129999882082117181", "0000000000000000000"} {
		usps, fedex := 0, 0
		for d := byte('0'); d <= '9'; d++ {
			n := stem + string(d)
			_, u := Accept(USPS, n)
			_, f := Accept(FedEx, n)
			if u && f {
				t.Errorf("%s valid for both USPS and FedEx", n)
			}
			if u {
				usps++
			}
			if f {
				fedex++
			}
		}
		if usps != 2 || fedex != 1 {
			t.Errorf("stem %s: %d USPS and %d FedEx check digits, want 2 and 1", stem, usps, fedex)
		}
	}
}
