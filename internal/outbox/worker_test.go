package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/outage"
	"github.com/parcelgate/parcelgate/internal/outbox"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

func TestHandleGeneratesAndMailsTheReportOnce(t *testing.T) {
	e := newEnv(t)
	r := request()
	r.ReplyTo = []string{"ann@example.com"}
	r.Attachments = []outbox.Attachment{{Entity: "document", DataColumn: "content", RowID: "d1", Name: "logo.png", MIMEType: "image/png"}}
	it := e.submit(t, r)
	e.now = clock.Add(time.Minute)
	if err := e.handle(t, it); err != nil {
		t.Fatal(err)
	}
	got := e.item(t, it.ID)
	if got.Status != outbox.Sent || got.MessageID != "mail-1" || got.FromArchive || got.Pages < 1 || !got.GeneratedAt.Equal(e.now) || !got.SentAt.Equal(e.now) {
		t.Fatalf("item %+v, want SENT with its own document", got)
	}
	if len(e.mailer.sent) != 1 {
		t.Fatalf("%d mails, want 1", len(e.mailer.sent))
	}
	m := e.mailer.sent[0]
	if m.From != "reports@example.com" || m.To[0] != "bob@example.com" || m.ReplyTo[0] != "ann@example.com" || m.Subject != "Report order-o1" ||
		m.Text != "Please find the report order-o1.pdf attached." || m.HTML != "" {
		t.Errorf("mail %+v", m)
	}
	if len(m.Attachments) != 2 || m.Attachments[0].ContentType != "application/pdf" || len(m.Attachments[0].Data) != got.DocumentSize ||
		m.Attachments[1].Name != "logo.png" || m.Attachments[1].ContentType != "image/png" || string(m.Attachments[1].Data) != "PNG..." {
		t.Errorf("attachments %+v", m.Attachments)
	}
	if err := e.handle(t, it); err != nil || len(e.mailer.sent) != 1 {
		t.Errorf("a redelivered task: %v, %d mails; want nothing more sent", err, len(e.mailer.sent))
	}
}

func TestTheMailBodyIsTheCallersOrADefault(t *testing.T) {
	tests := []struct {
		name          string
		subject, body string
		html          bool
		want          outbox.Mail
	}{
		{"a text default", "", "", false, outbox.Mail{Subject: "Report order-o1", Text: "Please find the report order-o1.pdf attached."}},
		{"an HTML default", "", "", true, outbox.Mail{Subject: "Report order-o1", HTML: "<p>Please find the report order-o1.pdf attached.</p>"}},
		{"the caller's text", "Your order", "Here it is", false, outbox.Mail{Subject: "Your order", Text: "Here it is"}},
		{"the caller's HTML", "Your order", "<b>Here</b>", true, outbox.Mail{Subject: "Your order", HTML: "<b>Here</b>"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			r := request()
			r.MessageSubject, r.MessageBody, r.IsBodyHTML = tc.subject, tc.body, tc.html
			if err := e.handle(t, e.submit(t, r)); err != nil {
				t.Fatal(err)
			}
			m := e.mailer.sent[0]
			if m.Subject != tc.want.Subject || m.Text != tc.want.Text || m.HTML != tc.want.HTML {
				t.Errorf("mail %q %q %q, want %q %q %q", m.Subject, m.Text, m.HTML, tc.want.Subject, tc.want.Text, tc.want.HTML)
			}
		})
	}
}

func TestAnItemWithoutRecipientsIsOnlyGenerated(t *testing.T) {
	e := newEnv(t)
	r := request()
	r.EmailTo = nil
	it := e.submit(t, r)
	if err := e.handle(t, it); err != nil {
		t.Fatal(err)
	}
	if got := e.item(t, it.ID); got.Status != outbox.Generated || len(e.mailer.sent) != 0 {
		t.Errorf("item %s after %d mails, want GENERATED and none sent", got.Status, len(e.mailer.sent))
	}
}

