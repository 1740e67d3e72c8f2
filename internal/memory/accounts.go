package memory

import (
	"context"
	"fmt"
	"sync"

	"github.com/parcelgate/parcelgate/internal/account"
	"github.com/parcelgate/parcelgate/internal/data"
)

var _ account.Store = (*Accounts)(nil)

// Accounts implements account.Store in memory. Its records are those of
// Store, as accounts are records of the table; the licences are its own.
type Accounts struct {
	// Store holds the records; nil is a store of the accounts' own.
	Store *Records

	// mu guards licences; taken after Store.mu, never before it, as the
	// record writes of Store give licences back (Records.Release).
	mu       sync.Mutex
	once     sync.Once
	licences map[string]account.Licences
}

func (s *Accounts) init() {
	s.once.Do(func() {
		if s.Store == nil {
			s.Store = &Records{}
		}
	})
}

// Record implements account.Store.
func (s *Accounts) Record(_ context.Context, projectID string, e *data.Entity, code string) (data.Record, error) {
	s.init()
	s.Store.mu.Lock()
	defer s.Store.mu.Unlock()
	rec, ok := s.Store.stored(projectID, e.Name, code)
	if !ok {
		return data.Record{}, data.ErrNotFound
	}
	return copyRecord(rec), nil
}

// SaveAccount implements account.Store.
func (s *Accounts) SaveAccount(_ context.Context, projectID string, e *data.Entity, old *data.Record, rec data.Record, delta int) error {
	it, err := storedRecord(e, rec)
	if err != nil {
		return err
	}
	s.init()
	s.Store.mu.Lock()
	defer s.Store.mu.Unlock()
	cur, exists := s.Store.stored(projectID, e.Name, rec.Code)
	switch {
	case old == nil && exists:
		return data.ErrChanged
	case old != nil && (!exists || recordStamp(cur.SrvDateUTC) != recordStamp(old.SrvDateUTC)):
		return data.ErrChanged
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	lic, counted := s.licences[projectID]
	switch {
	case delta > 0 && lic.Used >= lic.Total:
		return account.ErrNoLicence
	case delta > 0:
		lic.Used++
	case delta < 0 && counted:
		lic.Used--
	case delta < 0:
		// As DynamoDB's release: a count never set starts at zero.
		lic.Used = 0
	}
	s.Store.write(projectID, e, old, it)
	if delta != 0 {
		s.setLocked(projectID, lic)
	}
	return nil
}

func (s *Accounts) setLocked(projectID string, lic account.Licences) {
	if s.licences == nil {
		s.licences = map[string]account.Licences{}
	}
	s.licences[projectID] = lic
}

// Release gives back n licences of the project, as the table's record
// writes do when they delete active accounts: a count never set starts
// at zero.
func (s *Accounts) Release(projectID string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	lic, counted := s.licences[projectID]
	if counted {
		lic.Used -= n
	} else {
		lic.Used = 0
	}
	s.setLocked(projectID, lic)
}

// Licences implements account.Store.
func (s *Accounts) Licences(_ context.Context, projectID string) (account.Licences, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.licences[projectID], nil
}

// SetLicences implements account.Store.
func (s *Accounts) SetLicences(_ context.Context, projectID string, total int) (account.Licences, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	lic := s.licences[projectID]
	lic.Total = total
	s.setLocked(projectID, lic)
	return lic, nil
}

// activeAccount says whether a version (nil: none) is a live active
// account, which holds a licence.
func activeAccount(e *data.Entity, r *data.Record) bool {
	if e.Name != account.Entity || r == nil || r.Deleted {
		return false
	}
	st, _ := r.Values[data.FieldStatus].(string)
	return account.Status(st) == account.Active
}

// licencesFreed counts the licences a plan gives back when it commits:
// the active accounts it deletes less those it leaves active that were
// not. Imports never activate an account on their own (only the accounts
// route may, taking a licence), so a plan that would is refused.
func licencesFreed(p data.Plan) (int, error) {
	n := 0
	for _, c := range p.Changes {
		if activeAccount(c.Entity, c.Old) {
			n++
		}
		if activeAccount(c.Entity, &c.New) {
			n--
		}
	}
	if n < 0 {
		return 0, fmt.Errorf("import of project %s would activate %d accounts: only the accounts route may", p.ProjectID, -n)
	}
	return n, nil
}
