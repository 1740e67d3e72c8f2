//go:build integration

package dynamo

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/parcelgate/parcelgate/internal/page"
	"github.com/parcelgate/parcelgate/internal/webhook"
)

// Raw items in the partitions: the shards are the adapter's own layout,
// which the contract suite cannot see.

// An endpoint's attempts spread over its shards, and those stored under
// the bare key before the shards, are listed as one list, newest first,
// in pages that lose and repeat none; a retry queued before the shards
// (its key a bare sort key) still settles its attempt.
func TestAttemptsOfTheShardsAndTheLegacyPartitionListAsOne(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	wh := "wh_shards"
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	expires := at.Add(webhook.AttemptTTL).Unix()
	legacyKeys := map[string]string{}
	for i := range 5 {
		// The legacy attempts interleave in time with the sharded ones.
		ev := fmt.Sprintf("evt_legacy_%d", i)
		sk := fmt.Sprintf("%s#0001#%016d", formatTime(at.Add(time.Duration(2*i)*time.Second)), i)
		legacyKeys[ev] = sk
		if _, err := s.Table.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table.Name, Item: item{
			attrPK: str(legacyAttemptPK(wh)), attrSK: str(sk), "at": str(formatTime(at.Add(time.Duration(2*i) * time.Second))),
			"attempt": num(1), "durationMs": num(0), "eventId": str(ev), "expiresAt": num(expires), "responseStatus": num(500),
			"status": str(webhook.Pending), "type": str(webhook.TrackingUpdated),
		}}); err != nil {
			t.Fatal(err)
		}
	}
	shards := map[string]bool{}
	keys := map[string]string{}
	for i := range 40 {
		ev := fmt.Sprintf("evt_%d", i)
		key, err := s.Webhooks.PutAttempt(ctx, webhook.Attempt{WebhookID: wh, EventID: ev, Type: webhook.TrackingUpdated, Attempt: 1,
			Status: webhook.Pending, ResponseStatus: 500, At: at.Add(time.Duration(2*i+1) * time.Second)}, webhook.AttemptTTL)
		if err != nil {
			t.Fatal(err)
		}
		keys[ev] = key
		shards[attemptPK(wh, attemptShard(ev))] = true
	}
	if len(shards) < 10 {
		t.Fatalf("40 events wrote %d shards", len(shards))
	}
	for _, key := range []string{keys["evt_3"], legacyKeys["evt_legacy_2"], "99/" + keys["evt_4"][3:], "../" + keys["evt_5"]} {
		if err := s.Webhooks.SettleAttempt(ctx, wh, key); err != nil {
			t.Fatalf("settling %q: %v", key, err)
		}
	}

	var got []webhook.Attempt
	req := page.Request{Limit: 7}
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("paging does not end")
		}
		p, err := s.Webhooks.Attempts(ctx, wh, req)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Items) > 7 {
			t.Fatalf("page of %d", len(p.Items))
		}
		got = append(got, p.Items...)
		if p.NextCursor == "" {
			break
		}
		req.Cursor = p.NextCursor
	}
	if len(got) != 45 {
		t.Fatalf("listed %d attempts, want 45", len(got))
	}
	var failed []string
	for i, a := range got {
		if i > 0 && !a.At.Before(got[i-1].At) {
			t.Errorf("attempt %d at %v after %v: not newest first", i, a.At, got[i-1].At)
		}
		if a.Status == webhook.Failed {
			failed = append(failed, a.EventID)
		}
	}
	if strings.Join(failed, ",") != "evt_3,evt_legacy_2" {
		t.Errorf("settled %v, want evt_3 and evt_legacy_2 only (a key naming no shard settles nothing)", failed)
	}
	if _, err := s.Webhooks.Attempts(ctx, "wh_other", page.Request{Cursor: req.Cursor, Limit: 7}); err != page.ErrBadCursor {
		t.Errorf("another endpoint's cursor: %v, want page.ErrBadCursor", err)
	}
	// Forged cursors of the endpoint's own partition: a sort key DynamoDB
	// refuses, none, an attribute that is no key.
	for _, forged := range []item{
		{attrPK: str(legacyAttemptPK(wh)), attrSK: str(strings.Repeat("9", 1025))},
		{attrPK: str(legacyAttemptPK(wh))},
		{attrPK: str(legacyAttemptPK(wh)), attrSK: str("")},
		{attrPK: str(legacyAttemptPK(wh)), attrSK: str("2026"), "status": str("x")},
	} {
		cursor, err := encodeCursor(forged)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Webhooks.Attempts(ctx, wh, page.Request{Cursor: cursor, Limit: 7}); err != page.ErrBadCursor {
			t.Errorf("forged cursor %v: %v, want page.ErrBadCursor", forged, err)
		}
	}
}
