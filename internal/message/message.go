// Package message holds message injection (message gateway): a caller sends up to
// 1,000 messages in one request, each is validated on its own, the valid
// ones are queued and applied to the tracking data, and every message
// ends Complete, Invalid or Failed. Requests and messages are package
// request's, stored through its request.Store.
package message

import (
	"context"
	"time"

	"github.com/parcelgate/parcelgate/internal/tracking"
)

// Limits.
const (
	MaxMessages          = 1000
	MaxPayloadBytes      = 16 << 10
	maxReferenceLength   = 128
	RequestTTL           = 90 * 24 * time.Hour
	NotificationTTL      = 40 * 24 * time.Hour
	maxErrorsPerMessage  = 10
	maxStatusLength      = 64
	maxAgencyLength      = 128
	maxServiceNameLength = 64
)

// Message types.
const (
	TypeTrackingEvent = "TrackingEvent"
	TypeShipment      = "Shipment"
	TypeServiceChange = "ServiceChange"
)

// Incoming is one message as the caller sends it.
type Incoming struct {
	MessageType       string
	ExternalReference string
	Payload           []byte
	// Problems are what made the message unreadable (DecodeIncoming).
	Problems []string
}

// Tracking applies messages to the tracking data. Each call is idempotent.
type Tracking interface {
	// States reads the state of numbers; a number without data has the
	// zero State.
	States(ctx context.Context, numbers []string) (map[string]tracking.State, error)
	// Claim makes clientID the owner of each number that has none,
	// atomically per number, and returns every number's owner afterwards:
	// of two clients claiming one number at once, one wins.
	// known is when the numbers' data first arrived, kept as their
	// first-known time (created_at when a shipment gives none).
	Claim(ctx context.Context, clientID string, numbers []string, known time.Time) (map[string]string, error)
	// PutShipment sets the shipment data of a number.
	PutShipment(ctx context.Context, s tracking.Shipment) error
	// PutEvents stores the events of many numbers; an event delivered
	// again is stored once.
	PutEvents(ctx context.Context, events map[string][]tracking.Event) error
	// Advance applies each move, with its pending changes, in one write per
	// number, unless the number's state is no longer the move's From
	// (another processor moved it); it returns the numbers of those. A
	// move marked Unsubscribed also makes the number's State.Notified at
	// least the move's sequence, in the same write.
	Advance(ctx context.Context, moves []tracking.Move) (conflicts []string, err error)
	// SetService records a service change, kept if it is the newest.
	SetService(ctx context.Context, number, service, datetime string, at time.Time) error
	// Subscribers lists, per number, the projects it is associated with
	// now; numbers without any are absent.
	Subscribers(ctx context.Context, numbers []string, now time.Time) (map[string][]string, error)
	// Notify records, for each change, that every project subscribing
	// its number (subscribers, by number) must be told of it; one record
	// per project and change, kept ttl after the change, so recording it
	// again changes nothing. The changes may be of many numbers.
	Notify(ctx context.Context, subscribers map[string][]string, changes []tracking.Change, ttl time.Duration) error
	// MarkNotified records up to which sequence each number's subscribers
	// were told, and the estimate they were told with (estimates, by
	// number; none for a number absent), which Tracked reads back as the
	// shipment's Told. States reports the larger of this and what
	// Unsubscribed moves recorded.
	MarkNotified(ctx context.Context, sequences map[string]int, estimates map[string]*tracking.EstimatedDelivery) error
}

// Queue hands requests to the processor.
type Queue interface {
	EnqueueMessages(ctx context.Context, requestID string) error
}
