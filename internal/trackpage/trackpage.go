// Package trackpage renders the public tracking page: a parcel's tracking
// resource as plain HTML (no JavaScript) in the reader's language, and the
// friendly pages for numbers that are unknown or not tracking numbers.
package trackpage

import (
	"bytes"
	_ "embed"
	"html/template"
	"slices"
	"strings"

	"golang.org/x/text/language"

	"github.com/parcelgate/parcelgate/internal/tracking"
)

//go:embed page.html
var pageHTML string

// Step is one status of the progress line.
type Step struct {
	Status string
	// Class is done, current or next.
	Class string
}

type pageData struct {
	Lang  Lang
	Title string
	R     tracking.Resource
	Steps []Step
	Text  string
	Hint  string
}

// dateLayouts formats event times the way each language writes them.
var dateLayouts = map[language.Tag]string{
	language.English: "2 Jan 2006, 15:04",
	language.Polish:  "02.01.2006, 15:04",
	language.German:  "02.01.2006, 15:04",
	language.French:  "02/01/2006 15:04",
}

func newTemplates(l Lang) *template.Template {
	return template.Must(template.New("").Funcs(template.FuncMap{
		"t":      l.printer.Sprintf,
		"status": l.Status,
		"when":   l.when,
	}).Parse(pageHTML))
}

// Status names a status in the language, or spells out its words.
func (l Lang) Status(status string) string {
	if _, ok := statuses[status]; ok {
		return l.printer.Sprintf("status:" + status)
	}
	words := strings.ReplaceAll(status, "_", " ")
	if words == "" {
		return ""
	}
	return strings.ToUpper(words[:1]) + words[1:]
}

// when shows an event time in the parcel's local time, as injected, with
// its UTC offset; a time it cannot read is shown as it is.
func (l Lang) when(datetime string) string {
	t, err := tracking.ParseDatetime(datetime)
	if err != nil {
		return datetime
	}
	return t.Format(dateLayouts[l.Tag]) + " (UTC" + t.Format("-07:00") + ")"
}

// Steps is the progress line: the statuses already passed (oldest first,
// each once), the current one, then what the service expects next.
func Steps(r tracking.Resource) []Step {
	var steps []Step
	seen := map[string]bool{r.Status: true}
	for _, ev := range slices.Backward(r.Details) {
		if !seen[ev.Status] {
			seen[ev.Status] = true
			steps = append(steps, Step{Status: ev.Status, Class: "done"})
		}
	}
	if r.Status != "" {
		steps = append(steps, Step{Status: r.Status, Class: "current"})
	}
	for _, s := range r.ExpectedFlow {
		if !seen[s] {
			seen[s] = true
			steps = append(steps, Step{Status: s, Class: "next"})
		}
	}
	return steps
}

// Page renders the tracking page of a resource.
func (l Lang) Page(r tracking.Resource) ([]byte, error) {
	return l.render("page", pageData{Lang: l, Title: l.printer.Sprintf("title", r.TrackingNumber), R: r, Steps: Steps(r)})
}

// NotFound renders the page for a well-formed number with no data.
func (l Lang) NotFound(number, carrierName string) ([]byte, error) {
	p := l.printer
	return l.problem(p.Sprintf("notfound-title"), p.Sprintf("notfound-text", number, carrierName), p.Sprintf("notfound-hint"))
}

// Unknown renders the page for a number of no known shipment type.
func (l Lang) Unknown(raw string) ([]byte, error) {
	p := l.printer
	return l.problem(p.Sprintf("unknown-title"), p.Sprintf("unknown-text", raw), p.Sprintf("unknown-hint"))
}

// Unavailable renders the page for a failure on the server's side.
func (l Lang) Unavailable() ([]byte, error) {
	return l.problem(l.printer.Sprintf("unavailable-title"), l.printer.Sprintf("unavailable-text"), "")
}

func (l Lang) problem(title, text, hint string) ([]byte, error) {
	return l.render("problem", pageData{Lang: l, Title: title, Text: text, Hint: hint})
}

func (l Lang) render(name string, d pageData) ([]byte, error) {
	var buf bytes.Buffer
	if err := l.tmpl.ExecuteTemplate(&buf, name, d); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
