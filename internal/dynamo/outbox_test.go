package dynamo

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/parcelgate/parcelgate/internal/outbox"
)

// storedOutboxRequest is an outbox item's request attribute as stored
// before the adapter had its own shape for it: items in the table must
// stay readable, and new items must be written the same way.
const storedOutboxRequest = `{"EventActionCode":"EVT","BaseOutboxID":"B","ConfReportID":"R","RowID":"S-1","SourceEntity":"shipment","BaseUserID":"U","FromArchive":1,"Print":2,"MessageSubject":"Subj","MessageBody":"\u003cp\u003ehi\u003c/p\u003e","Filename":"r.pdf","PathExport":"a/b","IsBodyHTML":true,"ReplyTo":["r@z.example"],"EmailTo":["a@x.example"],"Attachments":[{"Entity":"document","DataColumn":"content","RowID":"D","Name":"a.png","MIMEType":"image/png"}]}`

var storedOutboxRequestValue = outbox.Request{
	EventActionCode: "EVT", BaseOutboxID: "B", ConfReportID: "R", RowID: "S-1", SourceEntity: "shipment", BaseUserID: "U",
	FromArchive: outbox.ArchiveIfAvailable, Print: 2, MessageSubject: "Subj", MessageBody: "<p>hi</p>", Filename: "r.pdf",
	PathExport: "a/b", IsBodyHTML: true, ReplyTo: []string{"r@z.example"}, EmailTo: []string{"a@x.example"},
	Attachments: []outbox.Attachment{{Entity: "document", DataColumn: "content", RowID: "D", Name: "a.png", MIMEType: "image/png"}},
}

func TestOutboxRequestReadsTheStoredForm(t *testing.T) {
	var r outboxRequest
	if err := json.Unmarshal([]byte(storedOutboxRequest), &r); err != nil {
		t.Fatal(err)
	}
	if got := r.request(); !reflect.DeepEqual(got, storedOutboxRequestValue) {
		t.Errorf("read %+v\nwant %+v", got, storedOutboxRequestValue)
	}
}

func TestOutboxRequestWritesTheStoredForm(t *testing.T) {
	b, err := json.Marshal(newOutboxRequest(storedOutboxRequestValue))
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != storedOutboxRequest {
		t.Errorf("wrote %s\nwant %s", b, storedOutboxRequest)
	}
}
