package memory

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/webhook"
)

var _ webhook.ExpiryStore = (*Expiries)(nil)

// Expiries is webhook.ExpiryStore in memory, over the associations its
// Associations lists.
type Expiries struct {
	// Associations lists every stored association (the job store's).
	// Nil is none.
	Associations func() []job.Association

	mu sync.Mutex
	// noticed holds the associations whose event is queued, each as of
	// its expiry: a renewal moves the expiry, so the renewed association
	// is due again; one removed and added again is another association.
	noticed map[expiryNotice]bool
}

type expiryNotice struct {
	projectID, number  string
	addedAt, expiresAt int64
}

// expiryOf is a's expiry to the second, as the table keeps it.
func expiryOf(a job.Association) time.Time { return time.Unix(a.ExpiresAt.Unix(), 0).UTC() }

// ExpiringBetween implements webhook.ExpiryStore: the soonest first.
func (s *Expiries) ExpiringBetween(_ context.Context, from, to time.Time, limit int) ([]webhook.Expiring, error) {
	if s.Associations == nil {
		return nil, nil
	}
	all := s.Associations()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []webhook.Expiring
	for _, a := range all {
		exp := expiryOf(a)
		if !exp.After(from) || exp.After(to) || s.noticed[expiryNotice{a.ProjectID, a.TrackingNumber, a.AddedAt.UnixNano(), exp.Unix()}] {
			continue
		}
		out = append(out, webhook.Expiring{ProjectID: a.ProjectID, TrackingNumber: a.TrackingNumber, Carrier: a.Carrier, ExpiresAt: exp})
	}
	slices.SortFunc(out, func(a, b webhook.Expiring) int { return a.ExpiresAt.Compare(b.ExpiresAt) })
	return out[:min(len(out), limit)], nil
}

// ExpiryNoticed implements webhook.ExpiryStore.
func (s *Expiries) ExpiryNoticed(_ context.Context, e webhook.Expiring) error {
	if s.Associations == nil {
		return nil
	}
	all := s.Associations()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range all {
		if a.ProjectID == e.ProjectID && a.TrackingNumber == e.TrackingNumber && expiryOf(a).Unix() == e.ExpiresAt.Unix() {
			if s.noticed == nil {
				s.noticed = map[expiryNotice]bool{}
			}
			s.noticed[expiryNotice{a.ProjectID, a.TrackingNumber, a.AddedAt.UnixNano(), expiryOf(a).Unix()}] = true
		}
	}
	return nil
}
