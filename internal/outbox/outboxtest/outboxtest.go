// Package outboxtest is the contract of outbox.Store: one suite that every
// implementation (in memory, DynamoDB) must pass.
package outboxtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/outbox"
	"github.com/parcelgate/parcelgate/internal/storetest"
)

// base is the tests' clock; its nanoseconds show that times keep their
// precision.
var base = time.Date(2026, 11, 30, 9, 15, 0, 123456789, time.UTC)

// Run runs the contract suite against the stores newStore makes. Stores
// may be shared between tests: every test uses a project of its own.
func Run(t *testing.T, newStore func(t *testing.T) outbox.Store) {
	tests := []struct {
		name string
		run  func(t *testing.T, s outbox.Store, projectID string)
	}{
		{"CreatedItemIsReadBack", createdItemIsReadBack},
		{"ATakenIDIsRefusedAndKept", aTakenIDIsRefusedAndKept},
		{"DocumentsAreReadBackWhole", documentsAreReadBackWhole},
		{"AnItemIsGeneratedOnceAndArchived", anItemIsGeneratedOnceAndArchived},
		{"TheMailIsClaimedByOneSender", theMailIsClaimedByOneSender},
		{"ConcurrentClaimsLeaveOneSender", concurrentClaimsLeaveOneSender},
		{"OnlyUnfinishedItemsFail", onlyUnfinishedItemsFail},
		{"AnArchivedDocumentIsKeptForANewerItem", anArchivedDocumentIsKeptForANewerItem},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.run(t, newStore(t), storetest.ID("p-"))
		})
	}
}

func newItem(projectID, id string) outbox.Item {
	return outbox.Item{
		ID: id, ProjectID: projectID, Status: outbox.Queued, CreatedAt: base, UpdatedAt: base, ExpiresAt: expiry(base),
		Request: outbox.Request{
			EventActionCode: "mail", ConfReportID: "R1", RowID: "order-7", SourceEntity: "salesorder", BaseUserID: "u1",
			FromArchive: outbox.ArchiveIfAvailable, Print: 2, MessageSubject: "Your order", MessageBody: "<p>Hi</p>",
			Filename: "order.pdf", IsBodyHTML: true, ReplyTo: []string{"desk@example.com"}, EmailTo: []string{"a@example.com", "b@example.com"},
			Attachments: []outbox.Attachment{{Entity: "document", DataColumn: "content", RowID: "d1", Name: "terms.pdf", MIMEType: "application/pdf"}},
		},
	}
}

// expiry is the expiry of an item created at, in the whole seconds the
// table's TTL attribute keeps.
func expiry(at time.Time) time.Time { return at.Add(outbox.Retention).Truncate(time.Second) }

func create(t *testing.T, s outbox.Store, it outbox.Item) {
	t.Helper()
	if err := s.CreateOutboxItem(context.Background(), it); err != nil {
		t.Fatalf("create %s: %v", it.ID, err)
	}
}

func read(t *testing.T, s outbox.Store, projectID, id string) outbox.Item {
	t.Helper()
	got, err := s.OutboxItem(context.Background(), projectID, id)
	if err != nil {
		t.Fatalf("item %s: %v", id, err)
	}
	return got
}

func createdItemIsReadBack(t *testing.T, s outbox.Store, projectID string) {
	ctx := context.Background()
	it := newItem(projectID, "o1")
	create(t, s, it)
	got := read(t, s, projectID, it.ID)
	if !reflect.DeepEqual(got, it) {
		t.Fatalf("item = %+v\nwant %+v", got, it)
	}
	// Changing what was read changes nothing stored.
	got.EmailTo[0] = "mallory@example.com"
	if again := read(t, s, projectID, it.ID); again.EmailTo[0] != "a@example.com" {
		t.Fatalf("stored recipients changed to %v", again.EmailTo)
	}
	if _, err := s.OutboxItem(ctx, projectID, "o404"); !errors.Is(err, outbox.ErrNotFound) {
		t.Errorf("unknown item: %v, want ErrNotFound", err)
	}
	if _, err := s.OutboxItem(ctx, projectID+"-other", it.ID); !errors.Is(err, outbox.ErrNotFound) {
		t.Errorf("the item in another project: %v, want ErrNotFound", err)
	}
}

