package httpapi

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/parcelgate/parcelgate/internal/outbox"
)

func TestOutboxHandlers(t *testing.T) {
	m := newMemAPI(t)
	admin := m.client("acme", "acme-ops")
	p := m.project(admin)
	base := "/v1/data/" + p
	for _, rec := range []struct{ entity, body string }{
		{"baseuser", `{"baseuser_ID":"U-1","login":"claire","name":"Claire Martin"}`},
		{"order", `{"order_ID":"O-1","orderNumber":"SO-1"}`},
		{"shipment", `{"shipment_ID":"S-1","order_ID":"O-1","trackingNumber":"1Z999AA10123456784","carrier":"ups","weight":"2.5","parcelCount":1}`},
		{"confreport", `{"confreport_ID":"TRACK","name":"Shipment tracking report","sourceEntity":"shipment","format":"PDF"}`},
		{"document", `{"document_ID":"D-1","order_ID":"O-1","name":"invoice","mimeType":"text/plain","content":"` + base64.StdEncoding.EncodeToString([]byte("Invoice")) + `"}`},
	} {
		m.must(201, nil, "POST", base+"/"+rec.entity, admin, rec.body)
	}
	report := `{"baseOutbox_ID":"OUT-1","confreport_ID":"TRACK","rowID":"S-1","sourceEntity":"shipment","baseUser_ID":"U-1","fromArchive":"2","print":0,` +
		`"messageSubject":"Your shipment S-1","messageBody":"<p>report</p>","filename":"tracking-S-1","isBodyHtml":"1","replyto":["support@shop.example"],` +
		`"emailto":["claire@shop.example"],"attachments":[{"entity":"document","dataColumn":"content","rowID":"D-1","name":"invoice.txt","mimeType":"text/plain"}]}`
	var queued map[string]string
	rec := m.must(202, &queued, "POST", base+"/outbox/report?eventActionCode=SEND_TRACKING", admin, report)
	if !strings.HasSuffix(rec.Header().Get("Location"), "/v1/data/"+p+"/outbox/"+queued["outboxId"]) {
		t.Errorf("submit202: Location %q", rec.Header().Get("Location"))
	}
	item := base + "/outbox/" + queued["outboxId"]
	m.run(admin, []exchange{
		{name: "submit202Slash", method: "POST", path: base + "/outbox/report/", body: strings.Replace(report, "OUT-1", "OUT-2", 1), status: 202, want: `"status":"`},
		{name: "submit404Report", method: "POST", path: base + "/outbox/report", body: strings.Replace(report, `"TRACK"`, `"NOPE"`, 1), status: 404, want: `confreport_ID`},
		{name: "submit400Body", method: "POST", path: base + "/outbox/report", body: `{"rowID":1}`, status: 400},
		{name: "submit400Parse", method: "POST", path: base + "/outbox/report", body: strings.Replace(report, `"rowID":"S-1"`, `"rowID":""`, 1), status: 400, want: `"field":"rowID"`},
		{name: "get200", method: "GET", path: item, status: 200, want: `"emailto":["claire@shop.example"]`},
		{name: "get404", method: "GET", path: base + "/outbox/nope", status: 404, want: `"detail":"no such outbox item in this project"`},
		{name: "document404NotYet", method: "GET", path: item + "/document", status: 404, want: `has no document yet`},
	})
	// The report worker's part, by hand: a document generated.
	ctx := context.Background()
	if err := m.outbox.SaveOutboxDocument(ctx, p, "doc-1", []byte("%PDF-1.4 x"), m.now.AddDate(0, 0, 30)); err != nil {
		t.Fatal(err)
	}
	if err := m.outbox.MarkGenerated(ctx, outbox.Item{ID: queued["outboxId"], ProjectID: p, Document: "doc-1", DocumentSize: 10, Pages: 1, GeneratedAt: m.now}, ""); err != nil {
		t.Fatal(err)
	}
	rec = m.must(200, nil, "GET", item+"/document", admin, "")
	if rec.Header().Get("Content-Type") != "application/pdf" || rec.Header().Get("Content-Length") != "10" ||
		!strings.Contains(rec.Header().Get("Content-Disposition"), `filename=tracking-S-1`) || rec.Body.String() != "%PDF-1.4 x" {
		t.Errorf("document200: %v %q", rec.Header(), rec.Body)
	}
	m.must(200, nil, "GET", item, admin, "")
}
