package outbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/mail"
	"path"
	"strconv"
	"strings"

	"github.com/parcelgate/parcelgate/internal/input"
)

// Limits of a request.
const (
	// MaxRecipients is SES's limit on the addresses of one mail.
	MaxRecipients  = 50
	MaxAttachments = 10
	MaxSubject     = 998 // RFC 5322's line length
	MaxBody        = 100_000
	MaxFilename    = 200
	MaxPrint       = 99
)

// Body is weavy's outbox request as sent, before it is checked.
// fromArchive, print and isBodyHtml are numbers or strings of digits (the
// seed quotes them); replyto and emailto are arrays of addresses or one
// string of addresses separated by ";" or ",". Each raw value is the JSON
// the caller sent; the HTTP adapter decodes the body's wire names into it.
type Body struct {
	BaseOutboxID   string
	ConfReportID   string
	RowID          string
	SourceEntity   string
	BaseUserID     string
	FromArchive    json.RawMessage
	Print          json.RawMessage
	MessageSubject string
	MessageBody    string
	Filename       string
	PathExport     string
	IsBodyHTML     json.RawMessage
	ReplyTo        json.RawMessage
	EmailTo        json.RawMessage
	Attachments    []AttachmentBody
}

// AttachmentBody is one entry of attachments.
type AttachmentBody struct {
	Entity     string
	DataColumn string
	RowID      string
	Name       string
	MIMEType   string
}

