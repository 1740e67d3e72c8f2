package outbox

import (
	"context"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/parcelgate/parcelgate/internal/data"
	"github.com/parcelgate/parcelgate/internal/outage"
	"github.com/parcelgate/parcelgate/internal/report"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

// Mail is one message to send.
type Mail struct {
	From    string
	To      []string
	ReplyTo []string
	Subject string
	// Text or HTML is the body.
	Text, HTML  string
	Attachments []MailAttachment
}

// MailAttachment is a file joined to a mail.
type MailAttachment struct {
	Name        string
	ContentType string
	Data        []byte
}

// Mailer sends mail. An error wrapping outage.ErrUnavailable means the
// mail was not taken and may be sent again; any other error is a refusal.
type Mailer interface {
	Send(ctx context.Context, m Mail) (messageID string, err error)
}

// Tracking reads a tracking number's resource.
type Tracking interface {
	Get(ctx context.Context, raw string, limit int) (tracking.Resource, error)
}

// RecordReader reads live records.
type RecordReader interface {
	Get(ctx context.Context, projectID string, e *data.Entity, code string) (data.Record, error)
}

// Renderer lays a report out as a document (pdf.Renderer). The worker is
// given it rather than importing it, so that the functions that link this
// package without rendering do not link the PDF library.
type Renderer interface {
	RenderShipment(report.Shipment) (report.Document, error)
	RenderSheet(report.Sheet) (report.Document, error)
}

// Worker generates and sends the queued items.
type Worker struct {
	Store    Store
	Records  RecordReader
	Catalog  *data.Catalog
	Tracking Tracking
	Renderer Renderer
	Mailer   Mailer
	// From is the sender address of every mail.
	From   string
	Now    func() time.Time
	NewID  func() string
	Logger *slog.Logger
}

// MaxDocumentBytes bounds a generated report.
const MaxDocumentBytes = 4 << 20

// claimTimeout is how long a send claim may stay unresolved before the
// item is failed: its worker stopped between claiming and recording.
const claimTimeout = 10 * time.Minute

// errRetry is a temporary state: the task is to be delivered again.
var errRetry = errors.New("outbox: another worker is sending this item's mail")

// Handle takes an item as far as it goes: generated, then sent. A task
// delivered again finds the item's status and does only what is left.
// An error means the task should be delivered again.
func (w Worker) Handle(ctx context.Context, t Task) error {
	it, err := w.Store.OutboxItem(ctx, t.ProjectID, t.OutboxID)
	if errors.Is(err, ErrNotFound) {
		w.Logger.WarnContext(ctx, "outbox task for no item", "projectId", t.ProjectID, "outboxId", t.OutboxID)
		return nil
	}
	if err != nil {
		return err
	}
	if it.Status == Queued {
		if it, err = w.generate(ctx, it); err != nil {
			return err
		}
	}
	if it.Status != Generated || len(it.EmailTo) == 0 {
		return nil
	}
	return w.send(ctx, it)
}

// ArchiveKey names the archived document of a report for a record.
func ArchiveKey(r Request) string {
	return r.ConfReportID + "\x00" + r.SourceEntity + "\x00" + r.RowID
}

// generate produces or finds the item's document and records it.
func (w Worker) generate(ctx context.Context, it Item) (Item, error) {
	if it.Request.FromArchive != ArchiveNever {
		archived, err := w.archived(ctx, it)
		switch {
		case err == nil:
			it.Document, it.DocumentSize, it.Pages, it.FromArchive = archived.Document, archived.DocumentSize, archived.Pages, true
			it.GeneratedAt = w.Now().UTC()
			return w.markGenerated(ctx, it, "")
		case !errors.Is(err, ErrNotFound):
			return it, err
		case it.Request.FromArchive == ArchiveOnly:
			return w.fail(ctx, it, "fromArchive 0 asks for the archived document, and this report has none for this record yet; send fromArchive 1 or 2 to generate it")
		}
	}
	doc, reason, err := w.render(ctx, it)
	if err != nil {
		return it, err
	}
	if reason != "" {
		return w.fail(ctx, it, reason)
	}
	if len(doc.PDF) > MaxDocumentBytes {
		return w.fail(ctx, it, fmt.Sprintf("the report is %d bytes, over the %d bytes a document may hold", len(doc.PDF), MaxDocumentBytes))
	}
	docID := w.NewID()
	if err := w.Store.SaveOutboxDocument(ctx, it.ProjectID, docID, doc.PDF, w.expiry(it)); err != nil {
		return it, err
	}
	it.Document, it.DocumentSize, it.Pages, it.FromArchive = docID, len(doc.PDF), doc.Pages, false
	it.GeneratedAt = w.Now().UTC()
	return w.markGenerated(ctx, it, ArchiveKey(it.Request))
}

// expiry is when it and its document expire: items stored before items
// expired get Retention from now.
func (w Worker) expiry(it Item) time.Time {
	if it.ExpiresAt.IsZero() {
		return w.Now().UTC().Add(Retention)
	}
	return it.ExpiresAt
}

// archived returns the archived document of the item's report, kept as
// long as the item; ErrNotFound when there is none, or it expired.
func (w Worker) archived(ctx context.Context, it Item) (Item, error) {
	key := ArchiveKey(it.Request)
	a, err := w.Store.Archived(ctx, it.ProjectID, key)
	if err != nil {
		return Item{}, err
	}
	now := w.Now().UTC()
	if a.Expired(now) {
		return Item{}, ErrNotFound
	}
	if until := w.expiry(it); a.ExpiresAt.IsZero() || a.ExpiresAt.Before(until) {
		err := w.Store.KeepArchived(ctx, a, key, now, until)
		if errors.Is(err, ErrNoDocument) {
			return Item{}, ErrNotFound
		}
		if err != nil {
			return Item{}, err
		}
	}
	return a, nil
}

func (w Worker) markGenerated(ctx context.Context, it Item, archiveKey string) (Item, error) {
	it.UpdatedAt = it.GeneratedAt
	err := w.Store.MarkGenerated(ctx, it, archiveKey)
	if errors.Is(err, ErrConflict) {
		// Another delivery of the task got there first: go on from
		// what it recorded.
		return w.Store.OutboxItem(ctx, it.ProjectID, it.ID)
	}
	if err != nil {
		return it, err
	}
	it.Status = Generated
	return it, nil
}

func (w Worker) fail(ctx context.Context, it Item, reason string) (Item, error) {
	now := w.Now().UTC()
	if err := w.Store.MarkFailed(ctx, it.ProjectID, it.ID, reason, now); err != nil && !errors.Is(err, ErrConflict) {
		return it, err
	}
	return w.Store.OutboxItem(ctx, it.ProjectID, it.ID)
}

// render generates the report; reason says why it cannot be, for good.
func (w Worker) render(ctx context.Context, it Item) (report.Document, string, error) {
	defEntity, _ := w.Catalog.Entity(ReportEntity)
	def, err := w.Records.Get(ctx, it.ProjectID, defEntity, it.ConfReportID)
	if errors.Is(err, data.ErrNotFound) {
		return report.Document{}, fmt.Sprintf("report definition %s no longer exists", it.ConfReportID), nil
	}
	if err != nil {
		return report.Document{}, "", err
	}
	if err := CheckDefinition(def, it.SourceEntity); err != nil {
		return report.Document{}, "report definition " + it.ConfReportID + " changed: " + err.Error(), nil
	}
	e, ok := w.Catalog.Entity(it.SourceEntity)
	if !ok {
		return report.Document{}, fmt.Sprintf("%s is not an entity", it.SourceEntity), nil
	}
	rec, err := w.Records.Get(ctx, it.ProjectID, e, it.RowID)
	if errors.Is(err, data.ErrNotFound) {
		return report.Document{}, fmt.Sprintf("%s record %s no longer exists", it.SourceEntity, it.RowID), nil
	}
	if err != nil {
		return report.Document{}, "", err
	}
	title, _ := def.Values["name"].(string)
	if title == "" {
		title = def.Code
	}
	now := w.Now().UTC()
	fields := recordFields(e, rec)
	if e.Tracks == "" {
		doc, err := w.Renderer.RenderSheet(report.Sheet{Title: title, Entity: e.Name, Code: rec.Code, Fields: fields, GeneratedAt: now})
		return doc, "", err
	}
	var events []report.Event
	final := false
	if number, _ := rec.Values[e.Tracks].(string); number != "" {
		res, err := w.Tracking.Get(ctx, number, tracking.MaxDetails)
		switch {
		case err == nil:
			for _, ev := range res.Details {
				events = append(events, report.Event{Status: ev.Status, Agency: ev.Agency, At: ev.At})
			}
			final = res.Status != "" && tracking.KnownType(res.Type) && len(tracking.Ahead(res.Type, res.Status)) == 0
		case !errors.Is(err, tracking.ErrNotFound) && !errors.Is(err, tracking.ErrUnknownNumber):
			return report.Document{}, "", err
		}
	}
	doc, err := w.Renderer.RenderShipment(report.Shipment{Title: title, Code: rec.Code, Fields: fields, GeneratedAt: now, Events: events, Final: final})
	return doc, "", err
}

// recordFields lists a record's fields with their English labels, binary
// ones by size.
func recordFields(e *data.Entity, rec data.Record) []report.Field {
	var out []report.Field
	for _, f := range e.Fields {
		// The code heads the report; srvExport is the ERP's bookkeeping.
		if f.Code || f.Name == data.FieldSrvExport {
			continue
		}
		label := f.Name
		for _, t := range f.Translations {
			if t.LanguageCode == "EN" {
				label = t.Text
			}
		}
		out = append(out, report.Field{Label: label, Value: formatValue(rec.Value(e, f.Name))})
	}
	return out
}

func formatValue(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case data.Dec:
		return string(v)
	case bool:
		return strconv.FormatBool(v)
	case time.Time:
		return v.UTC().Format("2006-01-02 15:04:05 UTC")
	case []byte:
		return fmt.Sprintf("(%d bytes)", len(v))
	}
	return fmt.Sprint(v)
}

