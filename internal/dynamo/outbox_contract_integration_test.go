//go:build integration

package dynamo

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parcelgate/parcelgate/internal/outbox"
	"github.com/parcelgate/parcelgate/internal/outbox/outboxtest"
)

func TestOutboxContract(t *testing.T) {
	s := newStore(t)
	outboxtest.Run(t, func(*testing.T) outbox.Store { return s.Outbox })
}

// Every chunk of a document carries the table's TTL attribute, and
// keeping an archived document moves it on every chunk.
func TestOutboxDocumentChunksCarryTheirExpiry(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	expires := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	pdf := make([]byte, 800_001)
	if err := s.Outbox.SaveOutboxDocument(ctx, "p1", "doc1", pdf, expires); err != nil {
		t.Fatal(err)
	}
	chunkExpiries := func() []string {
		out, err := s.Table.Client.Query(ctx, &dynamodb.QueryInput{
			TableName: &s.Table.Name, KeyConditionExpression: aws.String("PK = :pk"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(outboxDocPK("p1", "doc1"))},
		})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, it := range out.Items {
			n, _ := it["expiresAt"].(*types.AttributeValueMemberN)
			if n == nil {
				t.Fatalf("chunk %v has no expiresAt", it[attrSK])
			}
			got = append(got, n.Value)
		}
		return got
	}
	want := strconv.FormatInt(expires.Unix(), 10)
	if got := chunkExpiries(); len(got) != 3 || got[0] != want || got[1] != want || got[2] != want {
		t.Fatalf("chunk expiries %v, want 3 × %s", got, want)
	}
	later := expires.Add(30 * 24 * time.Hour)
	a := outbox.Item{ProjectID: "p1", Document: "doc1", DocumentSize: len(pdf), ExpiresAt: expires}
	if err := s.Outbox.KeepArchived(ctx, a, "k", expires.Add(-time.Hour), later); err != nil {
		t.Fatal(err)
	}
	want = strconv.FormatInt(later.Unix(), 10)
	if got := chunkExpiries(); len(got) != 3 || got[0] != want || got[1] != want || got[2] != want {
		t.Fatalf("chunk expiries %v after keeping, want 3 × %s", got, want)
	}
}
