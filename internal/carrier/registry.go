package carrier

import (
	"slices"
	"strings"
)

// Info is what the registry knows of a carrier.
type Info struct {
	Code Carrier
	// Name is the carrier's display name.
	Name string
	// Aliases are other spellings Parse understands, besides the code and
	// the name (lower case).
	Aliases []string
	// Countries are the ISO 3166 alpha-2 codes of the countries the
	// carrier mainly serves.
	Countries []string
	// TrackingURLTemplate is the carrier's own public tracking page, with
	// {number} where the number goes; "" when there is no single page.
	TrackingURLTemplate string
	// Formats are the carrier's published number formats, in the order
	// Accept tries them. A carrier without any accepts every plausible
	// number when it is named (see Accept).
	Formats []Format
}

// Format is one published number format.
type Format struct {
	// Name identifies the format; formats taken from tracking_number_data
	// keep its definition id.
	Name string
	// Rule describes the format for people.
	Rule string
	// CheckDigit names the check-digit algorithm, or "none".
	CheckDigit string
	Examples   []string
	// Source is the document the rule comes from.
	Source string

	match func(string) bool
	// namedOnly formats have nothing but a length to go on: they would
	// claim every number of that length, so Candidates never proposes
	// them and only a caller naming the carrier gets them (Accept).
	namedOnly bool
}

// TrackingURL is the carrier's tracking page for number, "" when the
// carrier has none.
func (i Info) TrackingURL(number string) string {
	if i.TrackingURLTemplate == "" {
		return ""
	}
	return strings.ReplaceAll(i.TrackingURLTemplate, "{number}", number)
}

// Registry returns every carrier, sorted by code. The result is a copy the
// caller may keep.
func Registry() []Info {
	registry := carriers().registry
	out := make([]Info, len(registry))
	for i, info := range registry {
		out[i] = info
		out[i].Aliases = slices.Clone(info.Aliases)
		out[i].Countries = slices.Clone(info.Countries)
		out[i].Formats = slices.Clone(info.Formats)
	}
	return out
}

// Lookup returns the registry entry of c.
func Lookup(c Carrier) (Info, bool) {
	t := carriers()
	i, ok := t.byCode[c]
	if !ok {
		return Info{}, false
	}
	return t.registry[i], true
}

// Sources the registry cites.
const (
	srcTND     = "tracking_number_data v2.0.0 (github.com/jkeen/tracking_number_data, MIT), couriers/"
	srcS10     = "UPU S10 standard (www.upu.int, S10 technical standard); tracking_number_data v2.0.0 couriers/s10.json"
	srcPub199  = "USPS Publication 199 (IMpb) via tracking_number_data v2.0.0 couriers/usps.json"
	srcShipX   = "InPost ShipX API documentation (ShipX-compatible tracking); InPost parcel numbers as listed by 4tracking.net"
	srcPostNL  = "PostNL Barcode API specification (developer.postnl.nl, barcode webservice: type 3S is 13 or 15 characters)"
	srcDHLNVE  = "GS1 General Specifications (SSCC, application identifier 00); DHL's prefix 00340434 as reported in tracking_number_data issue #30"
	srcEvri    = "evri.com FAQ \"How do I track my parcel\" (16-digit tracking number, the barcode number)"
	srcSmartPt = "FedEx SmartPost IMpb FAQ (fedex.com/us/smartpostguide) via tracking_number_data before v2.0.0 (couriers/fedex.json)"
)

// s10Format is the S10 format of the postal operator of the given
// countries; upu's is built separately (it takes the other countries).
func s10Format(example string, countries ...string) Format {
	return Format{
		Name:       "s10",
		Rule:       "UPU S10: 2 letters, 8 digits, a mod 11 check digit, then the country code " + strings.Join(countries, " or "),
		CheckDigit: algoS10,
		Examples:   []string{example},
		Source:     srcS10,
		match: func(n string) bool {
			cc, ok := s10(n)
			return ok && slices.Contains(countries, cc)
		},
	}
}

