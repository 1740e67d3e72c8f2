// Package texttest builds the requests that prove the text rule holds on
// every route: each hostile string in each path segment, each query
// parameter and each body of every route in httpapi.Routes. The unit test
// in httpapi sends them to a handler with no store; the system test sends
// them over the wire and checks nothing was stored.
package texttest

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/parcelgate/parcelgate/internal/httpapi"
)

// Hostile is one string the rule refuses.
type Hostile struct {
	Name string
	// JSON is the string inside a JSON string literal, as sent: raw bytes
	// or escapes. "" leaves the case out of bodies.
	JSON string
	// Raw is the string itself, for path segments and query values.
	Raw string
	// Says is what every refusal of it mentions.
	Says string
}

// long is longer than any id (200 bytes) and any query value (2,048).
var long = strings.Repeat("a", 4096)

// Hostiles are the strings sent: invalid UTF-8, lone surrogates, controls,
// line separators, bidi formatting, a byte order mark, and length.
var Hostiles = []Hostile{
	{"byte FF", "a\xffb", "a\xffb", "UTF-8"},
	{"byte FE", "\xfe", "\xfe", "UTF-8"},
	{"overlong slash", "\xc0\xaf", "\xc0\xaf", "UTF-8"},
	{"overlong three bytes", "\xe0\x80\xaf", "\xe0\x80\xaf", "UTF-8"},
	{"truncated euro sign", "a\xe2\x82", "a\xe2\x82", "UTF-8"},
	{"truncated emoji", "\xf0\x9f\x98", "\xf0\x9f\x98", "UTF-8"},
	{"encoded surrogate", "\xed\xa0\x80", "\xed\xa0\x80", "UTF-8"},
	{"lone high surrogate", `\ud800`, "", "surrogate"},
	{"lone low surrogate", `a\udc00b`, "", "surrogate"},
	{"high surrogate then letter", `\ud83dx`, "", "surrogate"},
	{"NUL", `\u0000`, "\x00", "U+0000"},
	{"escape", `\u001b[31m`, "\x1b[31m", "U+001B"},
	{"newline", `a\nb`, "a\nb", "U+000A"},
	{"DEL", `\u007f`, "\x7f", "U+007F"},
	{"C1 next line", `\u0085`, "\u0085", "U+0085"},
	{"C1 CSI raw", "\u009b", "\u009b", "U+009B"},
	{"line separator", `\u2028`, "\u2028", "U+2028"},
	{"paragraph separator", "\u2029", "\u2029", "U+2029"},
	{"right-to-left override", `\u202e`, "\u202e", "U+202E"},
	{"right-to-left override raw", "abc\u202edef", "abc\u202edef", "U+202E"},
	{"left-to-right isolate", `\u2066`, "\u2066", "U+2066"},
	{"right-to-left isolate", `\u2067`, "\u2067", "U+2067"},
	{"first strong isolate", `\u2068`, "\u2068", "U+2068"},
	{"pop directional isolate", `\u2069`, "\u2069", "U+2069"},
	{"byte order mark", `\ufeff`, "\ufeff", "U+FEFF"},
	{"very long", "", long, "bytes long"},
}

// Bodies holds, for every route that takes a body, a valid body of it
// with one %s inside a string, where the hostile string goes. The path
// values are those of Request: project p1, entity customer, code C1.
var Bodies = map[string]string{
	"POST /v1/auth/token": `{"clientId":"client%s","clientSecret":"0123456789abcdef"}`,
	"POST /v1/projects":   `{"name":"Spring %s launch"}`,
	"PUT /v1/projects/{projectId}/members/{principalId}": `{"role":"viewer%s"}`,
	"POST /v1/projects/{projectId}/tracking-number-jobs": `{"action":"ADD","trackingNumbers":[{"trackingNumber":"1Z999AA10123456784","carrier":"ups%s"}]}`,
	"POST /v1/messages":                                         `{"batchReference":"feed-%s","messages":[{"messageType":"TrackingEvent","payload":{"trackingNumber":"1Z999AA10123456784","status":"delivered"}}]}`,
	"POST /v1/tracker":                                          `{"search":[{"by":"batchReference","value":["feed-%s"]}]}`,
	"POST /v1/data/{projectId}/{entity}":                        `{"customer_ID":"C2","name":"Acme %s"}`,
	"POST /v1/data/{projectId}/{entity}/query":                  `{"filter":{"field":"name","op":"eq","value":"Acme %s"}}`,
	"PUT /v1/data/{projectId}/{entity}/{code}":                  `{"name":"Acme %s"}`,
	"POST /v1/data/{projectId}/export":                          `{"entityName":"customer","srvExport":1,"rows":[{"rowCode":"C1%s","srvDateUTC":"2026-12-01T16:50:40.1203698"}]}`,
	"POST /v1/data/{projectId}/{entity}/bulk":                   `[{"customer_ID":"C3","name":"Acme %s"}]`,
	"POST /v1/data/{projectId}/dataset":                         `{"entityName":"customer","data":{"customer_ID":"C4","name":"Acme %s"}}`,
	"POST /v1/data/{projectId}/dataset/delete":                  `[{"entityName":"customer","rowCodes":["C1%s"]}]`,
	"POST /v1/data/{projectId}/relational":                      `{"data":[{"entityName":"customer","rows":[{"customer_ID":"C5","name":"Acme %s"}]}]}`,
	"POST /v1/data/{projectId}/{entity}/mergeData":              `{"sourceRowCode":"C1%s","targetRowCode":"C1"}`,
	"POST /v1/projects/{projectId}/webhooks":                    `{"url":"https://example.com/hooks","description":"ERP %s"}`,
	"PATCH /v1/projects/{projectId}/webhooks/{webhookId}":       `{"description":"ERP %s"}`,
	"POST /v1/projects/{projectId}/webhooks/{webhookId}/replay": `{"eventId":"evt_%s"}`,
	"POST /v1/data/{projectId}/outbox/report":                   `{"baseOutbox_ID":"OB1","messageSubject":"Report %s"}`,
	"PUT /v1/projects/{projectId}/licences":                     `{"licences":2,"note%s":1}`,
	"POST /v1/data/{projectId}/accounts":                        `[{"baseuser_ID":"jdoe","name":"John %s"}]`,
	"POST /v1/data/{projectId}/tasks":                           `[{"code":"renewSubscriptions%s"}]`,
	"POST /v1/credentials":                                      `{"clientId":"ops%s"}`,
	"PATCH /v1/credentials/{clientId}":                          `{"enabled":false,"note%s":1}`,
	"POST /v1/credentials/{clientId}/rotate-secret":             `{"graceSeconds":0,"note%s":1}`,
}