// send mails the item's document and attachments, once: the send is
// claimed first, and a task finding it claimed sends nothing.
func (w Worker) send(ctx context.Context, it Item) error {
	m, reason, err := w.compose(ctx, it)
	if err != nil {
		return err
	}
	if reason != "" {
		_, err := w.fail(ctx, it, reason)
		return err
	}
	claim := w.NewID()
	now := w.Now().UTC()
	switch err := w.Store.ClaimSend(ctx, it.ProjectID, it.ID, claim, now); {
	case errors.Is(err, ErrClaimed):
		return w.claimedElsewhere(ctx, it)
	case err != nil:
		return err
	}
	messageID, err := w.Mailer.Send(ctx, m)
	if errors.Is(err, outage.ErrUnavailable) {
		if rerr := w.Store.ReleaseSend(context.WithoutCancel(ctx), it.ProjectID, it.ID, claim); rerr != nil {
			w.Logger.ErrorContext(ctx, "outbox send claim not released", "outboxId", it.ID, "error", rerr.Error())
		}
		return err
	}
	if err != nil {
		w.Logger.WarnContext(ctx, "outbox mail refused", "outboxId", it.ID, "error", err.Error())
		return w.Store.MarkFailed(ctx, it.ProjectID, it.ID, "the mail service refused the mail: "+err.Error(), w.Now().UTC())
	}
	return w.Store.MarkSent(context.WithoutCancel(ctx), it.ProjectID, it.ID, claim, messageID, w.Now().UTC())
}

