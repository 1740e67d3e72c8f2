package webhooktest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/storetest"
	"github.com/parcelgate/parcelgate/internal/webhook"
)

// Associations writes the associations an ExpiryStore reads: the job
// store's part of the same data.
type Associations interface {
	AddAssociations(ctx context.Context, as []job.Association) ([]job.Association, error)
	Apply(ctx context.Context, projectID string, renew []job.Association, remove []string, at time.Time) error
}

// RunExpiry runs the contract of webhook.ExpiryStore against the stores
// newStore returns, each with the associations it reads. A store may be
// shared between the tests: each uses a fresh project and its own days.
func RunExpiry(t *testing.T, newStore func(t *testing.T) (webhook.ExpiryStore, Associations)) {
	for i, tc := range []struct {
		name string
		test func(*testing.T, expiryFixture)
	}{
		{"ExpiringBetweenListsExpiriesAfterFromUpToTo", expiringBetweenListsExpiriesAfterFromUpToTo},
		{"ExpiringBetweenReturnsAtMostLimit", expiringBetweenReturnsAtMostLimit},
		{"NoticedIsNotListedAgainUntilRenewed", noticedIsNotListedAgainUntilRenewed},
		{"RemovedIsNotListedAndNoticingItIsNoError", removedIsNotListedAndNoticingItIsNoError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, as := newStore(t)
			// Days of their own, months ahead: the tests sharing a store
			// never see each other's associations.
			day := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 100+10*i).Add(6 * time.Hour)
			tc.test(t, expiryFixture{store: s, associations: as, projectID: storetest.ID("p-"), day: day})
		})
	}
}

type expiryFixture struct {
	store        webhook.ExpiryStore
	associations Associations
	projectID    string
	day          time.Time
}

// associate adds an association of a fresh number expiring at expiresAt.
func (f expiryFixture) associate(t *testing.T, expiresAt time.Time) job.Association {
	t.Helper()
	now := time.Now().UTC()
	a := job.Association{
		ProjectID: f.projectID, TrackingNumber: storetest.ID("30"), Carrier: "dhl", AddedAt: now, ExpiresAt: expiresAt, JobID: "j", AddedBy: "j",
	}
	if _, err := f.associations.AddAssociations(context.Background(), []job.Association{a}); err != nil {
		t.Fatal(err)
	}
	return a
}

// due lists the fixture project's expiring associations as
// "number@expiry", sorted.
func (f expiryFixture) due(t *testing.T, from, to time.Time, limit int) []string {
	t.Helper()
	found, err := f.store.ExpiringBetween(context.Background(), from, to, limit)
	if err != nil {
		t.Fatal(err)
	}
	if len(found) > limit {
		t.Errorf("%d found, limit %d", len(found), limit)
	}
	var out []string
	for _, e := range found {
		if e.ProjectID == f.projectID {
			out = append(out, fmt.Sprintf("%s/%s@%s", e.TrackingNumber, e.Carrier, e.ExpiresAt.UTC().Format(time.RFC3339)))
		}
	}
	slices.Sort(out)
	return out
}

func expiring(a job.Association) string {
	return fmt.Sprintf("%s/%s@%s", a.TrackingNumber, a.Carrier, a.ExpiresAt.UTC().Format(time.RFC3339))
}

func sorted(s ...string) []string {
	slices.Sort(s)
	return s
}

func sameList(t *testing.T, name string, got, want []string) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s:\n got %v\nwant %v", name, got, want)
	}
}

func expiringBetweenListsExpiriesAfterFromUpToTo(t *testing.T, f expiryFixture) {
	from, to := f.day, f.day.Add(30*time.Hour) // across midnight
	atFrom := f.associate(t, from)
	inside := f.associate(t, from.Add(time.Second))
	nextDay := f.associate(t, from.Add(20*time.Hour))
	atTo := f.associate(t, to)
	f.associate(t, to.Add(time.Second))
	f.associate(t, from.Add(-time.Hour))
	sameList(t, "due", f.due(t, from, to, 1000), sorted(expiring(inside), expiring(nextDay), expiring(atTo)))
	sameList(t, "due up to from", f.due(t, from.Add(-time.Second), from, 1000), []string{expiring(atFrom)})
}

func expiringBetweenReturnsAtMostLimit(t *testing.T, f expiryFixture) {
	for i := range 3 {
		f.associate(t, f.day.Add(time.Duration(i+1)*time.Minute))
	}
	if got := f.due(t, f.day, f.day.Add(time.Hour), 2); len(got) != 2 {
		t.Errorf("limit 2 of 3 due: %v", got)
	}
}

func noticedIsNotListedAgainUntilRenewed(t *testing.T, f expiryFixture) {
	ctx := context.Background()
	from, to := f.day, f.day.Add(48*time.Hour)
	a := f.associate(t, from.Add(time.Hour))
	b := f.associate(t, from.Add(2*time.Hour))
	e := webhook.Expiring{ProjectID: a.ProjectID, TrackingNumber: a.TrackingNumber, Carrier: a.Carrier, ExpiresAt: a.ExpiresAt}
	if err := f.store.ExpiryNoticed(ctx, e); err != nil {
		t.Fatal(err)
	}
	sameList(t, "after a notice", f.due(t, from, to, 1000), []string{expiring(b)})

	renewed := a
	renewed.AddedAt, renewed.ExpiresAt = time.Now().UTC(), a.ExpiresAt.Add(24*time.Hour)
	if err := f.associations.Apply(ctx, f.projectID, []job.Association{renewed}, nil, renewed.AddedAt); err != nil {
		t.Fatal(err)
	}
	sameList(t, "after a renewal", f.due(t, from, to, 1000), sorted(expiring(b), expiring(renewed)))
	// A notice of the old expiry, late, leaves the renewed one due.
	if err := f.store.ExpiryNoticed(ctx, e); err != nil {
		t.Fatal(err)
	}
	sameList(t, "after a late notice", f.due(t, from, to, 1000), sorted(expiring(b), expiring(renewed)))
}

func removedIsNotListedAndNoticingItIsNoError(t *testing.T, f expiryFixture) {
	ctx := context.Background()
	from, to := f.day, f.day.Add(time.Hour)
	a := f.associate(t, from.Add(time.Minute))
	if err := f.associations.Apply(ctx, f.projectID, nil, []string{a.TrackingNumber}, time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	sameList(t, "after removal", f.due(t, from, to, 1000), nil)
	e := webhook.Expiring{ProjectID: a.ProjectID, TrackingNumber: a.TrackingNumber, Carrier: a.Carrier, ExpiresAt: a.ExpiresAt}
	if err := f.store.ExpiryNoticed(ctx, e); err != nil {
		t.Errorf("notice of a removed association: %v", err)
	}
}