// Where a case puts its hostile string.
const (
	InPath  = "path"
	InQuery = "query"
	InBody  = "body"
)

// Case is one request of the sweep.
type Case struct {
	Route   httpapi.Route
	Hostile Hostile
	Where   string
	// Param names the path or query parameter; "" for a body.
	Param  string
	Method string
	Target string
	Body   []byte
	// Envelope: the route answers errors in the message gateway's envelope.
	Envelope bool
}

func (c Case) String() string {
	return fmt.Sprintf("%s %s %s %s", c.Route.Pattern(), c.Where, c.Param, c.Hostile.Name)
}

// Request builds the case's request for the server at base.
func (c Case) Request(base string) (*http.Request, error) {
	var body *strings.Reader
	if c.Body != nil {
		body = strings.NewReader(string(c.Body))
	} else {
		body = strings.NewReader("")
	}
	req, err := http.NewRequest(c.Method, base+c.Target, body)
	if err != nil {
		return nil, err
	}
	if c.Body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// Cases lists every case for every route, with values the path names
// otherwise (values[name]; the operation's own path otherwise). It fails
// when a route takes a body that Bodies has no template for, or Bodies
// names a route that is not served: a new route cannot be forgotten.
func Cases(doc *openapi3.T, values map[string]string) ([]Case, error) {
	var out []Case
	seen := map[string]bool{}
	for _, rt := range httpapi.Routes {
		item := doc.Paths.Find(rt.Path)
		if item == nil || item.GetOperation(rt.Method) == nil {
			return nil, fmt.Errorf("%s is not in openapi.yaml", rt.Pattern())
		}
		op := item.GetOperation(rt.Method)
		envelope := op.Extensions["x-error-body"] == "envelope"
		path := func(hostileParam, hostile string) string {
			p := rt.Path
			for _, name := range pathNames(rt.Path) {
				v := values[name]
				if name == hostileParam {
					v = hostile
				}
				p = strings.Replace(p, "{"+name+"}", url.PathEscape(v), 1)
			}
			return p
		}
		template, hasBody := Bodies[rt.Pattern()]
		seen[rt.Pattern()] = hasBody
		if op.RequestBody != nil && !hasBody {
			return nil, fmt.Errorf("%s takes a body: give texttest.Bodies a template for it", rt.Pattern())
		}
		var body []byte
		if hasBody {
			body = []byte(fmt.Sprintf(template, "ok"))
		}
		queries := queryNames(item, op)
		if len(queries) == 0 {
			// The rule holds for any query string, read or not.
			queries = []string{"note"}
		}
		for _, h := range Hostiles {
			add := func(c Case) {
				c.Route, c.Hostile, c.Envelope = rt, h, envelope
				if c.Method == "" {
					c.Method = rt.Method
				}
				out = append(out, c)
			}
			if h.Raw != "" {
				for _, name := range pathNames(rt.Path) {
					add(Case{Where: InPath, Param: name, Target: path(name, h.Raw), Body: body})
				}
				for _, name := range queries {
					add(Case{Where: InQuery, Param: name, Target: path("", "") + "?" + url.Values{name: {h.Raw}}.Encode(), Body: body})
				}
			}
			if hasBody && h.JSON != "" {
				add(Case{Where: InBody, Target: path("", ""), Body: []byte(fmt.Sprintf(template, h.JSON))})
			}
		}
	}
	for pattern := range Bodies {
		if _, ok := seen[pattern]; !ok {
			return nil, fmt.Errorf("texttest.Bodies has %s, which no route serves", pattern)
		}
	}
	return out, nil
}

func pathNames(path string) []string {
	var names []string
	for rest := path; ; {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			return names
		}
		j := strings.IndexByte(rest[i:], '}')
		names = append(names, rest[i+1:i+j])
		rest = rest[i+j:]
	}
}

// queryNames lists the query parameters of op (and of its path item).
func queryNames(item *openapi3.PathItem, op *openapi3.Operation) []string {
	var names []string
	for _, ps := range []openapi3.Parameters{item.Parameters, op.Parameters} {
		for _, p := range ps {
			if p.Value != nil && p.Value.In == openapi3.ParameterInQuery && !slices.Contains(names, p.Value.Name) {
				names = append(names, p.Value.Name)
			}
		}
	}
	return names
}
