package httpapi

import (
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/parcelgate/parcelgate/internal/outbox"
)

// Handlers of the report outbox (weavy-compatible).

type outboxAttachmentBody struct {
	Entity     string `json:"entity"`
	DataColumn string `json:"dataColumn"`
	RowID      string `json:"rowID"`
	Name       string `json:"name"`
	MIMEType   string `json:"mimeType"`
}

// outboxRequestBody is weavy's outbox request; outbox.Body.Parse
// checks it.
type outboxRequestBody struct {
	BaseOutboxID   string                 `json:"baseOutbox_ID"`
	ConfReportID   string                 `json:"confreport_ID"`
	RowID          string                 `json:"rowID"`
	SourceEntity   string                 `json:"sourceEntity"`
	BaseUserID     string                 `json:"baseUser_ID"`
	FromArchive    json.RawMessage        `json:"fromArchive"`
	Print          json.RawMessage        `json:"print"`
	MessageSubject string                 `json:"messageSubject"`
	MessageBody    string                 `json:"messageBody"`
	Filename       string                 `json:"filename"`
	PathExport     string                 `json:"pathExport"`
	IsBodyHTML     json.RawMessage        `json:"isBodyHtml"`
	ReplyTo        json.RawMessage        `json:"replyto"`
	EmailTo        json.RawMessage        `json:"emailto"`
	Attachments    []outboxAttachmentBody `json:"attachments"`
}

func (b outboxRequestBody) body() outbox.Body {
	out := outbox.Body{
		BaseOutboxID: b.BaseOutboxID, ConfReportID: b.ConfReportID, RowID: b.RowID, SourceEntity: b.SourceEntity,
		BaseUserID: b.BaseUserID, FromArchive: b.FromArchive, Print: b.Print, MessageSubject: b.MessageSubject,
		MessageBody: b.MessageBody, Filename: b.Filename, PathExport: b.PathExport, IsBodyHTML: b.IsBodyHTML,
		ReplyTo: b.ReplyTo, EmailTo: b.EmailTo,
	}
	for _, a := range b.Attachments {
		out.Attachments = append(out.Attachments, outbox.AttachmentBody(a))
	}
	return out
}

type outboxDocumentBody struct {
	Filename    string `json:"filename"`
	ContentType string `json:"contentType"`
	Size        int    `json:"size"`
	Pages       int    `json:"pages"`
	FromArchive bool   `json:"fromArchive"`
}

type outboxItemBody struct {
	OutboxID        string                 `json:"outboxId"`
	Status          outbox.Status          `json:"status"`
	Reason          *string                `json:"reason"`
	EventActionCode string                 `json:"eventActionCode"`
	BaseOutboxID    string                 `json:"baseOutbox_ID"`
	ConfReportID    string                 `json:"confreport_ID"`
	RowID           string                 `json:"rowID"`
	SourceEntity    string                 `json:"sourceEntity"`
	BaseUserID      string                 `json:"baseUser_ID"`
	FromArchive     int                    `json:"fromArchive"`
	Print           int                    `json:"print"`
	MessageSubject  string                 `json:"messageSubject"`
	Filename        string                 `json:"filename"`
	PathExport      string                 `json:"pathExport"`
	IsBodyHTML      int                    `json:"isBodyHtml"`
	ReplyTo         []string               `json:"replyto"`
	EmailTo         []string               `json:"emailto"`
	Attachments     []outboxAttachmentBody `json:"attachments"`
	Document        *outboxDocumentBody    `json:"document"`
	MessageID       *string                `json:"messageId"`
	CreatedAt       string                 `json:"createdAt"`
	UpdatedAt       string                 `json:"updatedAt"`
	GeneratedAt     *time.Time             `json:"generatedAt"`
	SentAt          *time.Time             `json:"sentAt"`
}

func newOutboxItemBody(it outbox.Item) outboxItemBody {
	b := outboxItemBody{
		OutboxID: it.ID, Status: it.Status, Reason: optional(it.Reason), EventActionCode: it.EventActionCode,
		BaseOutboxID: it.BaseOutboxID, ConfReportID: it.ConfReportID, RowID: it.RowID, SourceEntity: it.SourceEntity,
		BaseUserID: it.BaseUserID, FromArchive: int(it.Request.FromArchive), Print: it.Print, MessageSubject: it.MessageSubject,
		Filename: it.Filename, PathExport: it.PathExport, ReplyTo: it.ReplyTo, EmailTo: it.EmailTo,
		Attachments: make([]outboxAttachmentBody, len(it.Attachments)), MessageID: optional(it.MessageID),
		CreatedAt: it.CreatedAt.UTC().Format(time.RFC3339), UpdatedAt: it.UpdatedAt.UTC().Format(time.RFC3339),
		GeneratedAt: optionalTime(it.GeneratedAt), SentAt: optionalTime(it.SentAt),
	}
	if it.IsBodyHTML {
		b.IsBodyHTML = 1
	}
	if b.ReplyTo == nil {
		b.ReplyTo = []string{}
	}
	if b.EmailTo == nil {
		b.EmailTo = []string{}
	}
	for i, a := range it.Attachments {
		b.Attachments[i] = outboxAttachmentBody(a)
	}
	if it.Document != "" {
		b.Document = &outboxDocumentBody{Filename: it.Filename, ContentType: "application/pdf", Size: it.DocumentSize, Pages: it.Pages, FromArchive: it.FromArchive}
	}
	return b
}

func (a *API) submitReport(w http.ResponseWriter, r *http.Request) error {
	var body outboxRequestBody
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	req, err := body.body().Parse(r.URL.Query().Get("eventActionCode"))
	if err != nil {
		return err
	}
	it, err := a.Outbox.Submit(r.Context(), caller(r), r.PathValue("projectId"), req)
	if err != nil {
		return err
	}
	w.Header().Set("Location", publicURL(r, "/v1/data/"+url.PathEscape(it.ProjectID)+"/outbox/"+it.ID))
	writeJSON(w, http.StatusAccepted, map[string]string{"outboxId": it.ID, "status": string(it.Status)})
	return nil
}

func (a *API) getOutboxItem(w http.ResponseWriter, r *http.Request) error {
	it, err := a.Outbox.Get(r.Context(), caller(r), r.PathValue("projectId"), r.PathValue("outboxId"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newOutboxItemBody(it))
	return nil
}

func (a *API) getOutboxDocument(w http.ResponseWriter, r *http.Request) error {
	it, pdf, err := a.Outbox.Document(r.Context(), caller(r), r.PathValue("projectId"), r.PathValue("outboxId"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Length", strconv.Itoa(len(pdf)))
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": it.Filename}))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(pdf)
	return nil
}