func aTakenIDIsRefusedAndKept(t *testing.T, s outbox.Store, projectID string) {
	it := newItem(projectID, "o1")
	create(t, s, it)
	other := newItem(projectID, "o1")
	other.MessageSubject = "Another"
	if err := s.CreateOutboxItem(context.Background(), other); err == nil {
		t.Fatal("an item was created over another")
	}
	if got := read(t, s, projectID, it.ID); got.MessageSubject != it.MessageSubject {
		t.Fatalf("subject = %q, want the first item's", got.MessageSubject)
	}
}

func documentsAreReadBackWhole(t *testing.T, s outbox.Store, projectID string) {
	ctx := context.Background()
	small := []byte("%PDF-1.7 small")
	// Larger than one DynamoDB item: stored in parts, read back in order.
	large := make([]byte, 800_001)
	for i := range large {
		large[i] = byte(i % 251)
	}
	for id, pdf := range map[string][]byte{"d-small": small, "d-large": large} {
		if err := s.SaveOutboxDocument(ctx, projectID, id, pdf, expiry(base)); err != nil {
			t.Fatal(err)
		}
	}
	for id, want := range map[string][]byte{"d-small": small, "d-large": large} {
		got, err := s.OutboxDocument(ctx, projectID, id)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("document %s: %d bytes, %v; want %d bytes", id, len(got), err, len(want))
		}
	}
	if _, err := s.OutboxDocument(ctx, projectID, "d404"); !errors.Is(err, outbox.ErrNoDocument) {
		t.Errorf("unknown document: %v, want ErrNoDocument", err)
	}
	if _, err := s.OutboxDocument(ctx, projectID+"-other", "d-small"); !errors.Is(err, outbox.ErrNoDocument) {
		t.Errorf("the document in another project: %v, want ErrNoDocument", err)
	}
}

func generated(it outbox.Item, doc string, at time.Time) outbox.Item {
	it.Document, it.DocumentSize, it.Pages, it.GeneratedAt = doc, 1234, 3, at
	return it
}

