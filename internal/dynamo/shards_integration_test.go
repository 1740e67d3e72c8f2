//go:build integration

package dynamo

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/page"
	"github.com/parcelgate/parcelgate/internal/project"
	"github.com/parcelgate/parcelgate/internal/storetest"
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
	raw, err := s.Table.getRaw(ctx, associationKey("legacy-x", legacyAssociationShards, number))
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

// A project created now spreads its associations and tag index over 48
// shards, keeps the count on its item (a process that never saw it being
// created reads it there), and pages through them, with or without a tag,
// giving each number once whatever the page size.
func TestAProjectCreatedNowSpreadsOver48Shards(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	p := project.Project{ID: storetest.ID("p-"), ClientID: "acme", Name: "P", CreatedAt: time.Now().UTC()}
	if err := s.Projects.CreateProject(ctx, p, project.Member{PrincipalID: "alice", Role: project.Admin, AddedAt: p.CreatedAt}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	var as []job.Association
	var want []string
	for i := range 100 {
		n := fmt.Sprintf("31%08d", i)
		as = append(as, job.Association{ProjectID: p.ID, TrackingNumber: n, Carrier: "dhl", AddedAt: now, ExpiresAt: now.Add(job.AssociationTTL), JobID: "j1", AddedBy: "alice", Tag: "Pending"})
		want = append(want, n)
	}
	if _, err := s.Jobs.AddAssociations(ctx, as); err != nil {
		t.Fatal(err)
	}
	partitions := map[string]bool{}
	for _, n := range want[:40] {
		raw, err := s.Table.getRaw(ctx, associationKey(p.ID, associationShards, n))
		if err != nil || raw == nil {
			t.Fatalf("%s not in its shard of 48: %v", n, err)
		}
		partitions[getS(raw, attrPK)] = true
		if tagged := associationTagGSI1PK(p.ID, "Pending", shards(associationShards).of(n)); getS(raw, attrGSI1PK) != tagged {
			t.Errorf("%s tag index %s, want %s", n, getS(raw, attrGSI1PK), tagged)
		}
	}
	if len(partitions) <= legacyAssociationShards {
		t.Errorf("40 numbers in %d partitions, want more than 16", len(partitions))
	}

	other := Open(s.Table.Client, s.Table.Name, Options{}) // knows nothing of p yet
	found, err := other.Jobs.Associations(ctx, p.ID, want)
	if err != nil || len(found) != len(want) {
		t.Fatalf("a fresh adapter found %d of %d associations: %v", len(found), len(want), err)
	}
	for _, limit := range []int{3, 17, 1000} {
		for _, tagged := range []string{"", "Pending"} {
			got := listAll(t, other.Jobs, p.ID, tagged, limit, now)
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("limit %d, tag %q: listed %d numbers, want each of %d once", limit, tagged, len(got), len(want))
			}
		}
	}
	if _, err := other.Jobs.Associated(ctx, p.ID, now, "", page.Request{Cursor: "48.", Limit: 10}); err != page.ErrBadCursor {
		t.Errorf("cursor past the last shard: %v, want ErrBadCursor", err)
	}
}

// listAll pages through a project's associations, tagged or not.
func listAll(t *testing.T, s *Jobs, projectID, tagged string, limit int, now time.Time) []string {
	t.Helper()
	var out []string
	req := page.Request{Limit: limit}
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatal("paging does not end")
		}
		pg, err := s.Associated(context.Background(), projectID, now, tagged, req)
		if err != nil {
			t.Fatal(err)
		}
		if len(pg.Items) > limit {
			t.Fatalf("page of %d, limit %d", len(pg.Items), limit)
		}
		for _, a := range pg.Items {
			out = append(out, a.TrackingNumber)
		}
		if pg.NextCursor == "" {
			return out
		}
		req.Cursor = pg.NextCursor
	}
}
