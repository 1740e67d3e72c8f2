package systemtest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/ledongthuc/pdf"

	"github.com/parcelgate/parcelgate/internal/apitest"
	"github.com/parcelgate/parcelgate/internal/outbox"
)

type outboxItemOut struct {
	OutboxID string `json:"outboxId"`
	Status   string `json:"status"`
	Reason   string `json:"reason"`
	Document *struct {
		Filename    string `json:"filename"`
		Size        int    `json:"size"`
		Pages       int    `json:"pages"`
		FromArchive bool   `json:"fromArchive"`
	} `json:"document"`
	MessageID string `json:"messageId"`
}

// awaitOutbox polls the item until its status is one of want.
func awaitOutbox(t *testing.T, e *apitest.Env, base, token, id string, want ...string) outboxItemOut {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var it outboxItemOut
		e.Call(t, "GET", base+"/outbox/"+id, token, nil).Want(t, 200).JSON(t, &it)
		for _, w := range want {
			if it.Status == w {
				return it
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox item %s is %s (%s), want %v", id, it.Status, it.Reason, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// outboxFixture stores what a shipment report needs and returns the
// shipment's tracking number.
func outboxFixture(t *testing.T, e *apitest.Env, base, token string) string {
	t.Helper()
	const number = "1Z999AA10123456784"
	e.Call(t, "POST", base+"/baseuser", token, map[string]any{"baseuser_ID": "U-1", "login": "claire", "name": "Claire Martin"}).Want(t, 201)
	e.Call(t, "POST", base+"/order", token, map[string]any{"order_ID": "O-1", "orderNumber": "SO-1"}).Want(t, 201)
	e.Call(t, "POST", base+"/shipment", token, map[string]any{"shipment_ID": "S-1", "order_ID": "O-1", "trackingNumber": number, "carrier": "ups", "weight": "2.5", "parcelCount": 1}).Want(t, 201)
	e.Call(t, "POST", base+"/confreport", token, map[string]any{"confreport_ID": "TRACK", "name": "Shipment tracking report", "sourceEntity": "shipment", "format": "PDF"}).Want(t, 201)
	e.Call(t, "POST", base+"/document", token, map[string]any{"document_ID": "D-1", "order_ID": "O-1", "name": "invoice", "mimeType": "text/plain",
		"content": base64.StdEncoding.EncodeToString([]byte("Invoice SO-1: 42.00 EUR"))}).Want(t, 201)
	return number
}

func outboxRequest(to string) map[string]any {
	return map[string]any{
		"baseOutbox_ID": "OUT-1", "confreport_ID": "TRACK", "rowID": "S-1", "sourceEntity": "shipment", "baseUser_ID": "U-1",
		"fromArchive": "2", "print": 0, "messageSubject": "Your shipment S-1", "messageBody": "<p>Your <b>shipment</b> report.</p>",
		"filename": "tracking-S-1", "isBodyHtml": "1", "replyto": []string{"support@shop.example"}, "emailto": []string{to},
		"attachments": []map[string]string{{"entity": "document", "dataColumn": "content", "rowID": "D-1", "name": "invoice.txt", "mimeType": "text/plain"}},
	}
}

func pdfText(t *testing.T, doc []byte) (pages int, text string) {
	t.Helper()
	r, err := pdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		t.Fatalf("the document is not a PDF: %v", err)
	}
	var b strings.Builder
	for i := 1; i <= r.NumPage(); i++ {
		s, err := r.Page(i).GetPlainText(nil)
		if err != nil {
			t.Fatalf("page %d: %v", i, err)
		}
		b.WriteString(s)
	}
	return r.NumPage(), b.String()
}

func TestOutboxReportIsGeneratedArchivedAndMailedWithAttachments(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	base, token := dataProject(t, e)
	number := outboxFixture(t, e, base, token)
	at := func(ago time.Duration) string { return e.Clock().Add(-ago).UTC().Format("2006-01-02T15:04:05Z") }
	inject(t, e, token, "feed-1",
		event(number, "picked_up", "P", "Lyon", at(101*time.Hour)),
		event(number, "in_transit", "T", "Paris hub", at(80*time.Hour)),
		event(number, "arrived_at_facility", "A", "Paris 11", at(20*time.Hour)),
		event(number, "out_for_delivery", "O", "Paris 11", at(3*time.Hour)))

	// An address of this test's project only: the SES emulator keeps the
	// mail of every run.
	to := "claire+" + strings.TrimPrefix(base, "/v1/data/") + "@customer.example"
	// Weavy's URL, trailing slash and all.
	var queued struct {
		OutboxID string `json:"outboxId"`
		Status   string `json:"status"`
	}
	r := e.Call(t, "POST", base+"/outbox/report?eventActionCode=SEND_TRACKING", token, outboxRequest(to)).Want(t, 202)
	r.JSON(t, &queued)
	if queued.Status != "QUEUED" || queued.OutboxID == "" || !strings.HasSuffix(r.Header.Get("Location"), base+"/outbox/"+queued.OutboxID) {
		t.Fatalf("answer %s, Location %q", r.Body, r.Header.Get("Location"))
	}
	it := awaitOutbox(t, e, base, token, queued.OutboxID, "SENT", "FAILED")
	if it.Status != "SENT" || it.MessageID == "" || it.Document == nil || it.Document.Filename != "tracking-S-1.pdf" || it.Document.FromArchive {
		t.Fatalf("item %+v", it)
	}

	doc := e.Call(t, "GET", base+"/outbox/"+queued.OutboxID+"/document", token, nil).Want(t, 200)
	if ct := doc.Header.Get("Content-Type"); ct != "application/pdf" || len(doc.Body) != it.Document.Size {
		t.Fatalf("document %s of %d bytes, item says %d", ct, len(doc.Body), it.Document.Size)
	}
	if p := os.Getenv("PARCELGATE_SAMPLE_REPORT"); p != "" {
		// make docs: the README's picture of the report is rendered from this.
		if err := os.WriteFile(p, doc.Body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pages, text := pdfText(t, doc.Body)
	if pages != it.Document.Pages || pages < 1 {
		t.Fatalf("%d pages, item says %d", pages, it.Document.Pages)
	}
	for _, want := range []string{"Shipment tracking report", number, "Status timeline (newest first)", "Days per status", "Paris hub", "2.5"} {
		if !strings.Contains(text, want) {
			t.Errorf("the report lacks %q; its text: %s", want, text)
		}
	}
	newest, oldest := strings.Index(text, "out_for_delivery"), strings.Index(text, "picked_up")
	if newest < 0 || oldest < 0 || newest > oldest {
		t.Errorf("timeline not newest first (out_for_delivery at %d, picked_up at %d): %s", newest, oldest, text)
	}
	if !strings.Contains(text, "out_for_delivery (so far)") || !strings.Contains(text, "2.5 days") {
		t.Errorf("days per status: the current status so far, and in_transit's 2.5 days, missing: %s", text)
	}

	mails := e.MailsTo(t, to)
	if len(mails) != 1 {
		t.Fatalf("%d mails to %s, want 1", len(mails), to)
	}
	m := mails[0]
	if m.Subject != "Your shipment S-1" || m.HTML != "<p>Your <b>shipment</b> report.</p>" || m.From != e.Config.ReportSender ||
		len(m.ReplyTo) != 1 || m.ReplyTo[0] != "support@shop.example" || m.MessageID != it.MessageID {
		t.Fatalf("mail %+v", m)
	}
	if len(m.Attachments) != 2 {
		t.Fatalf("%d attachments, want the report and the invoice", len(m.Attachments))
	}
	report, invoice := m.Attachments[0].Data, m.Attachments[1].Data
	if m.Attachments[0].Name != "tracking-S-1.pdf" || m.Attachments[0].ContentType != "application/pdf" || !bytes.Equal(report, doc.Body) {
		t.Errorf("report attachment %s %s, %d bytes", m.Attachments[0].Name, m.Attachments[0].ContentType, len(report))
	}
	if m.Attachments[1].Name != "invoice.txt" || string(invoice) != "Invoice SO-1: 42.00 EUR" {
		t.Errorf("invoice attachment %s: %q", m.Attachments[1].Name, invoice)
	}

	// fromArchive 1 takes the archived PDF: the same bytes, not generated again.
	again := outboxRequest(to)
	again["fromArchive"] = 1
	again["emailto"] = nil
	delete(again, "attachments")
	e.Call(t, "POST", base+"/outbox/report/", token, again).Want(t, 202).JSON(t, &queued)
	archived := awaitOutbox(t, e, base, token, queued.OutboxID, "GENERATED", "FAILED")
	if archived.Status != "GENERATED" || archived.Document == nil || !archived.Document.FromArchive {
		t.Fatalf("archived item %+v", archived)
	}
	if d := e.Call(t, "GET", base+"/outbox/"+queued.OutboxID+"/document", token, nil).Want(t, 200); !bytes.Equal(d.Body, doc.Body) {
		t.Error("fromArchive 1 did not serve the archived document")
	}
}

func TestOutboxUnknownReportRowOrAddress4xxAndNothingSent(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	base, token := dataProject(t, e)
	outboxFixture(t, e, base, token)
	const to = "nobody@refused.example"
	cases := []struct {
		name   string
		edit   func(map[string]any)
		status int
		field  string
	}{
		{"unknown report", func(b map[string]any) { b["confreport_ID"] = "NOPE" }, 404, "confreport_ID"},
		{"unknown row", func(b map[string]any) { b["rowID"] = "S-404" }, 404, "rowID"},
		{"unknown user", func(b map[string]any) { b["baseUser_ID"] = "U-404" }, 404, "baseUser_ID"},
		{"unknown attachment", func(b map[string]any) {
			b["attachments"] = []map[string]string{{"entity": "document", "dataColumn": "content", "rowID": "D-404", "name": "x", "mimeType": "text/plain"}}
		}, 404, "attachments[0].rowID"},
		{"not a binary field", func(b map[string]any) {
			b["attachments"] = []map[string]string{{"entity": "document", "dataColumn": "name", "rowID": "D-1", "name": "x", "mimeType": "text/plain"}}
		}, 400, "attachments[0].dataColumn"},
		{"report for another entity", func(b map[string]any) { b["sourceEntity"] = "order"; b["rowID"] = "O-1" }, 400, "sourceEntity"},
		{"bad address", func(b map[string]any) { b["emailto"] = "nobody@refused.example; not-an-address" }, 400, "emailto[1]"},
		{"missing row", func(b map[string]any) { delete(b, "rowID") }, 400, "rowID"},
		{"bad fromArchive", func(b map[string]any) { b["fromArchive"] = "7" }, 400, "fromArchive"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := outboxRequest(to)
			c.edit(body)
			r := e.Call(t, "POST", base+"/outbox/report", token, body).Want(t, c.status)
			if got := problemField(t, r); got != c.field {
				t.Errorf("field %q, want %q (%s)", got, c.field, r.Body)
			}
		})
	}
	// A good request queued after them is mailed; none of them was.
	ok := outboxRequest("after+" + strings.TrimPrefix(base, "/v1/data/") + "@customer.example")
	var queued struct {
		OutboxID string `json:"outboxId"`
	}
	e.Call(t, "POST", base+"/outbox/report", token, ok).Want(t, 202).JSON(t, &queued)
	awaitOutbox(t, e, base, token, queued.OutboxID, "SENT")
	if mails := e.MailsTo(t, to); len(mails) != 0 {
		t.Fatalf("refused requests sent %d mails", len(mails))
	}
}

func TestOutboxRedeliveredTaskMailsOnce(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	base, token := dataProject(t, e)
	outboxFixture(t, e, base, token)
	to := "once+" + strings.TrimPrefix(base, "/v1/data/") + "@customer.example"
	var queued struct {
		OutboxID string `json:"outboxId"`
	}
	e.Call(t, "POST", base+"/outbox/report", token, outboxRequest(to)).Want(t, 202).JSON(t, &queued)
	// The same task delivered four more times at once, racing the poller.
	task, _ := json.Marshal(map[string]string{"projectId": strings.TrimPrefix(base, "/v1/data/"), "outboxId": queued.OutboxID})
	handler := e.App.QueueHandlers()["report-worker"]
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			ev := events.SQSEvent{Records: []events.SQSMessage{{MessageId: "dup-" + string(rune('a'+i)), Body: string(task)}}}
			if _, err := handler(context.Background(), ev); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	awaitOutbox(t, e, base, token, queued.OutboxID, "SENT")
	// And once more after it was sent.
	if _, err := handler(context.Background(), events.SQSEvent{Records: []events.SQSMessage{{MessageId: "late", Body: string(task)}}}); err != nil {
		t.Fatal(err)
	}
	e.AwaitIdle(t)
	if mails := e.MailsTo(t, to); len(mails) != 1 {
		t.Fatalf("%d mails, want exactly 1", len(mails))
	}
}

func TestOutboxOtherClientsItemIs404(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	base, token := dataProject(t, e)
	outboxFixture(t, e, base, token)
	req := outboxRequest("tenant@customer.example")
	req["emailto"] = nil
	delete(req, "attachments")
	var queued struct {
		OutboxID string `json:"outboxId"`
	}
	e.Call(t, "POST", base+"/outbox/report", token, req).Want(t, 202).JSON(t, &queued)
	awaitOutbox(t, e, base, token, queued.OutboxID, "GENERATED")

	otherBase, other := dataProject(t, e)
	_, stranger := e.Token(t, "globex")
	for _, tok := range []string{other, stranger} {
		e.Call(t, "GET", base+"/outbox/"+queued.OutboxID, tok, nil).Want(t, 404)
		e.Call(t, "GET", base+"/outbox/"+queued.OutboxID+"/document", tok, nil).Want(t, 404)
		e.Call(t, "POST", base+"/outbox/report", tok, req).Want(t, 404)
	}
	// The item's id under the other project's path names nothing there.
	e.Call(t, "GET", otherBase+"/outbox/"+queued.OutboxID, other, nil).Want(t, 404)
	e.Call(t, "GET", otherBase+"/outbox/"+queued.OutboxID+"/document", other, nil).Want(t, 404)
}

// A task whose item's mail another delivery claimed is retried; on its
// last delivery the item fails, saying the mail may have left, rather
// than staying GENERATED for ever or being mailed twice.
func TestOutboxLastDeliveryOfAClaimedSendFailsTheItem(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	base, _ := dataProject(t, e)
	projectID := strings.TrimPrefix(base, "/v1/data/")
	store := e.App.Reports.Store
	ctx := context.Background()
	now := e.Clock()
	// An item generated but not queued (the pollers never see it), whose
	// send a worker claimed a moment ago and has not recorded.
	it := outbox.Item{ID: "claimed-1", ProjectID: projectID, Status: outbox.Queued, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(outbox.Retention),
		Request: outbox.Request{ConfReportID: "TRACK", RowID: "S-1", SourceEntity: "shipment", EmailTo: []string{"x@customer.example"}, Filename: "r.pdf"}}
	if err := store.CreateOutboxItem(ctx, it); err != nil {
		t.Fatal(err)
	}
	if err := store.SaveOutboxDocument(ctx, projectID, "doc-1", []byte("%PDF-1.3 stand-in"), it.ExpiresAt); err != nil {
		t.Fatal(err)
	}
	it.Document, it.DocumentSize, it.Pages, it.GeneratedAt = "doc-1", 17, 1, now
	if err := store.MarkGenerated(ctx, it, ""); err != nil {
		t.Fatal(err)
	}
	if err := store.ClaimSend(ctx, projectID, it.ID, "another-worker", now); err != nil {
		t.Fatal(err)
	}
	task, _ := json.Marshal(map[string]string{"projectId": projectID, "outboxId": it.ID}) // the report queue's message, by its wire names
	deliver := func(count string) events.SQSEventResponse {
		ev := events.SQSEvent{Records: []events.SQSMessage{{MessageId: "m-" + count, Body: string(task), Attributes: map[string]string{"ApproximateReceiveCount": count}}}}
		resp, err := e.App.QueueHandlers()["report-worker"](ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	if resp := deliver("1"); len(resp.BatchItemFailures) != 1 {
		t.Fatalf("first delivery: %+v, want it retried while the claim is fresh", resp)
	}
	if cur, _ := store.OutboxItem(ctx, projectID, it.ID); cur.Status != outbox.Generated {
		t.Fatalf("after a retried delivery the item is %s", cur.Status)
	}
	if resp := deliver("5"); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("last delivery: %+v, want it settled", resp)
	}
	cur, err := store.OutboxItem(ctx, projectID, it.ID)
	if err != nil || cur.Status != outbox.Failed || !strings.Contains(cur.Reason, "may or may not have gone out") {
		t.Fatalf("item %s (%q), %v", cur.Status, cur.Reason, err)
	}
	if mails := e.MailsTo(t, "x@customer.example"); len(mails) != 0 {
		t.Fatalf("%d mails sent", len(mails))
	}
}
