package outbox

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/parcelgate/parcelgate/internal/input"
)

// parse reads body by weavy's names, as the HTTP adapter does, and
// parses it.
func parse(t *testing.T, body string) (Request, error) {
	t.Helper()
	var w struct {
		BaseOutboxID   string          `json:"baseOutbox_ID"`
		ConfReportID   string          `json:"confreport_ID"`
		RowID          string          `json:"rowID"`
		SourceEntity   string          `json:"sourceEntity"`
		BaseUserID     string          `json:"baseUser_ID"`
		FromArchive    json.RawMessage `json:"fromArchive"`
		Print          json.RawMessage `json:"print"`
		MessageSubject string          `json:"messageSubject"`
		MessageBody    string          `json:"messageBody"`
		Filename       string          `json:"filename"`
		PathExport     string          `json:"pathExport"`
		IsBodyHTML     json.RawMessage `json:"isBodyHtml"`
		ReplyTo        json.RawMessage `json:"replyto"`
		EmailTo        json.RawMessage `json:"emailto"`
		Attachments    []struct {
			Entity     string `json:"entity"`
			DataColumn string `json:"dataColumn"`
			RowID      string `json:"rowID"`
			Name       string `json:"name"`
			MIMEType   string `json:"mimeType"`
		} `json:"attachments"`
	}
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		t.Fatal(err)
	}
	b := Body{
		BaseOutboxID: w.BaseOutboxID, ConfReportID: w.ConfReportID, RowID: w.RowID, SourceEntity: w.SourceEntity,
		BaseUserID: w.BaseUserID, FromArchive: w.FromArchive, Print: w.Print, MessageSubject: w.MessageSubject,
		MessageBody: w.MessageBody, Filename: w.Filename, PathExport: w.PathExport, IsBodyHTML: w.IsBodyHTML,
		ReplyTo: w.ReplyTo, EmailTo: w.EmailTo,
	}
	for _, a := range w.Attachments {
		b.Attachments = append(b.Attachments, AttachmentBody(a))
	}
	return b.Parse("EVT")
}

const required = `"baseOutbox_ID":"B","confreport_ID":"R/1","rowID":"S-1","sourceEntity":"shipment","baseUser_ID":"U"`

func TestParseReadsSeedStringsAndDefaults(t *testing.T) {
	r, err := parse(t, `{`+required+`,"fromArchive":"1","print":"2","isBodyHtml":"1","emailto":"a@x.example; b@y.example ;a@x.example","replyto":["r@z.example"]}`)
	if err != nil {
		t.Fatal(err)
	}
	if r.FromArchive != ArchiveIfAvailable || r.Print != 2 || !r.IsBodyHTML || r.EventActionCode != "EVT" {
		t.Errorf("request %+v", r)
	}
	if !slices.Equal(r.EmailTo, []string{"a@x.example", "b@y.example"}) || !slices.Equal(r.ReplyTo, []string{"r@z.example"}) {
		t.Errorf("addresses to %v reply %v", r.EmailTo, r.ReplyTo)
	}
	if r.Filename != "R_1-S-1.pdf" {
		t.Errorf("default file name %q", r.Filename)
	}
	r, err = parse(t, `{`+required+`,"fromArchive":0,"filename":"report.PDF"}`)
	if err != nil || r.FromArchive != ArchiveOnly || r.Filename != "report.PDF" {
		t.Errorf("fromArchive 0: %+v, %v", r, err)
	}
	r, err = parse(t, `{`+required+`}`)
	if err != nil || r.FromArchive != ArchiveNever || r.IsBodyHTML {
		t.Errorf("defaults: %+v, %v", r, err)
	}
}

func TestParseNamesTheBadField(t *testing.T) {
	for _, c := range []struct{ body, field string }{
		{`{"confreport_ID":"R","rowID":"S","sourceEntity":"shipment","baseUser_ID":"U"}`, "baseOutbox_ID"},
		{`{` + required + `,"fromArchive":"3"}`, "fromArchive"},
		{`{` + required + `,"print":-1}`, "print"},
		{`{` + required + `,"isBodyHtml":"yes"}`, "isBodyHtml"},
		{`{` + required + `,"emailto":["ok@x.example","Name <n@x.example>"]}`, "emailto[1]"},
		{`{` + required + `,"emailto":"nodomain@localhost"}`, "emailto[0]"},
		{`{` + required + `,"replyto":42}`, "replyto"},
		{`{` + required + `,"messageSubject":"two\nlines"}`, "messageSubject"},
		{`{` + required + `,"filename":"../x"}`, "filename"},
		{`{` + required + `,"pathExport":"../up"}`, "pathExport"},
		{`{` + required + `,"attachments":[{"entity":"document","dataColumn":"content","rowID":"D","name":"a","mimeType":"png"}],"emailto":"a@x.example"}`, "attachments[0].mimeType"},
		{`{` + required + `,"attachments":[{"entity":"document","dataColumn":"content","rowID":"D","name":"a","mimeType":"image/png"}]}`, "emailto"},
	} {
		_, err := parse(t, c.body)
		var invalid *input.Error
		if !errors.As(err, &invalid) || invalid.Field != c.field {
			t.Errorf("%s: err %v, want one naming %s", c.body, err, c.field)
		}
	}
}
