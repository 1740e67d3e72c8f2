// Package account holds a project's user accounts (weavy's baseuser
// records) and the licences that bound how many of them are active.
//
// The accounts route creates the accounts it does not know and, for the
// ones it knows, changes only their status. Every activation takes a
// licence: the project's count of active accounts moves in the same
// transaction as the account, on the condition that it stays within the
// licences, so no number of concurrent calls can exceed them. An account
// asked active when none is left becomes (or stays) deactivated, and its
// answer says why. An active account that stops existing (a record
// delete, a dataset delete, a relational import's deletes, the source of
// a merge) gives its licence back in the store's transaction that removes
// it; the store's SaveAccount waits for the imports holding the account,
// so the two never both free one licence.
package account

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/parcelgate/parcelgate/internal/data"
	"github.com/parcelgate/parcelgate/internal/input"
	"github.com/parcelgate/parcelgate/internal/project"
)

// Entity is the catalog entity that holds accounts.
const Entity = "baseuser"

// Status is an account's status.
type Status string

// Account statuses of weavy; only active ones take a licence.
const (
	Active      Status = "active"
	Deactivated Status = "deactivated"
	Suspended   Status = "suspended"
)

func parseStatus(s string) (Status, bool) {
	switch st := Status(s); st {
	case Active, Deactivated, Suspended:
		return st, true
	}
	return "", false
}

// Limits of the accounts route.
const (
	// MaxAccounts bounds one call: each account is its own transaction
	// (the licence count is one item), so a call of 200 stays well within
	// the request's deadline.
	MaxAccounts = 200
	// MaxLicences bounds a project's licences.
	MaxLicences = 1_000_000
)

// countSlots bounds the transactions on licence counts one process runs
// at once. They all update one item per project: past a few at a time
// they only collide (DynamoDB cancels them as conflicting, DynamoDB Local
// makes them wait for its item lock), so more would add retries, not
// throughput. Processes still race each other on the count's condition,
// which alone keeps the licences.
var countSlots = make(chan struct{}, 4)

// ErrNoLicence: the activation would exceed the project's licences.
var ErrNoLicence = errors.New("no licence left")

// Request is one account of a call.
type Request struct {
	Code string
	// Values are the fields a new account gets (login, name, email).
	Values map[string]any
	Status Status
}

// Result is what the call did to one account.
type Result struct {
	Code    string
	Status  Status
	Created bool
	Message string
}

// Licences are a project's licences and the active accounts using them.
type Licences struct {
	Total int
	Used  int
}

// Store persists accounts and the licence count.
type Store interface {
	// Record returns the stored account, logically deleted or not, or
	// data.ErrNotFound.
	Record(ctx context.Context, projectID string, e *data.Entity, code string) (data.Record, error)
	// SaveAccount writes rec over old (nil: the code must be free) as
	// data.Store.SaveRecord does, moving the project's active count by
	// delta (-1, 0 or +1) in the same transaction. It returns
	// data.ErrChanged when old is no longer the stored version (whatever
	// the licences), ErrNoLicence when delta is +1 and every licence is in
	// use, data.ErrLocked while an import holds the account (it may be
	// deleting it and freeing its licence), and data.ErrContended when
	// concurrent writes of the count kept colliding: nothing was written
	// and the call may be sent again.
	SaveAccount(ctx context.Context, projectID string, e *data.Entity, old *data.Record, rec data.Record, delta int) error
	// Licences returns the project's licences (zero when never set).
	Licences(ctx context.Context, projectID string) (Licences, error)
	// SetLicences sets the project's licences and returns them.
	SetLicences(ctx context.Context, projectID string, total int) (Licences, error)
}

// Service applies the account rules.
type Service struct {
	Store    Store
	Projects data.Projects
	Catalog  *data.Catalog
	Now      func() time.Time
}

func (s Service) entity() *data.Entity {
	e, ok := s.Catalog.Entity(Entity)
	if !ok {
		panic("catalog has no " + Entity + " entity")
	}
	return e
}

// maxAttempts bounds the retries of an account write lost to a
// concurrent change of the same account.
const maxAttempts = 8

// Apply creates or updates the accounts of body (see ParseRequests) in
// order: earlier accounts of a call get the licences first. The body is
// checked whole first, so bad input changes nothing.
func (s Service) Apply(ctx context.Context, c project.Caller, projectID string, body []byte) ([]Result, error) {
	if err := s.authorize(ctx, c, projectID, project.Role.CanSubmit); err != nil {
		return nil, err
	}
	reqs, err := ParseRequests(s.Catalog, body)
	if err != nil {
		return nil, err
	}
	e := s.entity()
	out := make([]Result, 0, len(reqs))
	for _, req := range reqs {
		res, err := s.apply(ctx, projectID, e, req)
		if err != nil {
			return nil, fmt.Errorf("account %s: %w", req.Code, err)
		}
		out = append(out, res)
	}
	return out, nil
}

