package cost

// Aggregator is a tracking aggregator's published price per tracked
// shipment, the anchor parcelgate's cost is set against.
type Aggregator struct {
	Name string
	// PerShipment is the lowest published price per tracked shipment, in
	// US dollars.
	PerShipment float64
	Plan        string
	Source      string
	// Verified is false when the figure comes from a third party's
	// summary, not the aggregator's own page.
	Verified bool
}

// Aggregators were read on PricesDate.
var Aggregators = []Aggregator{
	{"EasyPost trackers", 0.02, "standalone tracker, non-USPS carrier ($0.03 USPS); free with a label bought through EasyPost",
		"https://support.easypost.com/hc/en-us/articles/360042414212-Billing-FAQs", true},
	{"AfterShip Tracking", 959.0 / 20000, "Tracking 20K Pro, monthly: $959 for 20,000 shipments ($0.08 a shipment over quota)",
		"https://support.aftership.com/en/article/aftership-monthly-service-plans-upgrade-guidelines-1b1fxi7/", true},
	{"Ship24", 39.0 / 1000, "Pro from $39 a month for 1,000 shipments",
		"https://ship24.com/pricing?product=s24-prod-track-api-shipment", true},
	{"17TRACK API", 9999.0 / 1e6 / 7.1, "Flagship: CNY 9,999 a year for 1,000,000 numbers, at CNY 7.1 to the dollar; a third party's summary of https://www.17track.net/en/api, whose own page could not be read here",
		"https://raw.githubusercontent.com/api-evangelist/17track/refs/heads/main/finops/finops.yml", false},
}

// Cheapest is the lowest verified price; the target is 1 % of it.
func Cheapest() Aggregator {
	var best Aggregator
	for _, a := range Aggregators {
		if a.Verified && (best.Name == "" || a.PerShipment < best.PerShipment) {
			best = a
		}
	}
	return best
}
