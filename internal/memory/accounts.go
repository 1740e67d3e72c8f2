package memory

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/parcelgate/parcelgate/internal/account"
	"github.com/parcelgate/parcelgate/internal/data"
)

var _ account.Store = (*Accounts)(nil)

// Accounts implements account.Store in memory. Its records are its own:
// an account written here is not seen by another in-memory data store.
type Accounts struct {
	mu       sync.Mutex
	records  map[string]map[string]data.Record // project → entity/code → record
	licences map[string]account.Licences
}

func accountKey(e *data.Entity, code string) string { return e.Name + "/" + code }

// accountStampTick is the resolution DynamoDB keeps record times at
// (data.StampLayout's 7 fractional digits).
const accountStampTick = 100 * time.Nanosecond

// storedAccount is rec as DynamoDB keeps it: only the entity's fields
// with a value, times in UTC at srvDateUTC's resolution, nothing shared
// with the caller.
func storedAccount(e *data.Entity, rec data.Record) (data.Record, error) {
	out := rec
	out.Entity = e.Name
	out.SrvDateUTC = rec.SrvDateUTC.UTC().Truncate(accountStampTick)
	out.Values = make(map[string]any, len(rec.Values))
	for name, v := range rec.Values {
		if _, ok := e.Field(name); !ok || v == nil {
			continue
		}
		switch x := v.(type) {
		case string, int64, data.Dec, bool:
			out.Values[name] = x
		case time.Time:
			out.Values[name] = x.UTC().Truncate(accountStampTick)
		case []byte:
			out.Values[name] = slices.Clone(x)
		default:
			return data.Record{}, fmt.Errorf("record %s.%s: value of type %T", e.Name, name, v)
		}
	}
	return out, nil
}

// copyAccount is a stored record a caller may change freely.
func copyAccount(rec data.Record) data.Record {
	rec.Values = maps.Clone(rec.Values)
	for name, v := range rec.Values {
		if b, ok := v.([]byte); ok {
			rec.Values[name] = slices.Clone(b)
		}
	}
	return rec
}

// Record implements account.Store.
func (s *Accounts) Record(_ context.Context, projectID string, e *data.Entity, code string) (data.Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.records[projectID][accountKey(e, code)]
	if !ok {
		return data.Record{}, data.ErrNotFound
	}
	return copyAccount(rec), nil
}

// SaveAccount implements account.Store.
func (s *Accounts) SaveAccount(_ context.Context, projectID string, e *data.Entity, old *data.Record, rec data.Record, delta int) error {
	stored, err := storedAccount(e, rec)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, exists := s.records[projectID][accountKey(e, rec.Code)]
	switch {
	case old == nil && exists:
		return data.ErrChanged
	case old != nil && (!exists || !cur.SrvDateUTC.Equal(old.SrvDateUTC.UTC().Truncate(accountStampTick))):
		return data.ErrChanged
	}
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
	if s.records == nil {
		s.records, s.licences = map[string]map[string]data.Record{}, map[string]account.Licences{}
	}
	if s.records[projectID] == nil {
		s.records[projectID] = map[string]data.Record{}
	}
	s.records[projectID][accountKey(e, rec.Code)] = stored
	if delta != 0 {
		s.licences[projectID] = lic
	}
	return nil
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
	if s.licences == nil {
		s.records, s.licences = map[string]map[string]data.Record{}, map[string]account.Licences{}
	}
	lic := s.licences[projectID]
	lic.Total = total
	s.licences[projectID] = lic
	return lic, nil
}
