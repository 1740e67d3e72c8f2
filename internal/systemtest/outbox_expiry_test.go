package systemtest

import (
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/apitest"
	"github.com/parcelgate/parcelgate/internal/outbox"
)

// An outbox item is kept outbox.Retention (90 days) after it was asked
// for, as a job is, and then is not found. Its document lives as long as
// it, also when a newer item took it from the archive: that keeps the
// archived document, and its archive entry, until the newer item expires.
func TestOutboxItemsExpireAndKeepTheArchivedDocumentTheyTook(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	id, secret := e.Principal(t, "acme")
	token := func() string { return e.TokenFor(t, id, secret) }
	var p projectOut
	e.Call(t, "POST", "/v1/projects", token(), map[string]string{"name": "erp"}).Want(t, 201).JSON(t, &p)
	base := "/v1/data/" + p.ProjectID
	outboxFixture(t, e, base, token())
	submit := func(fromArchive any) string {
		t.Helper()
		req := outboxRequest("")
		req["fromArchive"], req["emailto"] = fromArchive, nil
		delete(req, "attachments")
		var queued struct {
			OutboxID string `json:"outboxId"`
		}
		e.Call(t, "POST", base+"/outbox/report", token(), req).Want(t, 202).JSON(t, &queued)
		return queued.OutboxID
	}

	first := submit("2")
	if it := awaitOutbox(t, e, base, token(), first, "GENERATED", "FAILED"); it.Status != "GENERATED" || it.Document.FromArchive {
		t.Fatalf("first item %+v", it)
	}
	e.Advance(60 * 24 * time.Hour)
	second := submit(0)
	if it := awaitOutbox(t, e, base, token(), second, "GENERATED", "FAILED"); it.Status != "GENERATED" || !it.Document.FromArchive {
		t.Fatalf("second item %+v", it)
	}

	// Day 90: the first item is gone, the second and its document are not.
	e.Advance(outbox.Retention - 60*24*time.Hour)
	e.Call(t, "GET", base+"/outbox/"+first, token(), nil).Want(t, 404)
	e.Call(t, "GET", base+"/outbox/"+first+"/document", token(), nil).Want(t, 404)
	e.Call(t, "GET", base+"/outbox/"+second, token(), nil).Want(t, 200)
	e.Call(t, "GET", base+"/outbox/"+second+"/document", token(), nil).Want(t, 200)
	// The archive still holds the document the second item kept.
	third := submit(0)
	if it := awaitOutbox(t, e, base, token(), third, "GENERATED", "FAILED"); it.Status != "GENERATED" || !it.Document.FromArchive {
		t.Fatalf("third item, from the archive on day 90: %+v", it)
	}

	// 90 days after the second item was asked for, it is gone too.
	e.Advance(60 * 24 * time.Hour)
	e.Call(t, "GET", base+"/outbox/"+second, token(), nil).Want(t, 404)
	e.Call(t, "GET", base+"/outbox/"+third, token(), nil).Want(t, 200)

	// Once the last item that took it expired, the archive has no
	// document left for this report and record.
	e.Advance(outbox.Retention)
	if it := awaitOutbox(t, e, base, token(), submit(0), "GENERATED", "FAILED"); it.Status != "FAILED" {
		t.Fatalf("an item from an expired archive: %+v", it)
	}
	if it := awaitOutbox(t, e, base, token(), submit(1), "GENERATED", "FAILED"); it.Status != "GENERATED" || it.Document.FromArchive {
		t.Fatalf("fromArchive 1 with the archive expired: %+v, want a new document", it)
	}
}