// newRegistry is the carrier table, sorted by code (TestRegistry).
// It is built with its indexes, on first use (carriers): its formats' matchers
// are closures, so the compiler cannot lay the table out in the binary and
// building it allocates.
func newRegistry() []Info {
	return []Info{
		{
			Code: "amazon", Name: "Amazon Logistics", Aliases: []string{"amazon_logistics", "amzl"},
			Countries: []string{"US"}, TrackingURLTemplate: "https://track.amazon.com/tracking/{number}",
			Formats: []Format{
				{Name: "amazon_logistics", Rule: "TBA and 12 digits", CheckDigit: algoNone,
					Examples: []string{"TBA502887274000"}, Source: srcTND + "amazon.json", match: matchAmazonLogistics},
				{Name: "amazon_international", Rule: "C and 10 digits", CheckDigit: algoNone,
					Examples: []string{"C1004444443"}, Source: srcTND + "amazon.json", match: matchAmazonInternational},
			},
		},
		{
			Code: "australia_post", Name: "Australia Post", Aliases: []string{"auspost"},
			Countries: []string{"AU"}, TrackingURLTemplate: "https://auspost.com.au/mypost/track/details/{number}",
			Formats: []Format{s10Format("RB123456785AU", "AU")},
		},
		{
			Code: "austrian_post", Name: "Österreichische Post", Aliases: []string{"post_at", "austria_post"},
			Countries: []string{"AT"}, TrackingURLTemplate: "https://www.post.at/s/sendungsdetails?snr={number}",
			Formats: []Format{s10Format("RB123456785AT", "AT")},
		},
		{
			Code: "bpost", Name: "bpost", Aliases: []string{"belgian_post"},
			Countries: []string{"BE"}, TrackingURLTemplate: "https://track.bpost.cloud/btr/web/#/search?itemCode={number}",
			Formats: []Format{s10Format("RB123456785BE", "BE")},
		},
		{
			Code: "canada_post", Name: "Canada Post", Aliases: []string{"canadapost", "postes_canada"},
			Countries: []string{"CA"}, TrackingURLTemplate: "https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor={number}",
			Formats: []Format{
				{Name: "canada_post", Rule: "16 digits, GS1 mod 10 check digit", CheckDigit: algoMod10,
					Examples: []string{"7035114477138472"}, Source: srcTND + "canadapost.json", match: matchCanadaPost},
				s10Format("RB123456785CA", "CA"),
			},
		},
		{
			Code: "canpar", Name: "Canpar Express", Aliases: []string{"canpar_express"},
			Countries: []string{"CA"}, TrackingURLTemplate: "https://www.canpar.com/en/track/tracking.jsp?reference={number}&locale=en",
			Formats: []Format{
				{Name: "canpar_22", Rule: "one of the letters C D K L S U X Z, then 21 digits", CheckDigit: algoNone,
					Examples: []string{"D576002440000001718010"}, Source: srcTND + "canpar.json", match: matchCanpar},
			},
		},
		{
			Code: "correos", Name: "Correos", Aliases: []string{"correos_es"},
			Countries: []string{"ES"}, TrackingURLTemplate: "https://www.correos.es/es/es/herramientas/localizador/envios/detalle?tracking-number={number}",
			Formats: []Format{s10Format("RB123456785ES", "ES")},
		},
		{
			Code: "deutsche_post", Name: "Deutsche Post", Aliases: []string{"deutschepost"},
			Countries: []string{"DE"}, TrackingURLTemplate: "https://www.deutschepost.de/sendung/simpleQueryResult.html?form.sendungsnummer={number}",
			Formats: []Format{s10Format("RB123456785DE", "DE")},
		},
		{
			Code: DHLExpress, Name: "DHL Express", Aliases: []string{"dhl-express", "dhl_express", "dhlexpress", "dhl ecommerce", "dhl_ecommerce"},
			Countries: []string{"DE", "US"}, TrackingURLTemplate: "https://www.dhl.com/global-en/home/tracking/tracking-express.html?submit=1&tracking-id={number}",
			Formats: []Format{
				{Name: "dhl_express", Rule: "10 or 11 digits; the last is the others, read as one number, mod 7", CheckDigit: algoMod7,
					Examples: []string{"3318810025", "73891051146"}, Source: srcTND + "dhl.json", match: matchDHLExpress},
				{Name: "dhl_express_piece_id", Rule: "J and 2 or 3 letters (JJD, JVGL), then 9 or 10 digits", CheckDigit: algoNone,
					Examples: []string{"JJD0099999999"}, Source: srcTND + "dhl.json", match: matchDHLPieceID},
				{Name: "dhl_ecommerce", Rule: "GM, LX, RX, UV, CN, SG, TH, IN, HK or MY, then 10 to 39 letters and digits, at least one a digit", CheckDigit: algoNone,
					Examples: []string{"GM2951173225174494"}, Source: srcTND + "dhl.json", match: matchDHLECommerce},
				{Name: "dhl_ecommerce_14", Rule: "14 digits", CheckDigit: algoNone,
					Examples: []string{"60120172242323"}, Source: srcTND + "dhl.json", match: matchDHLECommerce14},
			},
		},
		{
			Code: "dhl_paket", Name: "DHL Paket", Aliases: []string{"dhl paket", "dhl-paket", "dhl_de", "dhl parcel germany"},
			Countries: []string{"DE"}, TrackingURLTemplate: "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode={number}",
			Formats: []Format{
				{Name: "dhl_paket_nve", Rule: "20 digits starting 00340434: application identifier 00 and an SSCC with its GS1 mod 10 check digit", CheckDigit: algoMod10,
					Examples: []string{"00340434161094042557"}, Source: srcDHLNVE, match: matchDHLPaketNVE},
			},
		},
		{
			Code: "dpd", Name: "DPD", Aliases: []string{"dpd_group", "dpdgroup"},
			Countries: []string{"DE", "FR", "GB", "NL", "PL", "BE", "AT"}, TrackingURLTemplate: "https://www.dpdgroup.com/nl/mydpd/my-parcels/track?lang=en&parcelNumber={number}",
			Formats: []Format{
				{Name: "dpd", Rule: "27 digits (ZIP, parcel number, service, country) and an ISO 7064 MOD 37,36 check character", CheckDigit: algoMod3736,
					Examples: []string{"008182709980000020033350276C"}, Source: srcTND + "dpd.json; DPD Parcel Label Specification", match: matchDPD28},
				{Name: "dpd_14", Rule: "14 digits and an ISO 7064 MOD 37,36 check character", CheckDigit: algoMod3736,
					Examples: []string{"09980000020033F"}, Source: srcTND + "dpd.json; DPD Parcel Label Specification", match: matchDPD14},
			},
		},
		{
			Code: "evri", Name: "Evri", Aliases: []string{"hermes", "hermes_uk", "myhermes"},
			Countries: []string{"GB"}, TrackingURLTemplate: "https://www.evri.com/track/parcel/{number}",
			Formats: []Format{
				{Name: "evri_16", Rule: "16 letters and digits; only the length is published, so the number is checked only when Evri is named", CheckDigit: algoNone,
					Source: srcEvri, match: matchEvri16, namedOnly: true},
			},
		},
		{
			Code: FedEx, Name: "FedEx", Aliases: []string{"fed-ex", "fed_ex", "fed ex", "federal express"},
			Countries: []string{"US"}, TrackingURLTemplate: "https://www.fedex.com/fedextrack/?trknbr={number}",
			Formats: []Format{
				{Name: "fedex_12", Rule: "12 digits, FedEx Express: weights 3,1,7 over the first 11, sum mod 11 (10 written 0)", CheckDigit: algoSumProduct,
					Examples: []string{"986578788855"}, Source: srcTND + "fedex.json", match: matchFedEx12},
				{Name: "fedex_34", Rule: "34 digits, first 0-8: 14 digits, destination ZIP, 13-digit serial and check digit (weights 1,7,3, mod 11)", CheckDigit: algoSumProduct,
					Examples: []string{"1001921334250001000300779017972697"}, Source: srcTND + "fedex.json", match: matchFedEx34},
				{Name: "fedex_astra_32", Rule: "32 digits starting 3; digits 17-28 are a FedEx Express number with its check digit", CheckDigit: algoSumProduct,
					Examples: []string{"32971514560102447849175802862014"}, Source: srcTND + "fedex.json", match: matchFedExAstra32},
				{Name: "fedex_ground", Rule: "15 digits, FedEx Ground, GS1 mod 10", CheckDigit: algoMod10,
					Examples: []string{"041441760228964"}, Source: srcTND + "fedex.json", match: matchFedExGround},
				{Name: "fedex_ground_sscc_18", Rule: "18 digits, a GS1 SSCC with its mod 10 check digit", CheckDigit: algoMod10,
					Examples: []string{"000123450000000027"}, Source: srcTND + "fedex.json", match: matchFedExSSCC18},
				{Name: "fedex_ground_96", Rule: "22 digits starting 96: SCNC, service code, then a 15-digit Ground number with its GS1 mod 10 check digit", CheckDigit: algoMod10,
					Examples: []string{"9611020987654312345672"}, Source: srcTND + "fedex.json", match: matchFedExGround96},
				{Name: "fedex_ground_gsn", Rule: "34 digits starting 96; the last 14 are a serial and check digit (weights 1,7,3, mod 11)", CheckDigit: algoSumProduct,
					Examples: []string{"9622001560001234567100794808390594"}, Source: srcTND + "fedex.json", match: matchFedExGroundGSN},
				{Name: "fedex_smartpost", Rule: "SmartPost / Ground Economy: a USPS IMpb number with identifier 92 (22 digits), or its 20 digits printed without the 92; GS1 mod 10 counting the 92", CheckDigit: algoMod10,
					Examples: []string{"61299998820821171811"}, Source: srcSmartPt, match: matchFedExSmartPost},
			},
		},
		{
			Code: "gls", Name: "GLS", Aliases: []string{"gls_group", "general logistics systems"},
			Countries: []string{"DE", "AT", "BE", "DK", "ES", "FR", "IT", "NL", "PL"}, TrackingURLTemplate: "https://gls-group.com/EU/en/parcel-tracking?match={number}",
		},
		{
			Code: "gofo", Name: "GOFO Express", Aliases: []string{"gofo_express"},
			Countries: []string{"US"}, TrackingURLTemplate: "https://www.gofoexpress.com/tracking.html?searchID={number}",
			Formats: []Format{
				{Name: "gofo_us", Rule: "GFUS and 14 digits", CheckDigit: algoNone,
					Examples: []string{"GFUS01011884214464"}, Source: srcTND + "gofo.json", match: matchGOFO},
			},
		},
		{
			Code: InPost, Name: "InPost", Aliases: []string{"in-post", "in_post", "inpost_pl"},
			Countries: []string{"PL"}, TrackingURLTemplate: "https://inpost.pl/sledzenie-przesylek?number={number}",
			Formats: []Format{
				{Name: "inpost_24", Rule: "24 digits, the first 4, 5, 6 or 9; no published check digit", CheckDigit: algoNone,
					Examples: []string{"612345678901234567890123", "520000014433330021832563"}, Source: srcShipX, match: matchInPost},
			},
		},
		{
			Code: "japan_post", Name: "Japan Post", Aliases: []string{"japanpost"},
			Countries: []string{"JP"}, TrackingURLTemplate: "https://trackings.post.japanpost.jp/services/srv/search/direct?reqCodeNo1={number}&locale=en",
			Formats: []Format{s10Format("RB123456785JP", "JP")},
		},
		{
			Code: "la_poste", Name: "La Poste / Colissimo", Aliases: []string{"laposte", "colissimo", "la poste"},
			Countries: []string{"FR"}, TrackingURLTemplate: "https://www.laposte.fr/outils/suivre-vos-envois?code={number}",
			Formats: []Format{s10Format("RB123456785FR", "FR")},
		},
		{
			Code: "landmark", Name: "Landmark Global", Aliases: []string{"landmark_global"},
			Countries: []string{"US", "GB", "BE"}, TrackingURLTemplate: "https://track.landmarkglobal.com/?search={number}",
			Formats: []Format{
				{Name: "landmark_global", Rule: "LTN, 8 digits, N1", CheckDigit: algoNone,
					Examples: []string{"LTN74207623N1"}, Source: srcTND + "landmark.json", match: matchLandmark},
			},
		},
		{
			Code: "lasership", Name: "LaserShip", Aliases: []string{"laser_ship"},
			Countries: []string{"US"}, TrackingURLTemplate: "https://www.ontrac.com/tracking/?number={number}",
			Formats: []Format{
				{Name: "lasership_lx", Rule: "L, then A, E, H, I, N or X, then 8 digits", CheckDigit: algoNone,
					Examples: []string{"LX17635036"}, Source: srcTND + "lasership.json", match: matchLaserShipL},
				{Name: "lasership_1ls7", Rule: "1LS7, 1 or 2, then 10 digits", CheckDigit: algoNone,
					Examples: []string{"1LS717793482164"}, Source: srcTND + "lasership.json", match: matchLaserShip1LS7},
				{Name: "lasership_1ls7_18", Rule: "1LS7, 1 or 2, 2 digits, 01, 1-4, 6 digits and the piece suffix -1", CheckDigit: algoNone,
					Examples: []string{"1LS7119013618127-1"}, Source: srcTND + "lasership.json", match: matchLaserShip1LS7Long},
				{Name: "lasership_1lscx", Rule: "1LSCX and 10 letters and digits", CheckDigit: algoNone,
					Examples: []string{"1LSCXVE0058631Y"}, Source: srcTND + "lasership.json", match: matchLaserShip1LSCX},
			},
		},
		{
			Code: "old_dominion", Name: "Old Dominion Freight Line", Aliases: []string{"odfl", "old dominion"},
			Countries: []string{"US"}, TrackingURLTemplate: "https://www.odfl.com/Trace/standardResult.faces?pro={number}",
			Formats: []Format{
				{Name: "old_dominion", Rule: "11-digit PRO number starting 072, 777 or 778, Luhn check digit", CheckDigit: algoLuhn,
					Examples: []string{"07209562763"}, Source: srcTND + "old_dominion.json", match: matchOldDominion},
				{Name: "old_dominion_guaranteed", Rule: "80 and 9 digits, Luhn check digit", CheckDigit: algoLuhn,
					Examples: []string{"80003280379"}, Source: srcTND + "old_dominion.json", match: matchOldDominionGuaranteed},
			},
		},
		{
			Code: "ontrac", Name: "OnTrac", Aliases: []string{"on_trac", "on trac"},
			Countries: []string{"US"}, TrackingURLTemplate: "https://www.ontrac.com/tracking/?number={number}",
			Formats: []Format{
				{Name: "ontrac_c", Rule: "C and 14 digits; mod 10 (every second digit doubled) over the serial with an implied leading 4", CheckDigit: algoMod10,
					Examples: []string{"C11031500001879"}, Source: srcTND + "ontrac.json", match: matchOnTrac('C', '4')},
				{Name: "ontrac_d", Rule: "D and 14 digits; mod 10 (every second digit doubled) over the serial with an implied leading 5", CheckDigit: algoMod10,
					Examples: []string{"D10011354453707"}, Source: srcTND + "ontrac.json", match: matchOnTrac('D', '5')},
			},
		},
		{
			Code: "poczta_polska", Name: "Poczta Polska", Aliases: []string{"pocztapolska", "polish post", "polish_post"},
			Countries: []string{"PL"}, TrackingURLTemplate: "https://emonitoring.poczta-polska.pl/?numer={number}",
			Formats: []Format{s10Format("RB123456785PL", "PL")},
		},
		{
			Code: "poste_italiane", Name: "Poste Italiane", Aliases: []string{"posteitaliane"},
			Countries: []string{"IT"}, TrackingURLTemplate: "https://www.poste.it/cerca/index.html#/risultati-spedizioni/{number}",
			Formats: []Format{s10Format("RB123456785IT", "IT")},
		},
		{
			Code: "postnl", Name: "PostNL", Aliases: []string{"post_nl", "post nl"},
			Countries: []string{"NL"}, TrackingURLTemplate: "https://jouw.postnl.nl/track-and-trace/{number}",
			Formats: []Format{
				{Name: "postnl_3s", Rule: "3S, a 4-letter customer code and a 7- or 9-digit serial (13 or 15 characters)", CheckDigit: algoNone,
					Examples: []string{"3SDEVC201611210"}, Source: srcPostNL, match: matchPostNL3S},
				s10Format("RB123456785NL", "NL"),
			},
		},
		{
			Code: "purolator", Name: "Purolator", Aliases: []string{"purolator_courier"},
			Countries: []string{"CA"}, TrackingURLTemplate: "https://www.purolator.com/en/shipping/tracker?searchValue={number}",
			Formats: []Format{
				{Name: "purolator_numeric", Rule: "12 digits, the first 0-5, Luhn check digit", CheckDigit: algoLuhn,
					Examples: []string{"320595463938"}, Source: srcTND + "purolator.json", match: matchPurolatorNumeric},
				{Name: "purolator_alpha", Rule: "3 letters and 9 digits", CheckDigit: algoNone,
					Examples: []string{"KYV009956937"}, Source: srcTND + "purolator.json", match: matchPurolatorAlpha},
			},
		},
		{
			Code: "royal_mail", Name: "Royal Mail", Aliases: []string{"royalmail", "royal mail"},
			Countries: []string{"GB"}, TrackingURLTemplate: "https://www.royalmail.com/track-your-item#/tracking-results/{number}",
			Formats: []Format{s10Format("RB123456785GB", "GB")},
		},
		{
			Code: "speedee", Name: "Spee-Dee Delivery", Aliases: []string{"spee-dee", "spee_dee", "speedee_delivery"},
			Countries: []string{"US"}, TrackingURLTemplate: "https://www.speedeedelivery.com/track/?tracking={number}",
			Formats: []Format{
				{Name: "speedee", Rule: "SP and 18 digits", CheckDigit: algoNone,
					Examples: []string{"SP029692510000920746"}, Source: srcTND + "speedee.json", match: matchSpeeDee},
			},
		},
		{
			Code: "swiss_post", Name: "Swiss Post", Aliases: []string{"post_ch", "die post"},
			Countries: []string{"CH"}, TrackingURLTemplate: "https://service.post.ch/ekp-web/ui/entry/shipping/1/?formattedParcelCodes={number}",
			Formats: []Format{s10Format("RB123456785CH", "CH")},
		},
		{
			Code: UPS, Name: "UPS", Aliases: []string{"united parcel service"},
			Countries: []string{"US"}, TrackingURLTemplate: "https://www.ups.com/track?tracknum={number}",
			Formats: []Format{
				{Name: "ups", Rule: "1Z, a 6-character shipper account, 2-character service, 7 package characters and a check digit (mod 10, every second character doubled, letters A=2 B=3 ...)", CheckDigit: algoMod10,
					Examples: []string{"1Z999AA10123456784", "1Z5R89390357567127"}, Source: srcTND + "ups.json", match: matchUPS},
				{Name: "ups_waybill", Rule: "A, H, J, K, T or V, 9 digits and a check digit (mod 10, every second digit doubled)", CheckDigit: algoMod10,
					Examples: []string{"K1506235620"}, Source: srcTND + "ups.json", match: matchUPSWaybill},
			},
		},
		{
			Code: "upu", Name: "Postal operator (UPU S10)", Aliases: []string{"s10", "postal", "post"},
			Formats: []Format{
				{Name: "s10", Rule: "UPU S10: 2 letters, 8 digits, a mod 11 check digit, then the ISO 3166 code of a country whose post has no entry of its own in this registry; the issuing post is the one of that country",
					CheckDigit: algoS10, Examples: []string{"RB123456785CV"}, Source: srcS10,
					match: func(n string) bool {
						cc, ok := s10(n)
						_, named := postalOperators[cc]
						return ok && !named
					}},
			},
		},
		{
			Code: USPS, Name: "USPS", Aliases: []string{"united states postal service", "us postal service"},
			Countries: []string{"US"}, TrackingURLTemplate: "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}",
			Formats: []Format{
				{Name: "usps_impb_n", Rule: "IMpb with identifier 94 (22, 26 or 30 digits), optionally after 420 and the ZIP; GS1 mod 10", CheckDigit: algoMod10,
					Examples: []string{"9400111201080805483016", "420787459400111206206406260787"}, Source: srcPub199, match: matchUSPSIMpbN},
				{Name: "usps_impb_c", Rule: "IMpb with identifier 92 (9-digit mailer ID), 93 (6-digit mailer ID) or 95 (retail), 22 or 26 digits, optionally after 420 and the ZIP; GS1 mod 10", CheckDigit: algoMod10,
					Examples: []string{"9261292700768711948021", "4201028200009261290113185417468510"}, Source: srcPub199, match: matchUSPSIMpbC},
				{Name: "usps_legacy", Rule: "91 and 20 digits, or those 20 printed without the 91, optionally after 420 and the ZIP; GS1 mod 10 counting the 91", CheckDigit: algoMod10,
					Examples: []string{"71969010756003077385"}, Source: srcPub199, match: matchUSPSLegacy},
				{Name: "usps_20", Rule: "20 digits, GS1 mod 10 over the digits as printed", CheckDigit: algoMod10,
					Examples: []string{"03071790000523483741"}, Source: srcTND + "usps.json", match: matchUSPS20},
				s10Format("RB123456785US", "US"),
			},
		},
		{
			Code: "yodel", Name: "Yodel", Aliases: []string{"yodel_uk"},
			Countries: []string{"GB"}, TrackingURLTemplate: "https://www.yodel.co.uk/tracking/{number}",
			Formats: []Format{
				{Name: "yodel", Rule: "JD or JJD and 16 digits", CheckDigit: algoNone,
					Examples: []string{"JJD0002257639032011"}, Source: srcTND + "yodel.json", match: matchYodel},
			},
		},
		{
			Code: "yunexpress", Name: "YunExpress", Aliases: []string{"yun_express", "yun express"},
			Countries: []string{"CN"}, TrackingURLTemplate: "https://www.yuntrack.com/parcelTracking?id={number}",
			Formats: []Format{
				{Name: "yunexpress", Rule: "YT and 16 digits", CheckDigit: algoNone,
					Examples: []string{"YT2229521272164446"}, Source: srcTND + "yunexpress.json", match: matchYunExpress},
			},
		},
	}
}

// postalOperators maps an S10 country code to the registry entry of that
// country's post; S10 numbers of other countries go to upu.
var postalOperators = map[string]Carrier{
	"AT": "austrian_post", "AU": "australia_post", "BE": "bpost", "CA": "canada_post",
	"CH": "swiss_post", "DE": "deutsche_post", "ES": "correos", "FR": "la_poste",
	"GB": "royal_mail", "IT": "poste_italiane", "JP": "japan_post", "NL": "postnl",
	"PL": "poczta_polska", "US": USPS,
}
