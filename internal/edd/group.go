// Package edd estimates when a parcel will be delivered from the
// project's own history: when a parcel is first delivered, how long it
// took from each tag it went through is counted in histograms per group
// of similar parcels (carrier, carrier and service, lane); an undelivered
// parcel's estimate is the p10, p50 and p90 of its remaining time, given
// its current tag and the time it has already spent in it, from the most
// specific group that has seen enough parcels like it, else from a
// standard table of transit days per carrier and service.
//
// Times are business time in the destination country's calendar
// (package calendar): a weekend or a holiday in between neither makes a
// parcel look slow nor lands an estimate on a day nobody delivers.
package edd

import (
	"strings"

	"github.com/parcelgate/parcelgate/internal/calendar"
	"github.com/parcelgate/parcelgate/internal/carrier"
)

// Basis says which group an estimate comes from.
type Basis string

// Bases, most specific first.
const (
	BasisLane           Basis = "lane"
	BasisCarrierService Basis = "carrier_service"
	BasisCarrier        Basis = "carrier"
	BasisStandard       Basis = "standard"
)

// Parcel is what groups a parcel with others: its carrier and service,
// and its lane when known.
type Parcel struct {
	Carrier carrier.Carrier
	// Service is the shipment's service (or type); "" when unknown.
	Service string
	// Origin and Destination are ISO 3166 alpha-2 country codes; an
	// unknown origin is the carrier's home country, an unknown
	// destination the origin.
	Origin, Destination string
	// PostalCode is the destination's postal code, "" when unknown; its
	// first postalPrefixLength characters refine the lane.
	PostalCode string
}

// postalPrefixLength is how much of a postal code names an area: the
// region of a Polish, German or French code, the area letters of a
// British one, a US ZIP's first two digits.
const postalPrefixLength = 2

// Group is a set of parcels whose transit times are counted together.
type Group struct {
	Basis Basis
	// Key names the group within a project: its basis and fields.
	Key string
}

// normalized returns the parcel with its lane filled in and every field
// in the form keys use.
func (p Parcel) normalized() Parcel {
	p.Service = keyPart(p.Service)
	p.Origin, p.Destination = strings.ToUpper(p.Origin), strings.ToUpper(p.Destination)
	if !isCountryCode(p.Origin) {
		p.Origin = ""
		if info, ok := carrier.Lookup(p.Carrier); ok && len(info.Countries) > 0 {
			p.Origin = info.Countries[0]
		}
	}
	if !isCountryCode(p.Destination) {
		p.Destination = p.Origin
	}
	var prefix []byte
	for _, r := range strings.ToUpper(p.PostalCode) {
		if len(prefix) == postalPrefixLength {
			break
		}
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			prefix = append(prefix, byte(r))
		}
	}
	p.PostalCode = ""
	if len(prefix) == postalPrefixLength {
		p.PostalCode = string(prefix)
	}
	return p
}

func isCountryCode(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}

// keyPart keeps a field to lower-case letters, digits, '_' and '-', so
// that no sender's service name can reach into another key's fields.
func keyPart(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		if b.Len() >= 64 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

// Groups returns the parcel's groups, most specific first: lane with
// postal prefix (when known), lane, carrier and service, carrier. A lane
// is the carrier and service between two countries: transit on a lane
// depends on who carries it.
func (p Parcel) Groups() []Group {
	p = p.normalized()
	c := keyPart(string(p.Carrier))
	cs := c + ":" + p.Service
	lane := "L:" + cs + ":" + p.Origin + ">" + p.Destination
	var out []Group
	if p.PostalCode != "" {
		out = append(out, Group{BasisLane, lane + ":" + p.PostalCode})
	}
	return append(out, Group{BasisLane, lane}, Group{BasisCarrierService, "S:" + cs}, Group{BasisCarrier, "C:" + c})
}

// Calendar is the calendar of the parcel's destination.
func (p Parcel) Calendar() calendar.Calendar { return calendar.For(p.normalized().Destination) }

// International reports whether the parcel crosses a border.
func (p Parcel) International() bool {
	n := p.normalized()
	return n.Origin != n.Destination
}
