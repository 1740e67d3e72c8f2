package message

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/parcelgate/parcelgate/internal/input"
	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/request"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

// Service injects and processes messages.
type Service struct {
	Store    request.Store
	Tracking Tracking
	Queue    Queue
	Now      func() time.Time
	NewID    func() string

	// Shipments, when set, are the data exchange's shipment records.
	Shipments ShipmentRecords

	// Webhooks, when set, queues the events of notified changes for
	// delivery to the projects' webhook endpoints.
	Webhooks Announcer

	// Unmapped, when set, tallies the raw statuses no mapping table knows.
	Unmapped UnmappedStore

	// Associations, when set, shows each number's current tag on its
	// associations, so a project's numbers can be listed by tag.
	Associations TagSetter

	// Deliveries, when set, learns transit times from parcels delivered.
	Deliveries DeliveryRecorder

	// Estimates, when set, estimates the delivery of every parcel whose
	// subscribers are told of a change.
	Estimates Estimator

	// CarrierDates, when set, keeps the delivery dates carriers send.
	CarrierDates CarrierDates

	// Watches, when set, keeps followed parcels' stall and late watches.
	Watches ParcelWatcher
}

// TagSetter sets the current tag of numbers on their associations.
type TagSetter interface {
	SetTags(ctx context.Context, updates []job.TagUpdate) error
}

// Announcer queues status changes' events for webhook delivery.
type Announcer interface {
	TrackingUpdated(ctx context.Context, projectIDs []string, changes []tracking.Change) error
}

// NotQueuedError reports a stored request that could not be queued.
type NotQueuedError struct {
	Request request.Request
	Cause   error
}

func (e *NotQueuedError) Error() string { return "request not queued: " + e.Cause.Error() }
func (e *NotQueuedError) Unwrap() error { return e.Cause }

// Inject validates every message on its own, stores the request and
// queues it. Only the shape of the request as a whole can refuse it.
func (s Service) Inject(ctx context.Context, clientID, batchReference string, in []Incoming) (request.Request, error) {
	switch {
	case strings.TrimSpace(batchReference) == "":
		return request.Request{}, &input.Error{Code: "MISSING_BATCH_REFERENCE", Field: "batchReference", Message: "batchReference is required: your own reference for this batch", Labelled: true}
	case len(batchReference) > maxReferenceLength:
		return request.Request{}, &input.Error{Code: "INVALID_BATCH_REFERENCE", Field: "batchReference", Message: fmt.Sprintf("batchReference is at most %d characters", maxReferenceLength), Labelled: true}
	case input.CheckText("batchReference", batchReference, false) != nil:
		return request.Request{}, &input.Error{Code: "INVALID_BATCH_REFERENCE", Field: "batchReference", Message: input.CheckText("batchReference", batchReference, false).Error(), Labelled: true}
	case len(in) == 0:
		return request.Request{}, &input.Error{Code: "NO_MESSAGES", Field: "messages", Message: "send 1 to 1,000 messages", Labelled: true}
	case len(in) > MaxMessages:
		return request.Request{}, &input.Error{Code: "TOO_MANY_MESSAGES", Field: "messages", Message: fmt.Sprintf("a request takes at most 1,000 messages; this one has %d: split it", len(in)), Labelled: true}
	}
	now := s.Now().UTC()
	r := request.Request{ID: s.NewID(), Kind: request.KindMessages, ClientID: clientID, BatchReference: batchReference, ReceivedAt: now, ExpiresAt: now.Add(RequestTTL)}
	msgs := make([]request.Message, len(in))
	for i, m := range in {
		msgs[i] = request.Message{ID: s.NewID(), ExternalReference: m.ExternalReference, Type: m.MessageType, Status: request.Queued}
		if p := validate(m); len(p) > 0 {
			msgs[i] = forStorage(msgs[i].Reject(now, p...))
			continue
		}
		// Only the applied fields of a valid payload are kept, secure
		// details stripped.
		payload, err := storedPayload(m)
		if err != nil {
			return request.Request{}, fmt.Errorf("message %d: %w", i, err)
		}
		msgs[i].Payload = string(payload)
	}
	r.Summary, r.Facets = request.Summarize(msgs), request.FacetsOf(msgs)
	if err := s.Store.CreateRequest(ctx, r, msgs); err != nil {
		return request.Request{}, err
	}
	if err := s.Queue.EnqueueMessages(ctx, r.ID); err != nil {
		// Stored but not queued: its valid messages are Cancelled and the
		// caller must send the batch again.
		request.SettleAll(msgs, request.Cancelled, now, "")
		r = r.Finish(msgs, now, "queue unavailable")
		if serr := s.Store.SaveOutcomes(ctx, r, msgs); serr != nil {
			err = errors.Join(err, fmt.Errorf("saving the cancelled outcomes: %w", serr))
		} else if ferr := s.Store.FinishRequest(ctx, r); ferr != nil {
			err = errors.Join(err, fmt.Errorf("finishing the request: %w", ferr))
		}
		return r, &NotQueuedError{Request: r, Cause: err}
	}
	return r, nil
}

