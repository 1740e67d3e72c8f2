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
	"time"

	"golang.org/x/text/language"

	"github.com/parcelgate/parcelgate/internal/tag"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

//go:embed page.html
var pageHTML string

// Step is one stage of the progress line.
type Step struct {
	Tag tag.Tag
	// Class is done, current or next.
	Class string
}

// CarrierLink is the carrier's own tracking page of the parcel; the zero
// value shows no link.
type CarrierLink struct {
	Name, URL string
}

type pageData struct {
	Lang  Lang
	Title string
	R     tracking.Resource
	// Tag and Subtag are the parcel's current ones (see current).
	Tag    tag.Tag
	Subtag tag.Subtag
	Steps  []Step
	// Notice is the subtag of the problem shown beside the line, "" when
	// there is none.
	Notice tag.Subtag
	Link   CarrierLink
	Text   string
	Hint   string
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
		"t":       l.printer.Sprintf,
		"status":  l.Status,
		"when":    l.when,
		"tagname": l.tagName,
		"subtag":  l.subtagText,
		"day":     l.day,
	}).Parse(pageHTML))
}

// Status names a status in the language, or spells out its words.
func (l Lang) Status(status string) string {
	if _, ok := statuses()[status]; ok {
		return l.printer.Sprintf("status:" + status)
	}
	words := strings.ReplaceAll(status, "_", " ")
	if words == "" {
		return ""
	}
	return strings.ToUpper(words[:1]) + words[1:]
}

// tagName names a tag in the language; a tag the messages lack keeps
// its own name rather than vanish from the page.
func (l Lang) tagName(t tag.Tag) string {
	if _, ok := tagNames()[t]; ok {
		return l.printer.Sprintf("tag:" + string(t))
	}
	return string(t)
}

// subtagText is the subtag's sentence in the language, "" for a subtag
// the messages lack.
func (l Lang) subtagText(s tag.Subtag) string {
	if _, ok := subtagTexts()[s]; ok {
		return l.printer.Sprintf("subtag:" + string(s))
	}
	return ""
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

// dayLayouts formats estimated delivery days.
var dayLayouts = map[language.Tag]string{
	language.English: "Mon 2 Jan",
	language.Polish:  "02.01.2006",
	language.German:  "02.01.2006",
	language.French:  "02/01/2006",
}

// day shows the day of an estimate (UTC).
func (l Lang) day(t time.Time) string { return t.UTC().Format(dayLayouts[l.Tag]) }

// current is the parcel's tag and subtag. A resource read through
// tracking.Service.Get always has both; one built otherwise may not, and
// is then Pending, or has its tag's default subtag.
func current(r tracking.Resource) (tag.Tag, tag.Subtag) {
	t, s := r.Tag, r.Subtag
	if t == "" {
		t = tag.Pending
	}
	if s == "" {
		s = tag.Default(t)
	}
	return t, s
}

// problem reports whether the tag is shown as a notice beside the line
// rather than as a stage of it: it says what went wrong, not how far the
// parcel got.
func problem(t tag.Tag) bool {
	return t.Attention() || t == tag.Expired
}

// stage is the index of the tag's stage on the line, -1 for a tag that
// is not a stage. OutForDelivery and AvailableForPickup share the third
// place: the last mile ends at the door or at a pickup point.
func stage(t tag.Tag) int {
	switch t {
	case tag.InfoReceived:
		return 0
	case tag.InTransit:
		return 1
	case tag.OutForDelivery, tag.AvailableForPickup:
		return 2
	case tag.Delivered:
		return 3
	}
	return -1
}

// lastMile is the line's third stage: AvailableForPickup for a parcel
// that waits, or waited, at a locker or pickup point, unless it is out
// for delivery now (sent on from there); OutForDelivery otherwise.
func lastMile(cur tag.Tag, history []tracking.Event) tag.Tag {
	waited := slices.ContainsFunc(history, func(ev tracking.Event) bool { return ev.Tag == tag.AvailableForPickup })
	if cur == tag.AvailableForPickup || waited && cur != tag.OutForDelivery {
		return tag.AvailableForPickup
	}
	return tag.OutForDelivery
}

// Steps is the progress line, the same four stages for every carrier:
// registered, in transit, out for delivery or waiting for pickup,
// delivered. Stages before the current tag's are done. A parcel in
// trouble (see problem) has no current stage: the stages up to the one
// its newest staged event reached stay done, and a failed delivery
// attempt proves the parcel went out for delivery even when no event
// said so. A Pending parcel has nothing done.
func Steps(r tracking.Resource) []Step {
	cur, _ := current(r)
	line := []tag.Tag{tag.InfoReceived, tag.InTransit, lastMile(cur, r.Details), tag.Delivered}
	at, done := -1, 0 // the current stage's index; how many stages are done
	switch {
	case stage(cur) >= 0:
		at, done = stage(cur), stage(cur)
	case problem(cur):
		staged := func(ev tracking.Event) bool { return stage(ev.Tag) >= 0 }
		if i := slices.IndexFunc(r.Details, staged); i >= 0 {
			done = stage(r.Details[i].Tag) + 1
		}
		if cur == tag.AttemptFail {
			done = max(done, stage(tag.OutForDelivery)+1)
		}
	}
	steps := make([]Step, len(line))
	for i, t := range line {
		class := "next"
		switch {
		case i < done:
			class = "done"
		case i == at:
			class = "current"
		}
		steps[i] = Step{Tag: t, Class: class}
	}
	return steps
}

// Page renders the tracking page of a resource, with a link to the
// carrier's own page when link is set.
func (l Lang) Page(r tracking.Resource, link CarrierLink) ([]byte, error) {
	t, s := current(r)
	d := pageData{Lang: l, Title: l.printer.Sprintf("title", r.TrackingNumber), R: r, Tag: t, Subtag: s, Steps: Steps(r), Link: link}
	if problem(t) {
		d.Notice = s
	}
	return l.render("page", d)
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
