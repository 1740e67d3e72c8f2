// Package webhook holds a project's webhook endpoints and the events they
// receive: registration and its rules, the event feed, and delivery with
// Standard Webhooks signatures, retries and replay.
package webhook

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"slices"
	"time"

	"github.com/parcelgate/parcelgate/internal/page"
)

// Event types.
const (
	TrackingUpdated = "tracking.updated"
	// TrackingException: a parcel entered Exception or AttemptFail.
	TrackingException      = "tracking.exception"
	JobCompleted           = "job.completed"
	TrackingNumberExpiring = "tracking_number.expiring"
	// WebhookDisabled: the sender disabled one of the project's endpoints
	// (410 Gone, or failing for FailingLimit); the project's other
	// endpoints that subscribe to it are told.
	WebhookDisabled = "webhook.disabled"
)

// Types are the event types an endpoint may subscribe to.
var Types = []string{TrackingUpdated, TrackingException, JobCompleted, TrackingNumberExpiring, WebhookDisabled,
	TrackingStalled, TrackingLate}

// Limits of registration.
const (
	MaxEndpoints    = 20
	MaxURLBytes     = 2048
	MaxDescription  = 500
	MaxIDBytes      = 200
	SecretBytes     = 32
	SecretPrefix    = "whsec_"
	RotationOverlap = 24 * time.Hour
	// FailingLimit: an endpoint whose deliveries all failed for this long
	// is disabled (as Svix does).
	FailingLimit    = 5 * 24 * time.Hour
	AttemptTTL      = 30 * 24 * time.Hour
	DeliveryTimeout = 15 * time.Second
	// SlowAfter: a delivery unanswered this long marks its endpoint slow
	// for SlowFor, and its deliveries are paced meanwhile (Sender.deliver).
	SlowAfter = 2 * time.Second
	SlowFor   = 10 * time.Minute
	// leaseFor outlasts a delivery, so a lease ends before it expires
	// unless the sender died holding it.
	leaseFor = DeliveryTimeout + 5*time.Second
	// paceWait: a paced delivery that finds the lease taken waits from
	// paceWait to twice that in the queue.
	paceWait          = 5 * time.Second
	replayPage        = 100
	maxQueueDelay     = 15 * time.Minute
	attemptsPageLimit = 100
)

// DefaultSchedule is the wait before each retry of a failed delivery
// (Standard Webhooks / Svix): eight attempts over about 28 hours.
var DefaultSchedule = []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}

var (
	// ErrNotFound: no such endpoint in the project.
	ErrNotFound = errors.New("webhook not found")
	// ErrEventNotFound: no such event in the project (or it expired).
	ErrEventNotFound = errors.New("event not found")
)

// Endpoint is a receiver of a project's events.
type Endpoint struct {
	ID          string
	ProjectID   string
	URL         string
	Events      []string
	Enabled     bool
	Description string
	CreatedAt   time.Time
	// Secret signs deliveries; PreviousSecret also signs them until
	// PreviousSecretExpiresAt, so a receiver can switch without a gap.
	Secret                  string
	PreviousSecret          string
	PreviousSecretExpiresAt time.Time
	// FailingSince is when the first of the deliveries failing since the
	// last success failed; zero while deliveries succeed.
	FailingSince time.Time
	// DisabledReason (DisabledGone or DisabledFailing) and DisabledAt say
	// why and when the sender disabled the endpoint; enabling it clears
	// them, and an admin's disabling sets none.
	DisabledReason string
	DisabledAt     time.Time
	// DisabledEvent is the id of the webhook.disabled event recorded when
	// the sender disabled the endpoint, until it is queued for delivery.
	DisabledEvent string
	// SlowUntil: a delivery to the endpoint was slow; until then its
	// deliveries are paced (see Sender.deliver).
	SlowUntil time.Time
}

// Subscribes tells whether the endpoint wants events of type t.
func (e Endpoint) Subscribes(t string) bool { return slices.Contains(e.Events, t) }

// secrets returns the secrets that sign a delivery at now.
func (e Endpoint) secrets(now time.Time) []string {
	out := []string{e.Secret}
	if e.PreviousSecret != "" && now.Before(e.PreviousSecretExpiresAt) {
		out = append(out, e.PreviousSecret)
	}
	return out
}

// Attempt statuses.
const (
	// Pending: failed, and its retry is due. Once the retry runs, or is
	// dropped (the endpoint disabled, the event expired), the attempt is
	// settled Failed: only a delivery's newest attempt is ever pending.
	Pending   = "pending"
	Succeeded = "succeeded"
	// Failed: failed; a retry that followed is an attempt of its own.
	Failed = "failed"
)

// Attempt is one delivery of an event to an endpoint.
type Attempt struct {
	WebhookID      string
	EventID        string
	Type           string
	Attempt        int
	Status         string
	ResponseStatus int // 0 when no response came
	Duration       time.Duration
	At             time.Time
}

