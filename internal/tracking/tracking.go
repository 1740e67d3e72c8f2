// Package tracking holds a parcel's public tracking resource
// (ShipX-compatible tracking): its shipment data, its status history and
// its service history, and the rules that keep it public: secure details
// are never stored in it.
package tracking

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/parcelgate/parcelgate/internal/carrier"
	"github.com/parcelgate/parcelgate/internal/tag"
)

// Errors of the tracking domain.
var (
	// ErrUnknownNumber: no carrier's format matches the number, so the
	// shipment type cannot be identified (ShipX's 400).
	ErrUnknownNumber = errors.New("cannot identify type of shipment")
	// ErrNotFound: a well-formed number with no data (ShipX's 404).
	ErrNotFound = errors.New("tracking information not found")
)

// MaxDetails bounds the status history one response returns: the route is
// public, so its cost must not grow with a parcel's history.
const MaxDetails = 100

// Event is one status change.
type Event struct {
	Status       string
	OriginStatus string // "" is null
	Agency       string // "" is null
	// Tag and Subtag are the status in the one language of every carrier
	// (package tag): as the sender gave them, or classified from Status
	// and OriginStatus (Classify). They are not part of the event's key:
	// the same event sent again is the same event.
	Tag    tag.Tag
	Subtag tag.Subtag
	// Datetime is the time as injected, offset and all; At orders events.
	Datetime string
	At       time.Time
}

// Shipment is what is known of a parcel.
type Shipment struct {
	TrackingNumber string
	Carrier        carrier.Carrier
	Type           string
	Service        string
	Status         string
	// Tag and Subtag are the current status's, in the one status language.
	Tag              tag.Tag
	Subtag           tag.Subtag
	CustomAttributes map[string]any
	CreatedAt        string // as injected; "" is null
	// FirstKnownAt is when parcelgate first heard of the shipment (UTC,
	// RFC 3339): created_at when no Shipment message gave createdAt.
	FirstKnownAt string
	UpdatedAt    string // datetime of the newest event; "" is null
	// ExpectedFlow is the flow a Shipment message gave; nil when none did,
	// and Service.Get then derives it from the type's flow.
	ExpectedFlow     []string
	LastService      string
	ServiceUpdatedAt string
	// Latest is the event of the current status, kept with the status
	// (zero without one). A new number's status moves before its events
	// are stored (the move is what makes the number its sender's), so
	// the history shows Latest until its event is stored too.
	Latest Event
	// Told is the estimated delivery the parcel's followers were told
	// with its newest change they were told of (kept with the mark of
	// how far they were told), nil when none; read by Tracked only.
	Told *EstimatedDelivery
}

// Resource is the tracking resource: the shipment and its newest events.
type Resource struct {
	Shipment
	Details []Event // newest first
	// Estimated is the parcel's estimated delivery, nil when it has none
	// (delivered, or not estimated by the reader).
	Estimated *EstimatedDelivery
}

// Store reads tracking data.
type Store interface {
	// Shipment returns the shipment or ErrNotFound.
	Shipment(ctx context.Context, number string) (Shipment, error)
	// Events returns up to limit events, newest first.
	Events(ctx context.Context, number string, limit int) ([]Event, error)
	// Tracked returns the shipment, or ErrNotFound, and up to limit of its
	// events, newest first, read together: a tracking read's one request.
	Tracked(ctx context.Context, number string, limit int) (Shipment, []Event, error)
}

// Service serves tracking resources.
type Service struct {
	Store Store
}

// Identify normalises a number and finds its carrier.
func Identify(raw string) (string, carrier.Carrier, error) {
	number := carrier.Normalize(raw)
	c, ok := carrier.Detect(number)
	if !ok {
		return number, "", ErrUnknownNumber
	}
	return number, c, nil
}

// Get returns the resource of a number with at most limit events.
func (s Service) Get(ctx context.Context, raw string, limit int) (Resource, error) {
	number, _, err := Identify(raw)
	if err != nil {
		return Resource{}, err
	}
	if limit <= 0 || limit > MaxDetails {
		limit = MaxDetails
	}
	sh, events, err := s.Store.Tracked(ctx, number, limit)
	if err != nil {
		return Resource{}, err
	}
	events = withLatest(events, sh.Latest, limit)
	Classify(sh.Carrier, "", events) // events stored before statuses had tags
	sh.Tag, sh.Subtag = currentTag(sh, events)
	if sh.CreatedAt == "" {
		sh.CreatedAt = sh.FirstKnownAt
	}
	if sh.ExpectedFlow == nil {
		sh.ExpectedFlow = Ahead(sh.Type, sh.Status)
	}
	return Resource{Shipment: sh, Details: events}, nil
}

// FirstKnownLayout formats FirstKnownAt: UTC with milliseconds, like the
// seed's datetimes.
const FirstKnownLayout = "2006-01-02T15:04:05.000Z07:00"

// withLatest returns the newest events (newest first, at most limit)
// with latest among them, in its place, if it is not already.
func withLatest(events []Event, latest Event, limit int) []Event {
	if latest.Status == "" {
		return events
	}
	key := EventKey(latest)
	i := 0
	for ; i < len(events); i++ {
		switch k := EventKey(events[i]); {
		case k == key:
			return events
		case k < key:
			return slices.Insert(events, i, latest)[:min(len(events)+1, limit)]
		}
	}
	if len(events) < limit {
		return append(events, latest)
	}
	return events
}

// ServiceHistory returns the shipment whose service history is asked for.
func (s Service) ServiceHistory(ctx context.Context, raw string) (Shipment, error) {
	number, _, err := Identify(raw)
	if err != nil {
		return Shipment{}, err
	}
	return s.Store.Shipment(ctx, number)
}

// CarrierName is how the ShipX-compatible 404 names a carrier's
// shipments: "InPost Locker" as ShipX words it, else the registry's name.
func CarrierName(c carrier.Carrier) string {
	if c == carrier.InPost {
		return "InPost Locker"
	}
	if info, ok := carrier.Lookup(c); ok {
		return info.Name
	}
	return strings.ToUpper(string(c))
}

// ParseDatetime reads an event time: RFC 3339, with or without fractions.
func ParseDatetime(s string) (time.Time, error) {
	return time.Parse(time.RFC3339Nano, s)
}