func anItemIsGeneratedOnceAndArchived(t *testing.T, s outbox.Store, projectID string) {
	ctx := context.Background()
	first := newItem(projectID, "o1")
	create(t, s, first)
	at := base.Add(time.Minute)
	if err := s.MarkGenerated(ctx, generated(first, "doc1", at), "R1/salesorder/order-7"); err != nil {
		t.Fatal(err)
	}
	want := generated(first, "doc1", at)
	want.Status, want.UpdatedAt = outbox.Generated, at
	if got := read(t, s, projectID, first.ID); !reflect.DeepEqual(got, want) {
		t.Fatalf("generated item = %+v\nwant %+v", got, want)
	}
	// A second delivery generating the same item is too late.
	if err := s.MarkGenerated(ctx, generated(first, "doc2", at.Add(time.Second)), ""); !errors.Is(err, outbox.ErrConflict) {
		t.Fatalf("generating twice: %v, want ErrConflict", err)
	}
	if got := read(t, s, projectID, first.ID); got.Document != "doc1" {
		t.Fatalf("document = %q, want doc1", got.Document)
	}
	if err := s.MarkGenerated(ctx, generated(newItem(projectID, "o404"), "doc3", at), "k"); !errors.Is(err, outbox.ErrConflict) {
		t.Errorf("generating an unknown item: %v, want ErrConflict", err)
	}
	if _, err := s.Archived(ctx, projectID, "k"); !errors.Is(err, outbox.ErrNotFound) {
		t.Errorf("a refused generation archived its document: %v", err)
	}
	wantArchived := outbox.Item{ID: first.ID, ProjectID: projectID, Document: "doc1", DocumentSize: 1234, Pages: 3, GeneratedAt: at, ExpiresAt: first.ExpiresAt}
	if got, err := s.Archived(ctx, projectID, "R1/salesorder/order-7"); err != nil || !reflect.DeepEqual(got, wantArchived) {
		t.Fatalf("archived = %+v, %v\nwant %+v", got, err, wantArchived)
	}
	// The newest generation of a key is the archived one; one from the
	// archive names the document it took.
	second := newItem(projectID, "o2")
	create(t, s, second)
	later := at.Add(time.Hour)
	if err := s.MarkGenerated(ctx, generated(second, "doc4", later), "R1/salesorder/order-7"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Archived(ctx, projectID, "R1/salesorder/order-7"); err != nil || got.ID != second.ID || got.Document != "doc4" {
		t.Fatalf("archived = %+v, %v; want o2's doc4", got, err)
	}
	third := newItem(projectID, "o3")
	create(t, s, third)
	fromArchive := generated(third, "doc4", later.Add(time.Minute))
	fromArchive.FromArchive = true
	if err := s.MarkGenerated(ctx, fromArchive, ""); err != nil {
		t.Fatal(err)
	}
	if got := read(t, s, projectID, third.ID); !got.FromArchive || got.Document != "doc4" {
		t.Fatalf("item from the archive = %+v", got)
	}
	if _, err := s.Archived(ctx, projectID, "R1/salesorder/order-8"); !errors.Is(err, outbox.ErrNotFound) {
		t.Errorf("unknown archive key: %v, want ErrNotFound", err)
	}
	if _, err := s.Archived(ctx, projectID+"-other", "R1/salesorder/order-7"); !errors.Is(err, outbox.ErrNotFound) {
		t.Errorf("the archive of another project: %v, want ErrNotFound", err)
	}
}

func generatedItem(t *testing.T, s outbox.Store, projectID, id string) outbox.Item {
	t.Helper()
	it := newItem(projectID, id)
	create(t, s, it)
	if err := s.MarkGenerated(context.Background(), generated(it, "doc-"+id, base), ""); err != nil {
		t.Fatal(err)
	}
	return it
}

func theMailIsClaimedByOneSender(t *testing.T, s outbox.Store, projectID string) {
	ctx := context.Background()
	queued := newItem(projectID, "o0")
	create(t, s, queued)
	if err := s.ClaimSend(ctx, projectID, queued.ID, "c0", base); !errors.Is(err, outbox.ErrClaimed) {
		t.Fatalf("claiming a queued item: %v, want ErrClaimed", err)
	}
	if err := s.ClaimSend(ctx, projectID, "o404", "c0", base); !errors.Is(err, outbox.ErrClaimed) {
		t.Fatalf("claiming an unknown item: %v, want ErrClaimed", err)
	}
	it := generatedItem(t, s, projectID, "o1")
	at := base.Add(time.Minute)
	if err := s.ClaimSend(ctx, projectID, it.ID, "c1", at); err != nil {
		t.Fatal(err)
	}
	if got := read(t, s, projectID, it.ID); got.SendClaim != "c1" || !got.ClaimedAt.Equal(at) {
		t.Fatalf("claim = %q at %s", got.SendClaim, got.ClaimedAt)
	}
	if err := s.ClaimSend(ctx, projectID, it.ID, "c2", at); !errors.Is(err, outbox.ErrClaimed) {
		t.Fatalf("second claim: %v, want ErrClaimed", err)
	}
	if err := s.MarkSent(ctx, projectID, it.ID, "c2", "m2", at); !errors.Is(err, outbox.ErrConflict) {
		t.Fatalf("sent by a sender without the claim: %v, want ErrConflict", err)
	}
	// Releasing another's claim changes nothing; releasing one's own frees it.
	if err := s.ReleaseSend(ctx, projectID, it.ID, "c2"); err != nil {
		t.Fatal(err)
	}
	if got := read(t, s, projectID, it.ID); got.SendClaim != "c1" {
		t.Fatalf("claim after another's release = %q", got.SendClaim)
	}
	if err := s.ReleaseSend(ctx, projectID, it.ID, "c1"); err != nil {
		t.Fatal(err)
	}
	if got := read(t, s, projectID, it.ID); got.SendClaim != "" || !got.ClaimedAt.IsZero() {
		t.Fatalf("released claim = %q at %s", got.SendClaim, got.ClaimedAt)
	}
	if err := s.MarkSent(ctx, projectID, it.ID, "c1", "m1", at); !errors.Is(err, outbox.ErrConflict) {
		t.Fatalf("sent under a released claim: %v, want ErrConflict", err)
	}
	if err := s.ClaimSend(ctx, projectID, it.ID, "c3", at); err != nil {
		t.Fatal(err)
	}
	sent := at.Add(time.Second)
	if err := s.MarkSent(ctx, projectID, it.ID, "c3", "m3", sent); err != nil {
		t.Fatal(err)
	}
	got := read(t, s, projectID, it.ID)
	if got.Status != outbox.Sent || got.MessageID != "m3" || !got.SentAt.Equal(sent) || !got.UpdatedAt.Equal(sent) || got.SendClaim != "c3" {
		t.Fatalf("sent item = %+v", got)
	}
	if err := s.MarkSent(ctx, projectID, it.ID, "c3", "m4", sent); !errors.Is(err, outbox.ErrConflict) {
		t.Errorf("sent twice: %v, want ErrConflict", err)
	}
	if err := s.ReleaseSend(ctx, projectID, "o404", "c1"); err != nil {
		t.Errorf("releasing the claim of an unknown item: %v", err)
	}
}

func concurrentClaimsLeaveOneSender(t *testing.T, s outbox.Store, projectID string) {
	ctx := context.Background()
	it := generatedItem(t, s, projectID, "o1")
	const senders = 20
	errs := make([]error, senders)
	var wg sync.WaitGroup
	for i := range senders {
		wg.Go(func() { errs[i] = s.ClaimSend(ctx, projectID, it.ID, fmt.Sprint("c", i), base) })
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Fatalf("senders %d and %d both claimed the mail", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, outbox.ErrClaimed):
			t.Fatalf("sender %d: %v, want ErrClaimed", i, err)
		}
	}
	if got := read(t, s, projectID, it.ID); winner < 0 || got.SendClaim != fmt.Sprint("c", winner) {
		t.Fatalf("claim = %q, winner %d", got.SendClaim, winner)
	}
}