func TestAShipmentReportShowsItsTrackingEvents(t *testing.T) {
	tests := []struct {
		name    string
		tracker trackingFake
		wantErr bool
	}{
		{"with events", trackingFake{res: tracking.Resource{Shipment: tracking.Shipment{Status: "delivered", Type: "inpost_locker_standard"},
			Details: []tracking.Event{{Status: "delivered", Agency: "Kraków", At: clock}, {Status: "confirmed", At: clock.Add(-time.Hour)}}}}, false},
		{"without tracking data", trackingFake{err: tracking.ErrNotFound}, false},
		{"while tracking is unavailable", trackingFake{err: errors.New("tracking down")}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			*e.tracker = tc.tracker
			e.put(t, "shipment", "s1", map[string]any{"trackingNumber": "612345678901234567890123", "weight": "1.5", "parcelCount": int64(2), "status": "delivered", "statusDate": clock})
			e.update(t, "confreport", "r1", map[string]any{"sourceEntity": "shipment", "name": nil})
			r := request()
			r.SourceEntity, r.RowID = "shipment", "s1"
			it := e.submit(t, r)
			err := e.handle(t, it)
			if (err != nil) != tc.wantErr {
				t.Fatalf("Handle: %v, want an error: %v", err, tc.wantErr)
			}
			want := outbox.Sent
			if tc.wantErr {
				want = outbox.Queued
			}
			if got := e.item(t, it.ID); got.Status != want {
				t.Errorf("item %s %q, want %s", got.Status, got.Reason, want)
			}
		})
	}
}

func TestArchivedDocumentsAreTakenAsAsked(t *testing.T) {
	tests := []struct {
		name     string
		first    bool // an earlier item generated the document
		expire   bool // and it expired since
		archive  outbox.Archive
		status   outbox.Status
		archived bool
	}{
		{"only the archive, which has it", true, false, outbox.ArchiveOnly, outbox.Sent, true},
		{"only the archive, which has none", false, false, outbox.ArchiveOnly, outbox.Failed, false},
		{"only the archive, whose document expired", true, true, outbox.ArchiveOnly, outbox.Failed, false},
		{"the archive if available, which has it", true, false, outbox.ArchiveIfAvailable, outbox.Sent, true},
		{"the archive if available, which has none", false, false, outbox.ArchiveIfAvailable, outbox.Sent, false},
		{"never the archive", true, false, outbox.ArchiveNever, outbox.Sent, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			var first outbox.Item
			if tc.first {
				first = e.submit(t, request())
				if err := e.handle(t, first); err != nil {
					t.Fatal(err)
				}
				first = e.item(t, first.ID)
			}
			if tc.expire {
				e.now = first.ExpiresAt
			} else {
				e.now = clock.Add(time.Hour)
			}
			r := request()
			r.FromArchive = tc.archive
			it := e.submit(t, r)
			if err := e.handle(t, it); err != nil {
				t.Fatal(err)
			}
			got := e.item(t, it.ID)
			if got.Status != tc.status || got.FromArchive != tc.archived || (tc.archived && got.Document != first.Document) {
				t.Fatalf("item %s %q, from the archive %v (document %s); want %s, %v", got.Status, got.Reason, got.FromArchive, got.Document, tc.status, tc.archived)
			}
			if tc.archived {
				// Taking the document keeps it as long as the newer item.
				if _, _, err := e.svc.Document(context.Background(), admin, "p1", it.ID); err != nil {
					t.Errorf("the archived document of the newer item: %v", err)
				}
			}
		})
	}
}

func TestItemsThatCannotBeMadeFailSayingWhy(t *testing.T) {
	tests := []struct {
		name   string
		change func(*testing.T, *env)
		reason string
	}{
		{"the definition was deleted", func(t *testing.T, e *env) { e.remove(t, "confreport", "r1") }, "report definition r1 no longer exists"},
		{"the definition changed format", func(t *testing.T, e *env) { e.update(t, "confreport", "r1", map[string]any{"format": "csv"}) },
			`report definition r1 changed: confreport_ID names report r1, whose format is "csv"; the outbox generates PDF reports only`},
		{"the record was deleted", func(t *testing.T, e *env) { e.remove(t, "order", "o1") }, "order record o1 no longer exists"},
		{"the attachment was deleted", func(t *testing.T, e *env) { e.remove(t, "document", "d1") }, "attachments[0]: document record d1 no longer exists"},
		{"the attachment is empty", func(t *testing.T, e *env) { e.update(t, "document", "d1", map[string]any{"content": nil}) },
			"attachments[0]: field content of document record d1 is empty"},
		{"the mail service refuses the mail", func(t *testing.T, e *env) { e.mailer.err = errors.New("address blacklisted") },
			"the mail service refused the mail: address blacklisted"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			r := request()
			r.Attachments = []outbox.Attachment{{Entity: "document", DataColumn: "content", RowID: "d1", Name: "logo.png", MIMEType: "image/png"}}
			it := e.submit(t, r)
			tc.change(t, e)
			if err := e.handle(t, it); err != nil {
				t.Fatal(err)
			}
			if got := e.item(t, it.ID); got.Status != outbox.Failed || got.Reason != tc.reason {
				t.Errorf("item %s %q, want FAILED %q", got.Status, got.Reason, tc.reason)
			}
			if len(e.mailer.sent) != 0 {
				t.Errorf("%d mails sent", len(e.mailer.sent))
			}
		})
	}
}