// Store keeps endpoints, events and attempts.
type Store interface {
	// PutEndpoint writes a new endpoint; it writes nothing, and returns an
	// error, when the project has one with e's id.
	PutEndpoint(ctx context.Context, e Endpoint) error
	// UpdateEndpoint writes e only if it exists (ErrNotFound otherwise).
	UpdateEndpoint(ctx context.Context, e Endpoint) error
	// Endpoint returns a project's endpoint or ErrNotFound.
	Endpoint(ctx context.Context, projectID, id string) (Endpoint, error)
	// Endpoints lists a project's endpoints by id.
	Endpoints(ctx context.Context, projectID string) ([]Endpoint, error)
	// DeleteEndpoint deletes an endpoint; a missing one is no error.
	DeleteEndpoint(ctx context.Context, projectID, id string) error
	// DisableEndpoint disables an enabled endpoint for reason and records
	// ev, its webhook.disabled event, at once: the endpoint keeps reason
	// and the event's time as DisabledReason and DisabledAt, and the
	// event's id as DisabledEvent until DisabledAnnounced. It returns
	// false, and records nothing, when the endpoint is not enabled (or not
	// found).
	DisableEndpoint(ctx context.Context, projectID, id, reason string, ev Event, ref Ref, ttl time.Duration) (bool, error)
	// DisabledAnnounced records that the endpoint's DisabledEvent eventID
	// is queued.
	DisabledAnnounced(ctx context.Context, projectID, id, eventID string) error
	// MarkSlow paces the endpoint's deliveries until until. This and the
	// other marks below change nothing, and return no error, for an
	// endpoint that is gone.
	MarkSlow(ctx context.Context, projectID, id string, until time.Time) error
	// Lease takes the endpoint's delivery lease until until, if no other
	// delivery holds it at now (a lease ending at now still holds); it
	// returns whether it did. Of concurrent leases one wins.
	Lease(ctx context.Context, projectID, id string, now, until time.Time) (bool, error)
	// Release gives back the lease taken until until.
	Release(ctx context.Context, projectID, id string, until time.Time) error
	// MarkFailing records a failed delivery at at, and returns when the
	// endpoint started failing (at, unless it already was).
	MarkFailing(ctx context.Context, projectID, id string, at time.Time) (time.Time, error)
	// ClearFailing records a success after failures.
	ClearFailing(ctx context.Context, projectID, id string) error

	// FeedEvent reads one event of a project.
	FeedEvent(ctx context.Context, projectID string, ref Ref) (Event, error)
	// FeedEvents lists a project's unexpired events oldest first, at most
	// limit: those after ref when it is set, else from since on.
	FeedEvents(ctx context.Context, projectID string, after Ref, since time.Time, limit int) ([]Event, error)
	// PutEvent records an event that is not a tracking notification.
	PutEvent(ctx context.Context, ev Event, ref Ref, ttl time.Duration) error

	// PutAttempt records an attempt, kept ttl, and returns the record's
	// key; two attempts of one instant are two records.
	PutAttempt(ctx context.Context, a Attempt, ttl time.Duration) (string, error)
	// SettleAttempt makes the webhook's attempt recorded under key Failed
	// if it is Pending; any other, or none, is left as it is.
	SettleAttempt(ctx context.Context, webhookID, key string) error
	// Attempts pages through a webhook's attempts, newest first; a cursor
	// of another webhook's is page.ErrBadCursor.
	Attempts(ctx context.Context, webhookID string, req page.Request) (page.Page[Attempt], error)
}

// ExpiryStore finds the associations whose tracking_number.expiring event
// is due.
type ExpiryStore interface {
	// ExpiringBetween lists associations expiring after from and up to to
	// that have had no event for that expiry, at most limit.
	ExpiringBetween(ctx context.Context, from, to time.Time, limit int) ([]Expiring, error)
	// ExpiryNoticed records that a's event is recorded and queued, unless
	// a's expiry moved (renewed) or a was removed meanwhile.
	ExpiryNoticed(ctx context.Context, a Expiring) error
}

// Queue carries delivery tasks to the sender.
type Queue interface {
	// Send queues tasks, visible after delay (at most 15 minutes).
	Send(ctx context.Context, tasks []Task, delay time.Duration) error
}

// Task kinds.
const (
	// KindEvent fans an event out to the project's subscribed endpoints.
	KindEvent = "event"
	// KindDelivery delivers an event to one endpoint.
	KindDelivery = "delivery"
	// KindReplay queues the deliveries of every event since a time.
	KindReplay = "replay"
)

// Task is the body of one delivery queue message: it names what to send,
// never carries the event itself.
type Task struct {
	Kind      string
	ProjectID string
	EventID   string
	WebhookID string
	Attempt   int
	// NotBefore holds a retry back when its wait is longer than the
	// queue's 15-minute delay: the sender queues it again until due.
	NotBefore time.Time
	// Since and After (an event id) are where a replay continues.
	Since time.Time
	After string
	// Pending is the key of the pending attempt a retry follows, settled
	// when the retry runs or is dropped.
	Pending string
}

// NewSecret returns a fresh signing secret.
func NewSecret() string {
	b := make([]byte, SecretBytes)
	_, _ = rand.Read(b)
	return SecretPrefix + base64.StdEncoding.EncodeToString(b)
}