func (s Service) apply(ctx context.Context, projectID string, e *data.Entity, req Request) (Result, error) {
	for attempt := 1; ; attempt++ {
		res, err := s.try(ctx, projectID, e, req)
		if !errors.Is(err, data.ErrChanged) {
			return res, err
		}
		if attempt == maxAttempts {
			return Result{}, data.ErrContended
		}
		// A growing, jittered pause, so that writers stop colliding.
		pause := time.Duration(attempt)*5*time.Millisecond + time.Duration(rand.Int64N(int64(10*time.Millisecond)))
		select {
		case <-ctx.Done():
			return Result{}, ctx.Err()
		case <-time.After(pause):
		}
	}
}

// try makes one attempt at an account; data.ErrChanged means another
// writer changed it meanwhile and the attempt must start again.
func (s Service) try(ctx context.Context, projectID string, e *data.Entity, req Request) (Result, error) {
	var old *data.Record
	switch cur, err := s.Store.Record(ctx, projectID, e, req.Code); {
	case err == nil:
		old = &cur
	case !errors.Is(err, data.ErrNotFound):
		return Result{}, err
	}
	created := old == nil || old.Deleted
	var was Status
	rec := data.Record{Entity: e.Name, Code: req.Code, Values: map[string]any{}}
	if created {
		for name, v := range req.Values {
			if v != nil {
				rec.Values[name] = v
			}
		}
	} else {
		// Only the status of a known account changes (weavy-compatible).
		st, _ := old.Values[data.FieldStatus].(string)
		was = Status(st)
		for k, v := range old.Values {
			rec.Values[k] = v
		}
	}
	want := req.Status
	write := func(st Status, delta int) error {
		if delta != 0 {
			select {
			case countSlots <- struct{}{}:
				defer func() { <-countSlots }()
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		rec.Values[data.FieldStatus] = string(st)
		prev := time.Time{}
		if old != nil {
			prev = old.SrvDateUTC
		}
		rec.SrvDateUTC, rec.SrvExport = data.NextStamp(s.Now(), prev), 0
		return s.Store.SaveAccount(ctx, projectID, e, old, rec, delta)
	}
	delta := 0
	switch {
	case want == Active && was != Active:
		delta = 1
	case want != Active && was == Active:
		delta = -1
	}
	if !created && want == was {
		return Result{Code: req.Code, Status: was, Message: "status unchanged"}, nil
	}
	// The count's condition alone decides: no read of the count first,
	// which concurrent activations would make stale anyway.
	err := write(want, delta)
	if errors.Is(err, ErrNoLicence) {
		const msg = "no licence left: the account is deactivated; free a licence by deactivating or suspending an active account, or raise the project's licences"
		if !created && was == Deactivated {
			return Result{Code: req.Code, Status: was, Message: msg}, nil
		}
		if err := write(Deactivated, 0); err != nil {
			return Result{}, err
		}
		return Result{Code: req.Code, Status: Deactivated, Created: created, Message: msg}, nil
	}
	if err != nil {
		return Result{}, err
	}
	msg := "created"
	if !created {
		msg = fmt.Sprintf("status changed from %s to %s", statusText(was), want)
	}
	return Result{Code: req.Code, Status: want, Created: created, Message: msg}, nil
}

func statusText(s Status) string {
	if s == "" {
		return "none"
	}
	return string(s)
}

func (s Service) authorize(ctx context.Context, c project.Caller, projectID string, allowed func(project.Role) bool) error {
	if len(projectID) > data.MaxIDBytes {
		return &input.Error{Field: "projectId", Message: "is at most 200 bytes", Labelled: true}
	}
	_, err := s.Projects.Authorize(ctx, c, projectID, allowed)
	return err
}

// Licences returns the project's licences; any role may read them.
func (s Service) Licences(ctx context.Context, c project.Caller, projectID string) (Licences, error) {
	if err := s.authorize(ctx, c, projectID, project.Role.CanRead); err != nil {
		return Licences{}, err
	}
	return s.Store.Licences(ctx, projectID)
}

// SetLicences sets the project's licences; only an admin may. Lowering
// them under the active accounts deactivates no one: activations wait
// until enough accounts are freed.
func (s Service) SetLicences(ctx context.Context, c project.Caller, projectID string, total int) (Licences, error) {
	if err := s.authorize(ctx, c, projectID, project.Role.CanManage); err != nil {
		return Licences{}, err
	}
	if total < 0 || total > MaxLicences {
		return Licences{}, &input.Error{Field: "licences", Message: fmt.Sprintf("must be a whole number from 0 to %d", MaxLicences), Labelled: true}
	}
	return s.Store.SetLicences(ctx, projectID, total)
}