// claimedElsewhere handles a task whose item's mail another delivery
// claimed: done if that one finished; failed if it stopped midway, since
// the mail may have left and must not go twice; else retried later.
func (w Worker) claimedElsewhere(ctx context.Context, it Item) error {
	cur, err := w.Store.OutboxItem(ctx, it.ProjectID, it.ID)
	if err != nil {
		return err
	}
	if cur.Status != Generated {
		return nil
	}
	if w.Now().Sub(cur.ClaimedAt) > claimTimeout {
		return w.Store.MarkFailed(ctx, it.ProjectID, it.ID,
			"sending was interrupted: the mail may or may not have gone out; check with the recipients before sending the request again", w.Now().UTC())
	}
	return errRetry
}

// compose builds the mail; reason says why it cannot be, for good.
func (w Worker) compose(ctx context.Context, it Item) (Mail, string, error) {
	pdf, err := w.Store.OutboxDocument(ctx, it.ProjectID, it.Document)
	if errors.Is(err, ErrNoDocument) {
		return Mail{}, "the archived document is no longer stored", nil
	}
	if err != nil {
		return Mail{}, "", err
	}
	m := Mail{From: w.From, To: it.EmailTo, ReplyTo: it.ReplyTo, Subject: it.MessageSubject}
	if m.Subject == "" {
		m.Subject = "Report " + strings.TrimSuffix(it.Filename, ".pdf")
	}
	body := it.MessageBody
	if body == "" {
		body = "Please find the report " + it.Filename + " attached."
		if it.IsBodyHTML {
			body = "<p>" + html.EscapeString(body) + "</p>"
		}
	}
	if it.IsBodyHTML {
		m.HTML = body
	} else {
		m.Text = body
	}
	m.Attachments = append(m.Attachments, MailAttachment{Name: it.Filename, ContentType: "application/pdf", Data: pdf})
	for i, a := range it.Attachments {
		e, ok := w.Catalog.Entity(a.Entity)
		if !ok {
			return Mail{}, fmt.Sprintf("attachments[%d]: %s is not an entity", i, a.Entity), nil
		}
		rec, err := w.Records.Get(ctx, it.ProjectID, e, a.RowID)
		if errors.Is(err, data.ErrNotFound) {
			return Mail{}, fmt.Sprintf("attachments[%d]: %s record %s no longer exists", i, a.Entity, a.RowID), nil
		}
		if err != nil {
			return Mail{}, "", err
		}
		content, _ := rec.Values[a.DataColumn].([]byte)
		if len(content) == 0 {
			return Mail{}, fmt.Sprintf("attachments[%d]: field %s of %s record %s is empty", i, a.DataColumn, a.Entity, a.RowID), nil
		}
		m.Attachments = append(m.Attachments, MailAttachment{Name: a.Name, ContentType: a.MIMEType, Data: content})
	}
	return m, "", nil
}

// GiveUp fails the item of a task on its last delivery, which failed
// too: without it the item would stay QUEUED or GENERATED for ever once
// the task goes to the dead-letter queue. The reason stays general; the
// cause is logged.
func (w Worker) GiveUp(ctx context.Context, t Task, cause error) error {
	it, err := w.Store.OutboxItem(ctx, t.ProjectID, t.OutboxID)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	w.Logger.ErrorContext(ctx, "outbox item failed after its last delivery", "projectId", t.ProjectID, "outboxId", t.OutboxID, "error", cause.Error())
	var reason string
	switch {
	case it.Status == Queued:
		reason = "the report could not be generated (the service was unavailable on every attempt); send the request again"
	case it.Status == Generated && it.SendClaim != "":
		reason = "sending was interrupted: the mail may or may not have gone out; check with the recipients before sending the request again"
	case it.Status == Generated:
		reason = "the mail could not be sent (the mail service was unavailable on every attempt); send the request again"
	default:
		return nil
	}
	err = w.Store.MarkFailed(ctx, t.ProjectID, t.OutboxID, reason, w.Now().UTC())
	if errors.Is(err, ErrConflict) {
		return nil
	}
	return err
}
