package tag

import (
	"strings"
	"sync"
	"unicode"
)

// Status is a tag and subtag pair.
type Status struct {
	Tag    Tag
	Subtag Subtag
}

// Mapping is one table entry: a carrier's raw status, by its own code
// (Origin) or by its text (Status), and what it means. Carrier "" is the
// generic table, which maps status words of any carrier; it maps texts
// only, as a bare code means nothing without its carrier.
type Mapping struct {
	Carrier string
	Origin  string
	Status  string
	Tag     Tag
	Subtag  Subtag
}

// Mappings returns every table entry: the generic table first, then each
// carrier's, in the order of tables.go.
func Mappings() []Mapping {
	var out []Mapping
	for _, t := range tables {
		out = append(out, t.mappings()...)
	}
	return out
}

// lookup is the key of index: a carrier, whether the raw status is an
// origin code, and the raw status normalized.
type lookup struct {
	carrier string
	origin  bool
	raw     string
}

// index holds every mapping by lookup. The tables are slices, so a test
// can find a raw status mapped twice; the index keeps the first, which
// that test makes the only one. It is built on the first classification
// rather than at package init: every function links this package, and
// most of them never classify a status, so their cold start need not
// build it.
var index = sync.OnceValue(func() map[lookup]Status {
	m := map[lookup]Status{}
	for _, mp := range Mappings() {
		k := lookup{normalize(mp.Carrier), mp.Origin != "", normalize(mp.Status)}
		if k.origin {
			k.raw = normalizeOrigin(mp.Origin)
		}
		if _, dup := m[k]; !dup {
			m[k] = Status{mp.Tag, mp.Subtag}
		}
	}
	return m
})

// Classify maps a carrier's raw status to the status language. carrier is
// the carrier code ("inpost", "ups", "dhl", ...; see Mappings for those
// with tables); status is the event's status text and origin the
// carrier's own status code, either possibly "".
//
// The carrier's table is tried by origin code first, as a code is what the
// carrier means exactly while texts get reworded; then by status text;
// then the generic table by status text. Texts match ignoring case and
// treating spaces, '-' and '_' alike ("Out for delivery" is
// "out_for_delivery"); codes match ignoring case.
//
// When nothing matches, mapped is false and the raw status keeps its text
// elsewhere: the status is InTransit_Unknown when the parcel was already
// moving (an earlier event's tag was Moving), InfoReceived_Unknown
// otherwise, since news of a parcel not yet handed over is about its
// paperwork.
func Classify(carrier, status, origin string, moving bool) (s Status, mapped bool) {
	c := normalize(carrier)
	if o := normalizeOrigin(origin); o != "" {
		if s, ok := index()[lookup{c, true, o}]; ok {
			return s, true
		}
	}
	if t := normalize(status); t != "" {
		if s, ok := index()[lookup{c, false, t}]; ok {
			return s, true
		}
		if s, ok := index()[lookup{"", false, t}]; ok {
			return s, true
		}
	}
	if moving {
		return Status{InTransit, "InTransit_Unknown"}, false
	}
	return Status{InfoReceived, "InfoReceived_Unknown"}, false
}

// normalize makes a status text or carrier code comparable: lower case,
// every run of spaces, '-' and '_' one '_', none at either end. Carriers
// and senders write one status as "Out for delivery", "OUT-FOR-DELIVERY"
// or "out_for_delivery".
func normalize(s string) string {
	var b strings.Builder
	sep := false
	for _, r := range strings.ToLower(s) {
		if r == '-' || r == '_' || unicode.IsSpace(r) {
			sep = b.Len() > 0
			continue
		}
		if sep {
			b.WriteByte('_')
			sep = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// normalizeOrigin makes a carrier's status code comparable: codes are
// short and case is not part of them ("dl" is FedEx's "DL"), but their
// punctuation is ("pre-transit" stays as it is).
func normalizeOrigin(s string) string {
	return strings.ToUpper(strings.TrimSpace(s))
}