// Parse checks the body and returns the request; eventActionCode is the
// query parameter of the same name.
func (b Body) Parse(eventActionCode string) (Request, error) {
	r := Request{
		EventActionCode: eventActionCode,
		BaseOutboxID:    b.BaseOutboxID, ConfReportID: b.ConfReportID, RowID: b.RowID,
		SourceEntity: b.SourceEntity, BaseUserID: b.BaseUserID,
		MessageSubject: b.MessageSubject, MessageBody: b.MessageBody,
		PathExport: b.PathExport,
	}
	for _, f := range []struct{ name, value string }{
		{"baseOutbox_ID", b.BaseOutboxID}, {"confreport_ID", b.ConfReportID}, {"rowID", b.RowID},
		{"sourceEntity", b.SourceEntity}, {"baseUser_ID", b.BaseUserID},
	} {
		if strings.TrimSpace(f.value) == "" {
			return Request{}, &input.Error{Field: f.name, Message: "is required"}
		}
		if err := input.CheckID(f.name, f.value); err != nil {
			return Request{}, err
		}
	}
	if err := input.CheckID("eventActionCode", eventActionCode); err != nil {
		return Request{}, err
	}
	archive, err := small("fromArchive", b.FromArchive, int(ArchiveNever), 2)
	if err != nil {
		return Request{}, err
	}
	r.FromArchive = Archive(archive)
	if r.Print, err = small("print", b.Print, 0, MaxPrint); err != nil {
		return Request{}, err
	}
	html, err := small("isBodyHtml", b.IsBodyHTML, 0, 1)
	if err != nil {
		return Request{}, err
	}
	r.IsBodyHTML = html == 1
	if len(r.MessageSubject) > MaxSubject {
		return Request{}, &input.Error{Field: "messageSubject", Message: fmt.Sprintf("is at most %d bytes", MaxSubject)}
	}
	if strings.ContainsAny(r.MessageSubject, "\r\n\t") {
		return Request{}, &input.Error{Field: "messageSubject", Message: "is one line"}
	}
	if len(r.MessageBody) > MaxBody {
		return Request{}, &input.Error{Field: "messageBody", Message: fmt.Sprintf("is at most %d bytes", MaxBody)}
	}
	if r.Filename, err = filename(b.Filename, b.ConfReportID, b.RowID); err != nil {
		return Request{}, err
	}
	if p := b.PathExport; p != "" && (path.IsAbs(p) || strings.Contains(p, "\\") || strings.HasPrefix(path.Clean(p), "..") || len(p) > MaxFilename) {
		return Request{}, &input.Error{Field: "pathExport", Message: "is a relative path (a/b), without .., of at most 200 bytes"}
	}
	if r.ReplyTo, err = addresses("replyto", b.ReplyTo); err != nil {
		return Request{}, err
	}
	if r.EmailTo, err = addresses("emailto", b.EmailTo); err != nil {
		return Request{}, err
	}
	if len(r.EmailTo)+len(r.ReplyTo) > MaxRecipients {
		return Request{}, &input.Error{Field: "emailto", Message: fmt.Sprintf("with replyto holds at most %d addresses", MaxRecipients)}
	}
	if len(b.Attachments) > MaxAttachments {
		return Request{}, &input.Error{Field: "attachments", Message: fmt.Sprintf("holds at most %d documents", MaxAttachments)}
	}
	if len(b.Attachments) > 0 && len(r.EmailTo) == 0 {
		return Request{}, &input.Error{Field: "emailto", Message: "is required with attachments: they are joined to the mail"}
	}
	for i, a := range b.Attachments {
		at := func(name string) string { return fmt.Sprintf("attachments[%d].%s", i, name) }
		for _, f := range []struct{ name, value string }{
			{"entity", a.Entity}, {"dataColumn", a.DataColumn}, {"rowID", a.RowID}, {"name", a.Name}, {"mimeType", a.MIMEType},
		} {
			if strings.TrimSpace(f.value) == "" {
				return Request{}, &input.Error{Field: at(f.name), Message: "is required"}
			}
			if err := input.CheckID(at(f.name), f.value); err != nil {
				return Request{}, err
			}
		}
		if strings.ContainsAny(a.Name, `/\`) {
			return Request{}, &input.Error{Field: at("name"), Message: "is a file name, without / or \\"}
		}
		if t, sub, ok := strings.Cut(a.MIMEType, "/"); !ok || t == "" || sub == "" || strings.ContainsAny(a.MIMEType, " ;,\"") {
			return Request{}, &input.Error{Field: at("mimeType"), Message: "is a MIME type such as image/png or application/pdf"}
		}
		r.Attachments = append(r.Attachments, Attachment(a))
	}
	return r, nil
}

// small reads an optional small integer sent as a number or a string of
// digits; def when absent or null.
func small(field string, raw json.RawMessage, def, maxValue int) (int, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return def, nil
	}
	s := string(raw)
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, &input.Error{Field: field, Message: "is not a valid string"}
		}
		s = strings.TrimSpace(s)
		if s == "" {
			return def, nil
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > maxValue {
		return 0, &input.Error{Field: field, Message: fmt.Sprintf("must be an integer from 0 to %d (a number or a string of digits)", maxValue)}
	}
	return n, nil
}

// addresses reads a list of e-mail addresses: an array of strings, or one
// string separated by ";" or ",".
func addresses(field string, raw json.RawMessage) ([]string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var list []string
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, &input.Error{Field: field, Message: "is not a valid string"}
		}
		list = strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' })
	} else if err := json.Unmarshal(raw, &list); err != nil {
		return nil, &input.Error{Field: field, Message: `must be an array of e-mail addresses, or one string of them separated by ";"`}
	}
	var out []string
	seen := map[string]bool{}
	for i, s := range list {
		s = strings.TrimSpace(s)
		name := fmt.Sprintf("%s[%d]", field, i)
		a, err := mail.ParseAddress(s)
		if err != nil || a.Name != "" || a.Address != s || !strings.Contains(a.Address[strings.LastIndexByte(a.Address, '@')+1:], ".") || len(s) > 254 {
			return nil, &input.Error{Field: name, Message: fmt.Sprintf("%q is not an e-mail address such as name@example.com", s)}
		}
		if key := strings.ToLower(s); !seen[key] {
			seen[key] = true
			out = append(out, s)
		}
	}
	return out, nil
}

// filename is the attached report's file name: the one asked for, with
// .pdf added when missing, or <confreport_ID>-<rowID>.pdf.
func filename(name, report, row string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		name = strings.NewReplacer("/", "_", `\`, "_", `"`, "_").Replace(report + "-" + row)
	}
	if strings.ContainsAny(name, `/\"`) || len(name) > MaxFilename {
		return "", &input.Error{Field: "filename", Message: "is a file name of at most 200 bytes, without /, \\ or \""}
	}
	if !strings.EqualFold(path.Ext(name), ".pdf") {
		name += ".pdf"
	}
	return name, nil
}