func onlyUnfinishedItemsFail(t *testing.T, s outbox.Store, projectID string) {
	ctx := context.Background()
	at := base.Add(time.Hour)
	queued := newItem(projectID, "o1")
	create(t, s, queued)
	gen := generatedItem(t, s, projectID, "o2")
	for _, id := range []string{queued.ID, gen.ID} {
		if err := s.MarkFailed(ctx, projectID, id, "no such report", at); err != nil {
			t.Fatalf("failing %s: %v", id, err)
		}
		got := read(t, s, projectID, id)
		if got.Status != outbox.Failed || got.Reason != "no such report" || !got.UpdatedAt.Equal(at) {
			t.Fatalf("failed item = %+v", got)
		}
	}
	if err := s.MarkFailed(ctx, projectID, queued.ID, "again", at.Add(time.Second)); !errors.Is(err, outbox.ErrConflict) {
		t.Errorf("failing twice: %v, want ErrConflict", err)
	}
	if got := read(t, s, projectID, queued.ID); got.Reason != "no such report" {
		t.Errorf("reason = %q, want the first", got.Reason)
	}
	sent := generatedItem(t, s, projectID, "o3")
	if err := s.ClaimSend(ctx, projectID, sent.ID, "c", at); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkSent(ctx, projectID, sent.ID, "c", "m", at); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkFailed(ctx, projectID, sent.ID, "late", at); !errors.Is(err, outbox.ErrConflict) {
		t.Errorf("failing a sent item: %v, want ErrConflict", err)
	}
	if err := s.MarkFailed(ctx, projectID, "o404", "late", at); !errors.Is(err, outbox.ErrConflict) {
		t.Errorf("failing an unknown item: %v, want ErrConflict", err)
	}
	if err := s.MarkGenerated(ctx, generated(queued, "doc", at), ""); !errors.Is(err, outbox.ErrConflict) {
		t.Errorf("generating a failed item: %v, want ErrConflict", err)
	}
}

