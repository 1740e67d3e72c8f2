package message

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/parcelgate/parcelgate/internal/carrier"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

// Unmapped is a raw status that no mapping table knows, as one client
// sent it: how often it was applied, when last, and a number that had
// it. It is what an admin reads to decide what to map next (the status
// was meanwhile given InTransit_Unknown or InfoReceived).
type Unmapped struct {
	Carrier      carrier.Carrier
	Status       string
	OriginStatus string
	Count        int
	Example      string
	LastSeen     time.Time
}

// UnmappedStore keeps the counts of unmapped statuses per client.
type UnmappedStore interface {
	// CountUnmapped adds each status's Count to its client's tally and
	// sets its example and last-seen time.
	CountUnmapped(ctx context.Context, clientID string, seen []Unmapped) error
	// UnmappedStatuses lists a client's tally, most frequent first, at
	// most limit, without the statuses last seen UnmappedTTL before now.
	UnmappedStatuses(ctx context.Context, clientID string, now time.Time, limit int) ([]Unmapped, error)
}

// UnmappedTTL: a status not seen again for this long leaves the tally.
const UnmappedTTL = 90 * 24 * time.Hour

// MaxUnmappedListed bounds the statuses one listing returns.
const MaxUnmappedListed = 500

// countUnmapped tallies the unmapped statuses of the numbers applied for
// the client (not those that turned out another client's). A task
// retried after a crash past this point counts its statuses again: the
// tally says how often, not exactly how many messages.
func (s Service) countUnmapped(ctx context.Context, clientID string, owned []string, unmapped map[string][]tracking.Event, now time.Time) error {
	if s.Unmapped == nil {
		return nil
	}
	type key struct{ carrier, status, origin string }
	tally := map[key]*Unmapped{}
	var order []key
	for _, n := range owned {
		_, c, _ := tracking.Identify(n)
		for _, ev := range unmapped[n] {
			k := key{string(c), ev.Status, ev.OriginStatus}
			u := tally[k]
			if u == nil {
				u = &Unmapped{Carrier: c, Status: ev.Status, OriginStatus: ev.OriginStatus, Example: n, LastSeen: now.UTC()}
				tally[k] = u
				order = append(order, k)
			}
			u.Count++
		}
	}
	if len(order) == 0 {
		return nil
	}
	seen := make([]Unmapped, len(order))
	for i, k := range order {
		seen[i] = *tally[k]
	}
	return s.Unmapped.CountUnmapped(ctx, clientID, seen)
}

// UnmappedStatuses lists the caller's unmapped statuses, most frequent
// first.
func (s Service) UnmappedStatuses(ctx context.Context, clientID string) ([]Unmapped, error) {
	if s.Unmapped == nil {
		return []Unmapped{}, nil
	}
	return s.Unmapped.UnmappedStatuses(ctx, clientID, s.Now(), MaxUnmappedListed)
}

// SortUnmapped orders a tally most frequent first, then by carrier and
// status, so a listing reads the same on every backend.
func SortUnmapped(list []Unmapped) {
	slices.SortFunc(list, func(a, b Unmapped) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return cmp.Or(cmp.Compare(a.Carrier, b.Carrier), cmp.Compare(a.Status, b.Status), cmp.Compare(a.OriginStatus, b.OriginStatus))
	})
}