func TestAMailServiceOutageReleasesTheClaimForTheRetry(t *testing.T) {
	e := newEnv(t)
	it := e.submit(t, request())
	e.mailer.err = fmt.Errorf("ses: %w", outage.ErrUnavailable)
	if err := e.handle(t, it); !errors.Is(err, outage.ErrUnavailable) {
		t.Fatalf("Handle: %v, want the outage", err)
	}
	if got := e.item(t, it.ID); got.Status != outbox.Generated || got.SendClaim != "" {
		t.Fatalf("item %s claimed %q, want GENERATED and unclaimed", got.Status, got.SendClaim)
	}
	e.mailer.err = nil
	if err := e.handle(t, it); err != nil {
		t.Fatal(err)
	}
	if got := e.item(t, it.ID); got.Status != outbox.Sent || len(e.mailer.sent) != 1 {
		t.Errorf("item %s after %d mails, want SENT once", got.Status, len(e.mailer.sent))
	}
}

func TestAMailClaimedByAnotherDeliveryIsNotSentTwice(t *testing.T) {
	e := newEnv(t)
	it := e.submit(t, request())
	e.mailer.err = fmt.Errorf("ses: %w", outage.ErrUnavailable)
	if err := e.handle(t, it); !errors.Is(err, outage.ErrUnavailable) {
		t.Fatal(err)
	}
	e.mailer.err = nil
	// Another delivery claims the mail and has not recorded it yet.
	if err := e.store.ClaimSend(context.Background(), "p1", it.ID, "other", e.now); err != nil {
		t.Fatal(err)
	}
	err := e.handle(t, it)
	if err == nil || errors.Is(err, outage.ErrUnavailable) {
		t.Fatalf("Handle while another delivery sends: %v, want a retry", err)
	}
	if got := e.item(t, it.ID); got.Status != outbox.Generated || len(e.mailer.sent) != 0 {
		t.Fatalf("item %s after %d mails, want GENERATED and nothing sent", got.Status, len(e.mailer.sent))
	}
	// The other delivery never recorded its mail: the item fails, since
	// the mail may have left.
	e.now = e.now.Add(11 * time.Minute)
	if err := e.handle(t, it); err != nil {
		t.Fatal(err)
	}
	if got := e.item(t, it.ID); got.Status != outbox.Failed || !strings.HasPrefix(got.Reason, "sending was interrupted") || len(e.mailer.sent) != 0 {
		t.Errorf("item %s %q, want FAILED as interrupted, nothing sent", got.Status, got.Reason)
	}
}

func TestGiveUpFailsWhatIsLeftSayingWhere(t *testing.T) {
	tests := []struct {
		name   string
		to     func(*testing.T, *env, outbox.Item)
		status outbox.Status
		reason string
	}{
		{"queued", func(*testing.T, *env, outbox.Item) {}, outbox.Failed,
			"the report could not be generated (the service was unavailable on every attempt); send the request again"},
		{"generated", func(t *testing.T, e *env, it outbox.Item) {
			e.mailer.err = outage.ErrUnavailable
			_ = e.handle(t, it)
		}, outbox.Failed, "the mail could not be sent (the mail service was unavailable on every attempt); send the request again"},
		{"generated and claimed", func(t *testing.T, e *env, it outbox.Item) {
			e.mailer.err = outage.ErrUnavailable
			_ = e.handle(t, it)
			if err := e.store.ClaimSend(context.Background(), "p1", it.ID, "other", e.now); err != nil {
				t.Fatal(err)
			}
		}, outbox.Failed, "sending was interrupted: the mail may or may not have gone out; check with the recipients before sending the request again"},
		{"sent", func(t *testing.T, e *env, it outbox.Item) { _ = e.handle(t, it) }, outbox.Sent, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			it := e.submit(t, request())
			tc.to(t, e, it)
			if err := e.worker.GiveUp(context.Background(), outbox.Task{ProjectID: "p1", OutboxID: it.ID}, errors.New("cause")); err != nil {
				t.Fatal(err)
			}
			if got := e.item(t, it.ID); got.Status != tc.status || got.Reason != tc.reason {
				t.Errorf("item %s %q, want %s %q", got.Status, got.Reason, tc.status, tc.reason)
			}
		})
	}
}

func TestATaskForNoItemIsDropped(t *testing.T) {
	e := newEnv(t)
	task := outbox.Task{ProjectID: "p1", OutboxID: "gone"}
	if err := e.worker.Handle(context.Background(), task); err != nil {
		t.Errorf("Handle: %v", err)
	}
	if err := e.worker.GiveUp(context.Background(), task, errors.New("cause")); err != nil {
		t.Errorf("GiveUp: %v", err)
	}
}
