//go:build integration

package dynamo

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/webhook"
)

// putRaw writes items as an earlier version stored them, past the
// adapters, so a change to how they write cannot hide one to how they
// read.
func putRaw(t *testing.T, s *Adapters, items ...item) {
	t.Helper()
	for _, it := range items {
		if _, err := s.Table.Client.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: &s.Table.Name, Item: it}); err != nil {
			t.Fatal(err)
		}
	}
}

// An association indexed when a day had 16 expiry shards (its entry in
// the shard of hash % 16, not the one it gets now) is still noticed,
// leaves the index when noticed, and a renewal moves it to its shard.
func TestAnExpiryIndexedUnder16ShardsIsNoticedAndRenewed(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	const number = "3000000021" // hash % 16 = 7, % 96 = 23
	if expiryShard(number) == 7 {
		t.Fatal("the number must change shard for the test to mean anything")
	}
	day := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 400)
	at := day.Add(12 * time.Hour)
	putRaw(t, s, item{
		"PK": str("ASSOC#legacy-x#07"), "SK": str("TN#" + number),
		"GSI1PK": str("TAGGED#legacy-x#Pending#07"), "GSI1SK": str("TN#" + number),
		"GSI3PK": str(expiryGSI3PK(at, 7)), "GSI3SK": str(expiryGSI3SK(at, "dhl")),
		"projectId": str("legacy-x"), "trackingNumber": str(number), "carrier": str("dhl"),
		"addedAt": str("2026-03-01T12:00:00.000000000Z"), "expiresAt": num(at.Unix()), "jobId": str("j1"),
	})
	due := func() []webhook.Expiring {
		t.Helper()
		found, err := s.Expiries.ExpiringBetween(ctx, day, day.Add(48*time.Hour), 100)
		if err != nil {
			t.Fatal(err)
		}
		return found
	}
	found := due()
	if len(found) != 1 || found[0].ProjectID != "legacy-x" || found[0].TrackingNumber != number || !found[0].ExpiresAt.Equal(at) {
		t.Fatalf("expiring: %+v, want the association stored under 16 shards", found)
	}

	renewed := at.Add(24 * time.Hour)
	if err := s.Jobs.Apply(ctx, "legacy-x", []job.Association{{TrackingNumber: number, Carrier: "dhl", AddedAt: at, ExpiresAt: renewed, JobID: "j2"}}, nil, at); err != nil {
		t.Fatal(err)
	}
	raw, err := s.Table.getRaw(ctx, associationKey("legacy-x", number))
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := expiryKeys(number, "dhl", renewed); getS(raw, attrGSI3PK) != want {
		t.Fatalf("renewed entry in %s, want %s", getS(raw, attrGSI3PK), want)
	}
	if found = due(); len(found) != 1 || !found[0].ExpiresAt.Equal(renewed) {
		t.Fatalf("expiring after the renewal: %+v, want it once, at %s", found, renewed)
	}
	if err := s.Expiries.ExpiryNoticed(ctx, found[0]); err != nil {
		t.Fatal(err)
	}
	if found = due(); len(found) != 0 {
		t.Fatalf("expiring after the notice: %+v, want none", found)
	}
}
