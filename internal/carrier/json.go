package carrier

// The JSON bodies of the registry and of a detection, shared by the HTTP
// API (GET /v1/carriers, GET /v1/carriers/detect) and the command line
// (parcelgate carriers list -o json, carriers detect) so both print the
// same document.

// RegistryBody is the registry as JSON.
type RegistryBody struct {
	Carriers []CarrierBody `json:"carriers"`
}

// CarrierBody is one carrier of RegistryBody.
type CarrierBody struct {
	Code      string   `json:"code"`
	Name      string   `json:"name"`
	Aliases   []string `json:"aliases"`
	Countries []string `json:"countries"`
	// TrackingURL is the tracking page template, {number} standing for
	// the number; "" when the carrier has none.
	TrackingURL string       `json:"trackingUrl"`
	Formats     []FormatBody `json:"formats"`
}

// FormatBody is one format of CarrierBody.
type FormatBody struct {
	Name       string   `json:"name"`
	Rule       string   `json:"rule"`
	CheckDigit string   `json:"checkDigit"`
	Examples   []string `json:"examples"`
	Source     string   `json:"source"`
}

// RegistryJSON returns the registry as JSON-ready values. Lists are never
// nil, so they encode as [] rather than null.
func RegistryJSON() RegistryBody {
	registry := carriers().registry
	body := RegistryBody{Carriers: make([]CarrierBody, 0, len(registry))}
	for _, info := range registry {
		c := CarrierBody{
			Code: string(info.Code), Name: info.Name, TrackingURL: info.TrackingURLTemplate,
			Aliases:   append([]string{}, info.Aliases...),
			Countries: append([]string{}, info.Countries...),
			Formats:   make([]FormatBody, 0, len(info.Formats)),
		}
		for _, f := range info.Formats {
			c.Formats = append(c.Formats, FormatBody{
				Name: f.Name, Rule: f.Rule, CheckDigit: f.CheckDigit,
				Examples: append([]string{}, f.Examples...), Source: f.Source,
			})
		}
		body.Carriers = append(body.Carriers, c)
	}
	return body
}

// DetectBody is a detection as JSON.
type DetectBody struct {
	Input      string          `json:"input"`
	Normalized string          `json:"normalized"`
	Candidates []CandidateBody `json:"candidates"`
}

// CandidateBody is one candidate of DetectBody.
type CandidateBody struct {
	Carrier string `json:"carrier"`
	Format  string `json:"format"`
	// CheckDigit is "verified" or "none".
	CheckDigit string `json:"checkDigit"`
}

// DetectJSON normalizes input and lists its candidates. Candidates is
// never nil, so "no candidate" encodes as [].
func DetectJSON(input string) DetectBody {
	n := Normalize(input)
	cs := Candidates(n)
	body := DetectBody{Input: input, Normalized: n, Candidates: make([]CandidateBody, len(cs))}
	for i, c := range cs {
		body.Candidates[i] = CandidateBody{Carrier: string(c.Carrier), Format: c.Format, CheckDigit: c.CheckDigitWord()}
	}
	return body
}

// CheckDigitWord is how JSON reports Verified: "verified" or "none".
func (c Candidate) CheckDigitWord() string {
	if c.Verified {
		return "verified"
	}
	return "none"
}
