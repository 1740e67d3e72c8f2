package queue

import (
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/outbox"
	"github.com/parcelgate/parcelgate/internal/webhook"
)

// Messages already queued when a new version deploys must still decode:
// these bodies pin the wire names.

func TestDecodeWebhookTaskReadsEveryWireField(t *testing.T) {
	body := `{"kind":"delivery","projectId":"p1","eventId":"evt_1","webhookId":"wh_1","attempt":3,` +
		`"notBefore":"2026-12-01T10:00:00Z","since":"2026-11-30T00:00:00Z","after":"evt_0","pending":"k1"}`
	got, err := DecodeWebhookTask(body)
	if err != nil {
		t.Fatal(err)
	}
	want := webhook.Task{
		Kind: webhook.KindDelivery, ProjectID: "p1", EventID: "evt_1", WebhookID: "wh_1", Attempt: 3,
		NotBefore: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC), Since: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), After: "evt_0",
		Pending: "k1",
	}
	if !got.NotBefore.Equal(want.NotBefore) || !got.Since.Equal(want.Since) {
		t.Fatalf("times %v %v, want %v %v", got.NotBefore, got.Since, want.NotBefore, want.Since)
	}
	got.NotBefore, got.Since, want.NotBefore, want.Since = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestDecodeWebhookTaskRefusesABodyWithoutKindOrProject(t *testing.T) {
	for _, body := range []string{`{"projectId":"p1"}`, `{"kind":"event"}`, `not json`} {
		if _, err := DecodeWebhookTask(body); err == nil {
			t.Errorf("%s decoded", body)
		}
	}
}

func TestDecodeReportTaskReadsProjectAndOutboxID(t *testing.T) {
	got, err := DecodeReportTask(`{"projectId":"p1","outboxId":"o1"}`)
	if err != nil {
		t.Fatal(err)
	}
	if want := (outbox.Task{ProjectID: "p1", OutboxID: "o1"}); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if _, err := DecodeReportTask(`{"projectId":"p1"}`); err == nil {
		t.Error("a body without outboxId decoded")
	}
}
