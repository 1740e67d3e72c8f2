package outbox_test

import (
	"context"
	"errors"
	"testing"

	"github.com/parcelgate/parcelgate/internal/input"
	"github.com/parcelgate/parcelgate/internal/outbox"
	"github.com/parcelgate/parcelgate/internal/project"
)

func TestSubmitStoresAndQueuesTheItem(t *testing.T) {
	e := newEnv(t)
	r := request()
	r.Attachments = []outbox.Attachment{{Entity: "document", DataColumn: "content", RowID: "d1", Name: "logo.png", MIMEType: "image/png"}}
	it := e.submit(t, r)
	if it.Status != outbox.Queued || !it.CreatedAt.Equal(clock) || !it.ExpiresAt.Equal(clock.Add(outbox.Retention)) {
		t.Errorf("item %+v, want QUEUED now, kept Retention", it)
	}
	if len(e.queue.sent) != 1 || e.queue.sent[0] != (outbox.Task{ProjectID: "p1", OutboxID: it.ID}) {
		t.Errorf("sent %+v, want the item's task", e.queue.sent)
	}
	if got := e.item(t, it.ID); got.Status != outbox.Queued || got.RowID != "o1" {
		t.Errorf("stored %+v", got)
	}
}

func TestSubmitRefusesRequestsNamingWhatIsNotThere(t *testing.T) {
	tests := []struct {
		name    string
		change  func(*outbox.Request)
		prepare func(*testing.T, *env)
		field   string
		missing bool
	}{
		{"no report definition", func(r *outbox.Request) { r.ConfReportID = "r404" }, nil, "confreport_ID", true},
		{"a definition for another entity", func(r *outbox.Request) { r.SourceEntity = "customer" }, nil, "sourceEntity", false},
		{"a definition of another format", nil, func(t *testing.T, e *env) { e.update(t, "confreport", "r1", map[string]any{"format": "xlsx"}) }, "confreport_ID", false},
		{"a source entity that does not exist", func(r *outbox.Request) { r.SourceEntity = "spaceship" }, func(t *testing.T, e *env) {
			e.update(t, "confreport", "r1", map[string]any{"sourceEntity": nil})
		}, "rowID", false},
		{"no such row", func(r *outbox.Request) { r.RowID = "o404" }, nil, "rowID", true},
		{"no such user", func(r *outbox.Request) { r.BaseUserID = "u404" }, nil, "baseUser_ID", true},
		{"a bad record code", func(r *outbox.Request) { r.RowID = "o\x00" }, nil, "rowID", false},
		{"an attachment of no entity", func(r *outbox.Request) {
			r.Attachments = []outbox.Attachment{{Entity: "spaceship", DataColumn: "content", RowID: "d1"}}
		}, nil, "attachments[0].entity", false},
		{"an attachment of a field that is not binary", func(r *outbox.Request) {
			r.Attachments = []outbox.Attachment{{Entity: "document", DataColumn: "name", RowID: "d1"}}
		}, nil, "attachments[0].dataColumn", false},
		{"an attachment of no record", func(r *outbox.Request) {
			r.Attachments = []outbox.Attachment{{Entity: "document", DataColumn: "content", RowID: "d404"}}
		}, nil, "attachments[0].rowID", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			if tc.prepare != nil {
				tc.prepare(t, e)
			}
			r := request()
			if tc.change != nil {
				tc.change(&r)
			}
			_, err := e.svc.Submit(context.Background(), admin, "p1", r)
			var bad *input.Error
			if !errors.As(err, &bad) || bad.Field != tc.field || (bad.Kind == input.Missing) != tc.missing {
				t.Fatalf("Submit: %#v, want an input error on %s (missing: %v)", err, tc.field, tc.missing)
			}
			if len(e.queue.sent) != 0 {
				t.Errorf("queued %+v", e.queue.sent)
			}
		})
	}
}

func TestSubmitThatCannotQueueFailsTheItem(t *testing.T) {
	e := newEnv(t)
	e.queue.err = errors.New("queue down")
	if _, err := e.svc.Submit(context.Background(), admin, "p1", request()); !errors.Is(err, e.queue.err) {
		t.Fatalf("Submit: %v, want the queue's error", err)
	}
	// The item's id was the first one drawn after the setup's records.
	it, err := e.store.OutboxItem(context.Background(), "p1", "id1")
	if err != nil {
		t.Fatal(err)
	}
	if it.Status != outbox.Failed || it.Reason != "the request could not be queued; send it again" {
		t.Errorf("item %s %q, want FAILED saying to send it again", it.Status, it.Reason)
	}
}

func TestOnlyMembersReachTheOutbox(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	it := e.submit(t, request())
	if _, err := e.svc.Submit(ctx, viewer, "p1", request()); !errors.Is(err, project.ErrForbidden) {
		t.Errorf("a viewer's Submit: %v, want project.ErrForbidden", err)
	}
	stranger := project.Caller{ClientID: "globex", PrincipalID: "olga"}
	if _, err := e.svc.Get(ctx, stranger, "p1", it.ID); !errors.Is(err, project.ErrNotFound) {
		t.Errorf("another client's Get: %v, want project.ErrNotFound", err)
	}
	if _, _, err := e.svc.Document(ctx, stranger, "p1", it.ID); !errors.Is(err, project.ErrNotFound) {
		t.Errorf("another client's Document: %v, want project.ErrNotFound", err)
	}
	if got, err := e.svc.Get(ctx, viewer, "p1", it.ID); err != nil || got.ID != it.ID {
		t.Errorf("a viewer's Get: %+v, %v", got, err)
	}
}

func TestGetAndDocumentFollowTheItem(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	it := e.submit(t, request())
	if _, _, err := e.svc.Document(ctx, viewer, "p1", it.ID); !errors.Is(err, outbox.ErrNoDocument) {
		t.Fatalf("Document before it is generated: %v, want outbox.ErrNoDocument", err)
	}
	if err := e.handle(t, it); err != nil {
		t.Fatal(err)
	}
	got, pdf, err := e.svc.Document(ctx, viewer, "p1", it.ID)
	if err != nil || got.Status != outbox.Sent || len(pdf) != got.DocumentSize || string(pdf[:5]) != "%PDF-" {
		t.Fatalf("Document: %s, %d bytes, %v; want the sent item's PDF", got.Status, len(pdf), err)
	}
	e.now = it.ExpiresAt
	if _, err := e.svc.Get(ctx, viewer, "p1", it.ID); !errors.Is(err, outbox.ErrNotFound) {
		t.Errorf("Get of an expired item: %v, want outbox.ErrNotFound", err)
	}
	if _, _, err := e.svc.Document(ctx, viewer, "p1", it.ID); !errors.Is(err, outbox.ErrNotFound) {
		t.Errorf("Document of an expired item: %v, want outbox.ErrNotFound", err)
	}
}

// A definition's refusal reads as the field's name continued.
func TestARefusedDefinitionSaysWhyInASentence(t *testing.T) {
	e := newEnv(t)
	e.update(t, "confreport", "r1", map[string]any{"format": "xlsx"})
	_, err := e.svc.Submit(context.Background(), admin, "p1", request())
	if want := `confreport_ID names report r1, whose format is "xlsx"; the outbox generates PDF reports only`; err == nil || err.Error() != want {
		t.Errorf("Submit: %v, want %s", err, want)
	}
	r := request()
	r.SourceEntity = "customer"
	_, err = e.svc.Submit(context.Background(), admin, "p1", r)
	if want := `sourceEntity is "customer", but report r1 is defined for "order"`; err == nil || err.Error() != want {
		t.Errorf("Submit: %v, want %s", err, want)
	}
}