// An archived document expires with the item it was generated for, unless
// a newer item takes it: then it, and its archive entry, are kept until
// the newer item expires. A document expired, or gone, cannot be kept.
func anArchivedDocumentIsKeptForANewerItem(t *testing.T, s outbox.Store, projectID string) {
	ctx := context.Background()
	const key = "R1/salesorder/order-7"
	first := newItem(projectID, "o1")
	create(t, s, first)
	if err := s.SaveOutboxDocument(ctx, projectID, "doc1", make([]byte, 800_001), first.ExpiresAt); err != nil {
		t.Fatal(err)
	}
	done := generated(first, "doc1", base)
	done.DocumentSize = 800_001
	if err := s.MarkGenerated(ctx, done, key); err != nil {
		t.Fatal(err)
	}
	a, err := s.Archived(ctx, projectID, key)
	if err != nil || !a.ExpiresAt.Equal(first.ExpiresAt) {
		t.Fatalf("archived = %+v, %v; want it to expire at %s", a, err, first.ExpiresAt)
	}
	later := expiry(base.Add(30 * 24 * time.Hour))
	if err := s.KeepArchived(ctx, a, key, base.Add(30*24*time.Hour), later); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Archived(ctx, projectID, key); err != nil || !got.ExpiresAt.Equal(later) || got.Document != "doc1" {
		t.Fatalf("archived after keeping = %+v, %v; want doc1 until %s", got, err, later)
	}
	if got, err := s.OutboxDocument(ctx, projectID, "doc1"); err != nil || len(got) != 800_001 {
		t.Fatalf("kept document: %d bytes, %v", len(got), err)
	}
	// Past its expiry the document is as good as gone.
	if err := s.KeepArchived(ctx, a, key, later, later.Add(time.Hour)); !errors.Is(err, outbox.ErrNoDocument) {
		t.Errorf("keeping an expired document: %v, want ErrNoDocument", err)
	}
	gone := a
	gone.Document = "doc404"
	if err := s.KeepArchived(ctx, gone, key, base, later); !errors.Is(err, outbox.ErrNoDocument) {
		t.Errorf("keeping a missing document: %v, want ErrNoDocument", err)
	}
	if _, err := s.OutboxDocument(ctx, projectID, "doc404"); !errors.Is(err, outbox.ErrNoDocument) {
		t.Errorf("keeping a missing document stored one: %v", err)
	}
	// A newer generation took the archive: keeping the older document
	// keeps it alone.
	second := newItem(projectID, "o2")
	create(t, s, second)
	if err := s.SaveOutboxDocument(ctx, projectID, "doc2", []byte("%PDF"), second.ExpiresAt); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkGenerated(ctx, generated(second, "doc2", base.Add(time.Hour)), key); err != nil {
		t.Fatal(err)
	}
	if err := s.KeepArchived(ctx, a, key, base, later.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Archived(ctx, projectID, key); err != nil || got.Document != "doc2" || !got.ExpiresAt.Equal(second.ExpiresAt) {
		t.Fatalf("archived = %+v, %v; want doc2 until %s", got, err, second.ExpiresAt)
	}
}
