package request

import (
	"context"
	"time"
)

// Store persists requests and their messages, and finds them again. A
// job's request is written by the job store (its status moves with the
// job's); Request, Requests and RequestMessages read requests of every
// kind.
type Store interface {
	// CreateRequest stores a message injection with its messages; the
	// request is visible only once every message is stored.
	CreateRequest(ctx context.Context, r Request, msgs []Message) error
	// Request returns the request of any kind, or ErrNotFound.
	Request(ctx context.Context, id string) (Request, error)
	// StartRequest stores r.Started() as of at, unless r is finished or
	// was never queued: then it returns ErrStatusConflict.
	StartRequest(ctx context.Context, r Request, at time.Time) error
	// Messages returns the request's messages in order, as received.
	Messages(ctx context.Context, r Request) ([]Message, error)
	// SaveOutcomes stores final messages once (without their payloads);
	// later calls get ErrOutcomesExist.
	SaveOutcomes(ctx context.Context, r Request, msgs []Message) error
	// Outcomes returns the saved final messages, or none.
	Outcomes(ctx context.Context, r Request) ([]Message, error)
	// FinishRequest stores a finished request's summary, facets, time and
	// reason unless the request is finished already: then it returns
	// ErrStatusConflict.
	FinishRequest(ctx context.Context, r Request) error
	// CompleteFinish completes what FinishRequest of r, read back finished,
	// may have left undone: a store that finishes in more than one write
	// can be stopped between them, and the request's next delivery finds
	// it finished. It is idempotent; a request not finished is left as it
	// is.
	CompleteFinish(ctx context.Context, r Request) error

	// Lookup returns up to limit entries of the client under key, received
	// in [from, to) (zero to: no upper bound), newest first. They are
	// candidates: under Queued a store may also list requests processing
	// since, so a search keeps those whose own facets match.
	Lookup(ctx context.Context, clientID string, key Key, from, to time.Time, limit int) ([]Entry, error)
	// Requests returns the requests with these ids that exist, of any
	// client and kind: the caller keeps what it may see.
	Requests(ctx context.Context, ids []string) ([]Request, error)
	// RequestMessages returns a request's messages as they stand: a
	// message injection's outcomes once saved, else its messages as
	// received; a job's numbers (see job.RequestMessages).
	RequestMessages(ctx context.Context, r Request) ([]Message, error)
}

// Key names a search partition of a client's requests: a facet, a
// reference, or (zero) all of them.
type Key struct {
	Facet Facet
	Ref   string
}

// Entry is one search hit.
type Entry struct {
	ID         string
	ReceivedAt time.Time
}
