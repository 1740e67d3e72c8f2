package memory

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/webhook"
	"github.com/parcelgate/parcelgate/internal/webhook/webhooktest"
)

// fixtureAssociations keeps associations as job.Store does, for the
// suites of the stores that read them.
type fixtureAssociations struct {
	mu   sync.Mutex
	list []job.Association
}

func (f *fixtureAssociations) all() []job.Association {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.list)
}

func (f *fixtureAssociations) find(projectID, number string) int {
	return slices.IndexFunc(f.list, func(a job.Association) bool { return a.ProjectID == projectID && a.TrackingNumber == number })
}

// AddAssociations stores each association unless a live one of its number
// is stored.
func (f *fixtureAssociations) AddAssociations(_ context.Context, as []job.Association) ([]job.Association, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]job.Association, len(as))
	for i, a := range as {
		switch j := f.find(a.ProjectID, a.TrackingNumber); {
		case j < 0:
			f.list = append(f.list, a)
			out[i] = a
		case f.list[j].ExpiresAt.After(a.AddedAt):
			out[i] = f.list[j]
		default:
			f.list[j], out[i] = a, a
		}
	}
	return out, nil
}

// Apply renews forward only and removes what was added by at.
func (f *fixtureAssociations) Apply(_ context.Context, projectID string, renew []job.Association, remove []string, at time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, a := range renew {
		a.ProjectID = projectID
		if j := f.find(projectID, a.TrackingNumber); j >= 0 && f.list[j].ExpiresAt.Before(a.ExpiresAt) {
			f.list[j] = a
		}
	}
	for _, n := range remove {
		if j := f.find(projectID, n); j >= 0 && !f.list[j].AddedAt.After(at) {
			f.list = slices.Delete(f.list, j, j+1)
		}
	}
	return nil
}

func TestExpiriesContract(t *testing.T) {
	webhooktest.RunExpiry(t, func(*testing.T) (webhook.ExpiryStore, webhooktest.Associations) {
		as := &fixtureAssociations{}
		return &Expiries{Associations: as.all}, as
	})
}
