//go:build integration

package dynamo

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/job"
)

// The subscribers ingestion reads are exactly the live associations:
// added, renewed, removed, removed by a job older than a re-adding one,
// and expired.
func TestSubscribersFollowAssociations(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	now := time.Now().UTC().Truncate(time.Second)
	const number, a, b, c = "3000000021", "p-a", "p-b", "p-c"
	assoc := func(projectID string, at time.Time) job.Association {
		return job.Association{ProjectID: projectID, TrackingNumber: number, Carrier: "dhl", AddedAt: at, ExpiresAt: at.Add(job.AssociationTTL), JobID: "j-" + projectID, AddedBy: "j-" + projectID}
	}
	want := func(at time.Time, projects ...string) {
		t.Helper()
		got, err := s.Tracking.Subscribers(ctx, []string{number, "3000000032"}, at)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(got[number])
		if !slices.Equal(got[number], projects) || len(got["3000000032"]) != 0 {
			t.Fatalf("subscribers at %s: %v, want %v for %s and none for a number without associations", at, got, projects, number)
		}
	}
	if _, err := s.Jobs.AddAssociations(ctx, []job.Association{assoc(a, now), assoc(b, now), assoc(c, now.Add(-time.Hour))}); err != nil {
		t.Fatal(err)
	}
	want(now, a, b, c)
	// A renewal moves the subscription's expiry with the association's.
	if err := s.Jobs.Apply(ctx, c, []job.Association{assoc(c, now.Add(time.Hour))}, nil, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	want(now.Add(job.AssociationTTL), c)
	// A removal decided before b was added again spares it; one decided
	// after removes it.
	if err := s.Jobs.Apply(ctx, b, nil, []string{number}, now.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	want(now, a, b, c)
	if err := s.Jobs.Apply(ctx, b, nil, []string{number}, now); err != nil {
		t.Fatal(err)
	}
	want(now, a, c)
	// An expired association is no subscriber, and a new one replaces it.
	want(now.Add(job.AssociationTTL+time.Minute), c)
	later := now.Add(job.AssociationTTL + time.Minute)
	stored, err := s.Jobs.AddAssociations(ctx, []job.Association{assoc(a, later)})
	if err != nil {
		t.Fatal(err)
	}
	if stored[0].AddedBy != "j-"+a || !stored[0].AddedAt.Equal(later) {
		t.Fatalf("the expired association was not replaced: %+v", stored[0])
	}
	want(later, a, c)
}
