package webhooktest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/page"
	"github.com/parcelgate/parcelgate/internal/storetest"
	"github.com/parcelgate/parcelgate/internal/webhook"
)

func putAttempt(t *testing.T, s webhook.Store, a webhook.Attempt) string {
	t.Helper()
	key, err := s.PutAttempt(context.Background(), a, webhook.AttemptTTL)
	if err != nil || key == "" {
		t.Fatalf("key %q, %v", key, err)
	}
	return key
}

func attemptsAreNewestFirstInPagesOfTheirWebhook(t *testing.T, s webhook.Store) {
	ctx := context.Background()
	webhookID := storetest.ID("wh_")
	start := base()
	var want []webhook.Attempt
	for i := range 5 {
		a := webhook.Attempt{
			WebhookID: webhookID, EventID: fmt.Sprintf("evt_%d", i), Type: webhook.TrackingUpdated, Attempt: 1 + i%2,
			Status: webhook.Pending, ResponseStatus: 500, Duration: time.Duration(100+i) * time.Millisecond, At: start.Add(time.Duration(i) * time.Second),
		}
		putAttempt(t, s, a)
		want = append([]webhook.Attempt{a}, want...)
	}
	// Two attempts of one instant are both kept.
	twin := want[0]
	twin.EventID = "evt_twin"
	putAttempt(t, s, twin)
	putAttempt(t, s, webhook.Attempt{WebhookID: storetest.ID("wh_"), EventID: "evt_other", Type: webhook.JobCompleted, Attempt: 1, Status: webhook.Succeeded, At: start})

	var got []webhook.Attempt
	req := page.Request{Limit: 2}
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("paging does not end")
		}
		p, err := s.Attempts(ctx, webhookID, req)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Items) > 2 {
			t.Errorf("page of %d attempts, limit 2", len(p.Items))
		}
		got = append(got, p.Items...)
		if p.NextCursor == "" {
			break
		}
		req.Cursor = p.NextCursor
		if pages == 0 {
			if _, err := s.Attempts(ctx, storetest.ID("wh_"), req); !errors.Is(err, page.ErrBadCursor) {
				t.Errorf("another webhook's cursor: %v, want ErrBadCursor", err)
			}
		}
	}
	if len(got) != 6 {
		t.Fatalf("read %d attempts, want 6", len(got))
	}
	// The twins share the newest instant, in either order.
	if got[0].EventID == "evt_twin" {
		got[0], got[1] = got[1], got[0]
	}
	want = append(want[:1], append([]webhook.Attempt{twin}, want[1:]...)...)
	for i := range want {
		g, w := got[i], want[i]
		if g.WebhookID != w.WebhookID || g.EventID != w.EventID || g.Type != w.Type || g.Attempt != w.Attempt || g.Status != w.Status ||
			g.ResponseStatus != w.ResponseStatus || g.Duration != w.Duration || !g.At.Equal(w.At) {
			t.Errorf("attempt %d\n got %+v\nwant %+v", i, g, w)
		}
	}
	if _, err := s.Attempts(ctx, webhookID, page.Request{Cursor: "not-a-cursor", Limit: 2}); !errors.Is(err, page.ErrBadCursor) {
		t.Errorf("a forged cursor: %v, want ErrBadCursor", err)
	}
}

func settleAttemptFailsOnlyAPendingOne(t *testing.T, s webhook.Store) {
	ctx := context.Background()
	webhookID, other := storetest.ID("wh_"), storetest.ID("wh_")
	at := base()
	first := webhook.Attempt{WebhookID: webhookID, EventID: "evt_1", Type: webhook.JobCompleted, Attempt: 1, Status: webhook.Pending, ResponseStatus: 500, At: at}
	second := first
	second.Attempt, second.Status, second.ResponseStatus, second.At = 2, webhook.Succeeded, 200, at.Add(time.Second)
	firstKey, secondKey := putAttempt(t, s, first), putAttempt(t, s, second)
	otherKey := putAttempt(t, s, webhook.Attempt{WebhookID: other, EventID: "evt_1", Type: webhook.JobCompleted, Attempt: 1, Status: webhook.Pending, At: at})
	for _, key := range []string{firstKey, firstKey, secondKey, otherKey, "no-such-key"} {
		if err := s.SettleAttempt(ctx, webhookID, key); err != nil {
			t.Fatalf("settling %q: %v", key, err)
		}
	}
	statuses := func(id string) []string {
		p, err := s.Attempts(ctx, id, page.Request{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, a := range p.Items {
			out = append(out, fmt.Sprintf("%d:%s", a.Attempt, a.Status))
		}
		return out
	}
	if got := statuses(webhookID); !slices.Equal(got, []string{"2:succeeded", "1:failed"}) {
		t.Errorf("attempts after settling %v, want the pending one failed, the succeeded one as it was, none made", got)
	}
	if got := statuses(other); !slices.Equal(got, []string{"1:pending"}) {
		t.Errorf("another webhook's attempt %v, want it pending still", got)
	}
}
