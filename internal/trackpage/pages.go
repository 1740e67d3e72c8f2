package trackpage

import "github.com/parcelgate/parcelgate/internal/tracking"

// Pages serves the page to the HTTP API (httpapi.Pages), which names a
// language by its code (Lang.Code) so that it need not import this
// package: a binary that executes templates keeps every exported method
// of every type it links, and only the function that serves the page
// should carry them.
type Pages struct{}

// Language is the code of the page's language for an Accept-Language
// header (Match).
func (Pages) Language(acceptLanguage string) string { return Match(acceptLanguage).Code() }

// Page renders the tracking page of r (Lang.Page), linking to the
// carrier's own page at carrierURL unless it is "".
func (Pages) Page(lang string, r tracking.Resource, carrierName, carrierURL string) ([]byte, error) {
	return byCode(lang).Page(r, CarrierLink{Name: carrierName, URL: carrierURL})
}

// NotFound renders the page of a well-formed number with no data.
func (Pages) NotFound(lang, number, carrierName string) ([]byte, error) {
	return byCode(lang).NotFound(number, carrierName)
}

// Unknown renders the page of a number of no known shipment type.
func (Pages) Unknown(lang, raw string) ([]byte, error) { return byCode(lang).Unknown(raw) }

// Unavailable renders the page of a failure on the server's side.
func (Pages) Unavailable(lang string) ([]byte, error) { return byCode(lang).Unavailable() }

// byCode is the language of a code Language returned; English, the
// fallback, for any other.
func byCode(code string) Lang {
	all := langs()
	for _, l := range all {
		if l.Code() == code {
			return l
		}
	}
	return all[0]
}