// request returns the message injection id names, or request.ErrNotFound
// (a job is a request of another kind).
func (s Service) request(ctx context.Context, id string) (request.Request, error) {
	r, err := s.Store.Request(ctx, id)
	if err == nil && r.Kind != request.KindMessages {
		return request.Request{}, request.ErrNotFound
	}
	return r, err
}

// Process applies a request's valid messages. Applying is idempotent and
// outcomes are saved once, so redelivered tasks change nothing more; a
// redelivered task of a finished request completes its finish (see
// request.Store.CompleteFinish) and does nothing else.
func (s Service) Process(ctx context.Context, id string) error {
	r, err := s.request(ctx, id)
	if errors.Is(err, request.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if r.Finished() {
		// A processor that died finishing it may have left the finish
		// half done; this delivery completes it.
		return s.Store.CompleteFinish(ctx, r)
	}
	if err := s.Store.StartRequest(ctx, r, s.Now().UTC()); err != nil && !errors.Is(err, request.ErrStatusConflict) {
		return err
	}
	msgs, err := s.Store.Outcomes(ctx, r)
	if err != nil {
		return err
	}
	if len(msgs) == 0 {
		if msgs, err = s.Store.Messages(ctx, r); err != nil {
			return err
		}
		now := s.Now().UTC()
		if err := s.apply(ctx, r.ClientID, msgs, now); err != nil {
			return err
		}
		request.SettleAll(msgs, request.Complete, now, "")
		switch err := s.Store.SaveOutcomes(ctx, r, msgs); {
		case errors.Is(err, request.ErrOutcomesExist):
			if msgs, err = s.Store.Outcomes(ctx, r); err != nil {
				return err
			}
		case err != nil:
			return err
		}
	}
	r = r.Finish(msgs, s.Now().UTC(), "")
	if err := s.Store.FinishRequest(ctx, r); err != nil && !errors.Is(err, request.ErrStatusConflict) {
		return err
	}
	return nil
}

// Fail marks a request's unfinished messages Failed after its retries ran out.
func (s Service) Fail(ctx context.Context, id, reason string) error {
	r, err := s.request(ctx, id)
	if errors.Is(err, request.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if r.Finished() {
		// Its last attempt may have died finishing it.
		return s.Store.CompleteFinish(ctx, r)
	}
	msgs, err := s.Store.Messages(ctx, r)
	if err != nil {
		return err
	}
	now := s.Now().UTC()
	request.SettleAll(msgs, request.Failed, now, "Unable to process: "+reason+"; send the message again")
	switch err := s.Store.SaveOutcomes(ctx, r, msgs); {
	case errors.Is(err, request.ErrOutcomesExist):
		if msgs, err = s.Store.Outcomes(ctx, r); err != nil {
			return err
		}
	case err != nil:
		return err
	}
	r = r.Finish(msgs, now, reason)
	if err := s.Store.FinishRequest(ctx, r); err != nil && !errors.Is(err, request.ErrStatusConflict) {
		return err
	}
	return nil
}
