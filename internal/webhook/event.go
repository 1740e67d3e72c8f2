package webhook

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

// Event is one thing that happened in a project, as pushed and pulled.
type Event struct {
	ID        string
	Type      string
	ProjectID string
	CreatedAt time.Time
	Data      json.RawMessage
}

// Ref locates an event: its type, its subject (a tracking number or a job
// id), when it happened and, for tracking.updated, the change's sequence.
// An event's id encodes its Ref, so the id is derived from the stored
// record and is the same in the feed, in every delivery and in a replay.
type Ref struct {
	Type     string
	Subject  string
	At       time.Time
	Sequence int
}

// IsZero tells whether r locates nothing.
func (r Ref) IsZero() bool { return r.Type == "" }

const idPrefix = "evt_"

// refTime is fixed width so ids of one subject sort by time.
const refTime = "20060102T150405.000000000Z"

var errBadEventID = errors.New("not an event id of this service")

// refKinds is the letter an event id gives each type.
var refKinds = map[string]string{TrackingUpdated: "t", TrackingException: "e", JobCompleted: "j", TrackingNumberExpiring: "x", WebhookDisabled: "d",
	TrackingStalled: "s", TrackingLate: "l"}

// ID returns the event id for r.
func (r Ref) ID() string {
	kind := refKinds[r.Type]
	raw := strings.Join([]string{kind, r.At.UTC().Format(refTime), strconv.Itoa(r.Sequence), r.Subject}, "|")
	return idPrefix + base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// ParseEventID returns the Ref an id encodes.
func ParseEventID(id string) (Ref, error) {
	if len(id) > MaxIDBytes || !strings.HasPrefix(id, idPrefix) {
		return Ref{}, errBadEventID
	}
	raw, err := base64.RawURLEncoding.DecodeString(id[len(idPrefix):])
	if err != nil {
		return Ref{}, errBadEventID
	}
	parts := strings.SplitN(string(raw), "|", 4)
	if len(parts) != 4 || parts[3] == "" {
		return Ref{}, errBadEventID
	}
	at, err := time.Parse(refTime, parts[1])
	if err != nil {
		return Ref{}, errBadEventID
	}
	seq, err := strconv.Atoi(parts[2])
	if err != nil || seq < 0 {
		return Ref{}, errBadEventID
	}
	var r Ref
	for t, kind := range refKinds {
		if kind == parts[0] {
			r.Type = t
		}
	}
	if r.Type == "" {
		return Ref{}, errBadEventID
	}
	r.At, r.Sequence, r.Subject = at, seq, parts[3]
	return r, nil
}

// The data of each event type, below, is the webhook contract: the same
// bytes are signed and POSTed to receivers and served by the feed (and
// stored as they are for every type but tracking.updated), so its names
// are this package's published format, described by openapi.yaml's event
// schemas, not a view of the domain types.

type trackingEventData struct {
	Status       string  `json:"status"`
	OriginStatus *string `json:"origin_status"`
	Agency       *string `json:"agency"`
	Datetime     string  `json:"datetime"`
	Tag          string  `json:"tag"`
	Subtag       string  `json:"subtag"`
}

type trackingData struct {
	ProjectID      string            `json:"projectId"`
	TrackingNumber string            `json:"trackingNumber"`
	Carrier        string            `json:"carrier"`
	Status         string            `json:"status"`
	PreviousStatus *string           `json:"previousStatus"`
	Tag            string            `json:"tag"`
	Subtag         string            `json:"subtag"`
	PreviousTag    *string           `json:"previousTag"`
	Sequence       int               `json:"sequence"`
	Event          trackingEventData `json:"event"`
	// EstimatedDelivery is the parcel's estimate when the change was
	// told, null when it had none (delivered, or told before estimates).
	EstimatedDelivery *estimatedDeliveryData `json:"estimatedDelivery"`
	// CarrierEstimatedDelivery is the carrier's own date, as it sent it.
	CarrierEstimatedDelivery *string `json:"carrierEstimatedDelivery"`
}

type estimatedDeliveryData struct {
	Earliest   time.Time `json:"earliest"`
	Likely     time.Time `json:"likely"`
	Latest     time.Time `json:"latest"`
	Confidence string    `json:"confidence"`
	Basis      string    `json:"basis"`
}

func carrierDate(e *tracking.EstimatedDelivery) *string {
	if e == nil {
		return nil
	}
	return optional(e.CarrierDate)
}

func estimatedData(e *tracking.EstimatedDelivery) *estimatedDeliveryData {
	if e == nil {
		return nil
	}
	return &estimatedDeliveryData{Earliest: e.Earliest.UTC().Truncate(time.Second), Likely: e.Likely.UTC().Truncate(time.Second),
		Latest: e.Latest.UTC().Truncate(time.Second), Confidence: e.Confidence, Basis: e.Basis}
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// TrackingEvent is the tracking.updated event of a status change, told to
// projectID.
func TrackingEvent(projectID string, c tracking.Change) Event {
	return changeEvent(TrackingUpdated, projectID, c)
}

// ExceptionEvent is the tracking.exception event of a change that takes a
// parcel into Exception or AttemptFail (tracking.Change.EntersAttention):
// the same data as its tracking.updated event, for receivers that only
// want what needs attention.
func ExceptionEvent(projectID string, c tracking.Change) Event {
	return changeEvent(TrackingException, projectID, c)
}

// ChangeEvents are the events a status change makes for a project.
func ChangeEvents(projectID string, c tracking.Change) []Event {
	if c.EntersAttention() {
		return []Event{TrackingEvent(projectID, c), ExceptionEvent(projectID, c)}
	}
	return []Event{TrackingEvent(projectID, c)}
}

func changeEvent(typ, projectID string, c tracking.Change) Event {
	ref := Ref{Type: typ, Subject: c.TrackingNumber, At: c.At, Sequence: c.Sequence}
	data, _ := json.Marshal(trackingData{
		ProjectID: projectID, TrackingNumber: c.TrackingNumber, Carrier: string(c.Carrier), Status: c.Event.Status,
		PreviousStatus: optional(c.PreviousStatus), Tag: string(c.Event.Tag), Subtag: string(c.Event.Subtag),
		PreviousTag: optional(string(c.PreviousTag)), Sequence: c.Sequence,
		Event: trackingEventData{Status: c.Event.Status, OriginStatus: optional(c.Event.OriginStatus), Agency: optional(c.Event.Agency), Datetime: c.Event.Datetime,
			Tag: string(c.Event.Tag), Subtag: string(c.Event.Subtag)},
		EstimatedDelivery: estimatedData(c.Estimated), CarrierEstimatedDelivery: carrierDate(c.Estimated),
	})
	return Event{ID: ref.ID(), Type: typ, ProjectID: projectID, CreatedAt: c.At.UTC(), Data: data}
}

type jobCounts struct {
	Total         int `json:"total"`
	Added         int `json:"added"`
	Renewed       int `json:"renewed"`
	Removed       int `json:"removed"`
	Invalid       int `json:"invalid"`
	Duplicate     int `json:"duplicate"`
	NotAssociated int `json:"notAssociated"`
	Failed        int `json:"failed"`
}

type jobData struct {
	ProjectID     string    `json:"projectId"`
	JobID         string    `json:"jobId"`
	Action        string    `json:"action"`
	Status        string    `json:"status"`
	Counts        jobCounts `json:"counts"`
	FailureReason *string   `json:"failureReason"`
	CompletedAt   time.Time `json:"completedAt"`
}

// JobEvent is the job.completed event of a job that reached COMPLETED or
// FAILED, and where it is kept.
func JobEvent(j job.Job) (Event, Ref) {
	ref := Ref{Type: JobCompleted, Subject: j.ID, At: j.CompletedAt.UTC()}
	c := j.Counts
	data, _ := json.Marshal(jobData{
		ProjectID: j.ProjectID, JobID: j.ID, Action: string(j.Action), Status: string(j.Status),
		Counts:        jobCounts{c.Total, c.Added, c.Renewed, c.Removed, c.Invalid, c.Duplicate, c.NotAssociated, c.Failed},
		FailureReason: optional(j.FailureReason), CompletedAt: j.CompletedAt.UTC(),
	})
	return Event{ID: ref.ID(), Type: JobCompleted, ProjectID: j.ProjectID, CreatedAt: j.CompletedAt.UTC(), Data: data}, ref
}

// ExpiringNotice is how long before an association expires its
// tracking_number.expiring event is due.
const ExpiringNotice = 3 * 24 * time.Hour

// Expiring is an association of a number to a project and its expiry.
type Expiring struct {
	ProjectID      string
	TrackingNumber string
	Carrier        string
	ExpiresAt      time.Time
}

type expiringData struct {
	ProjectID      string    `json:"projectId"`
	TrackingNumber string    `json:"trackingNumber"`
	Carrier        string    `json:"carrier"`
	ExpiresAt      time.Time `json:"expiresAt"`
}

// ExpiringEvent is the tracking_number.expiring event of an association,
// and where it is kept. Everything in it, its id included, follows from
// (project, number, expiresAt): finding the association again gives the
// same event, and a renewal (a later expiresAt) a new one. It sits in the
// feed at the moment the association entered the notice window.
func ExpiringEvent(a Expiring) (Event, Ref) {
	at := a.ExpiresAt.UTC().Add(-ExpiringNotice)
	ref := Ref{Type: TrackingNumberExpiring, Subject: a.TrackingNumber, At: at}
	data, _ := json.Marshal(expiringData{ProjectID: a.ProjectID, TrackingNumber: a.TrackingNumber, Carrier: a.Carrier, ExpiresAt: a.ExpiresAt.UTC()})
	return Event{ID: ref.ID(), Type: TrackingNumberExpiring, ProjectID: a.ProjectID, CreatedAt: at, Data: data}, ref
}

// Reasons an endpoint is disabled by the sender.
const (
	// DisabledGone: the receiver answered 410 Gone.
	DisabledGone = "gone"
	// DisabledFailing: every delivery failed for FailingLimit.
	DisabledFailing = "failing"
)

type disabledData struct {
	ProjectID  string    `json:"projectId"`
	WebhookID  string    `json:"webhookId"`
	Reason     string    `json:"reason"`
	DisabledAt time.Time `json:"disabledAt"`
}

// DisabledEvent is the webhook.disabled event of an endpoint the sender
// disabled at at, and where it is kept. The endpoint's URL is left out:
// the feed is open to every reader of the project, and a URL may hold the
// receiver's token.
func DisabledEvent(projectID, webhookID, reason string, at time.Time) (Event, Ref) {
	ref := Ref{Type: WebhookDisabled, Subject: webhookID, At: at.UTC()}
	data, _ := json.Marshal(disabledData{ProjectID: projectID, WebhookID: webhookID, Reason: reason, DisabledAt: at.UTC()})
	return Event{ID: ref.ID(), Type: WebhookDisabled, ProjectID: projectID, CreatedAt: at.UTC(), Data: data}, ref
}

// body is what a delivery POSTs.
func (e Event) body() []byte {
	b, _ := json.Marshal(struct {
		Type      string          `json:"type"`
		Timestamp time.Time       `json:"timestamp"`
		Data      json.RawMessage `json:"data"`
	}{e.Type, e.CreatedAt.UTC(), e.Data})
	return b
}
