package message

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/parcelgate/parcelgate/internal/input"
	"github.com/parcelgate/parcelgate/internal/request"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

// Service injects and processes messages.
type Service struct {
	Store    Store
	Tracking Tracking
	Queue    Queue
	Now      func() time.Time
	NewID    func() string

	// Shipments, when set, are the data exchange's shipment records.
	Shipments ShipmentRecords

	// Webhooks, when set, queues the events of notified changes for
	// delivery to the projects' webhook endpoints.
	Webhooks Announcer
}

// Announcer queues status changes' events for webhook delivery.
type Announcer interface {
	TrackingUpdated(ctx context.Context, projectIDs []string, changes []tracking.Change) error
}

// NotQueuedError reports a stored request that could not be queued.
type NotQueuedError struct {
	Request Request
	Cause   error
}

func (e *NotQueuedError) Error() string { return "request not queued: " + e.Cause.Error() }
func (e *NotQueuedError) Unwrap() error { return e.Cause }

// Inject validates every message on its own, stores the request and
// queues it. Only the shape of the request as a whole can refuse it.
func (s Service) Inject(ctx context.Context, clientID, batchReference string, in []Incoming) (Request, error) {
	switch {
	case strings.TrimSpace(batchReference) == "":
		return Request{}, &input.Error{Code: "MISSING_BATCH_REFERENCE", Field: "batchReference", Message: "batchReference is required: your own reference for this batch", Labelled: true}
	case len(batchReference) > maxReferenceLength:
		return Request{}, &input.Error{Code: "INVALID_BATCH_REFERENCE", Field: "batchReference", Message: fmt.Sprintf("batchReference is at most %d characters", maxReferenceLength), Labelled: true}
	case input.CheckText("batchReference", batchReference, false) != nil:
		return Request{}, &input.Error{Code: "INVALID_BATCH_REFERENCE", Field: "batchReference", Message: input.CheckText("batchReference", batchReference, false).Error(), Labelled: true}
	case len(in) == 0:
		return Request{}, &input.Error{Code: "NO_MESSAGES", Field: "messages", Message: "send 1 to 1,000 messages", Labelled: true}
	case len(in) > MaxMessages:
		return Request{}, &input.Error{Code: "TOO_MANY_MESSAGES", Field: "messages", Message: fmt.Sprintf("a request takes at most 1,000 messages; this one has %d: split it", len(in)), Labelled: true}
	}
	now := s.Now().UTC()
	r := Request{ID: s.NewID(), ClientID: clientID, BatchReference: batchReference, ReceivedAt: now, ExpiresAt: now.Add(RequestTTL)}
	msgs := make([]Message, len(in))
	for i, m := range in {
		msgs[i] = Message{ID: s.NewID(), ExternalReference: m.ExternalReference, Type: m.MessageType, Status: request.Queued}
		if p := validate(m); len(p) > 0 {
			msgs[i].Status, msgs[i].Errors, msgs[i].ProcessedAt = request.Invalid, p, now
			msgs[i] = forStorage(msgs[i])
			continue
		}
		// Only the applied fields of a valid payload are kept, secure
		// details stripped.
		payload, err := storedPayload(m)
		if err != nil {
			return Request{}, fmt.Errorf("message %d: %w", i, err)
		}
		msgs[i].Payload = string(payload)
	}
	r.Summary, r.Facets = summarize(msgs), facetsOf(msgs)
	if err := s.Store.CreateRequest(ctx, r, msgs); err != nil {
		return Request{}, err
	}
	if err := s.Queue.EnqueueMessages(ctx, r.ID); err != nil {
		// Stored but not queued: its valid messages are Cancelled and the
		// caller must send the batch again.
		for i := range msgs {
			if msgs[i].Status == request.Queued {
				msgs[i].Status, msgs[i].ProcessedAt = request.Cancelled, now
			}
		}
		r.Summary, r.Facets, r.ProcessedAt, r.FailureReason = summarize(msgs), facetsOf(msgs), now, "queue unavailable"
		if serr := s.Store.SaveOutcomes(ctx, r, msgs); serr != nil {
			err = errors.Join(err, fmt.Errorf("saving the cancelled outcomes: %w", serr))
		} else if ferr := s.Store.FinishRequest(ctx, r); ferr != nil {
			err = errors.Join(err, fmt.Errorf("finishing the request: %w", ferr))
		}
		return r, &NotQueuedError{Request: r, Cause: err}
	}
	return r, nil
}

func facetsOf(msgs []Message) []request.Facet {
	seen := map[request.Facet]bool{}
	var out []request.Facet
	for _, m := range msgs {
		f := request.Facet{Type: m.Type, Status: m.Status}
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}

func summarize(msgs []Message) request.Summary {
	s := request.Summary{Total: len(msgs)}
	for _, m := range msgs {
		switch m.Status {
		case request.Queued:
			s.Queued++
		case request.Processing:
			s.Processing++
		case request.Cancelled:
			s.Cancelled++
		case request.Failed:
			s.Failed++
		case request.Invalid:
			s.Invalid++
		case request.Complete:
			s.Complete++
		}
	}
	return s
}

// Process applies a request's valid messages. Applying is idempotent and
// outcomes are saved once, so redelivered tasks change nothing more.
func (s Service) Process(ctx context.Context, id string) error {
	r, err := s.Store.Request(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if !r.ProcessedAt.IsZero() {
		return nil
	}
	if err := s.Store.StartRequest(ctx, r, s.Now().UTC()); err != nil && !errors.Is(err, ErrStatusConflict) {
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
		for i := range msgs {
			if msgs[i].Status == request.Queued {
				msgs[i].Status, msgs[i].ProcessedAt = request.Complete, now
			}
		}
		switch err := s.Store.SaveOutcomes(ctx, r, msgs); {
		case errors.Is(err, ErrOutcomesExist):
			if msgs, err = s.Store.Outcomes(ctx, r); err != nil {
				return err
			}
		case err != nil:
			return err
		}
	}
	r.Summary, r.Facets, r.ProcessedAt = summarize(msgs), facetsOf(msgs), s.Now().UTC()
	if err := s.Store.FinishRequest(ctx, r); err != nil && !errors.Is(err, ErrStatusConflict) {
		return err
	}
	return nil
}

// Fail marks a request's unfinished messages Failed after its retries ran out.
func (s Service) Fail(ctx context.Context, id, reason string) error {
	r, err := s.Store.Request(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil || !r.ProcessedAt.IsZero() {
		return err
	}
	msgs, err := s.Store.Messages(ctx, r)
	if err != nil {
		return err
	}
	now := s.Now().UTC()
	for i := range msgs {
		if msgs[i].Status == request.Queued || msgs[i].Status == request.Processing {
			msgs[i].Status, msgs[i].ProcessedAt = request.Failed, now
			msgs[i].Errors = append(msgs[i].Errors, "Unable to process: "+reason+"; send the message again")
		}
	}
	switch err := s.Store.SaveOutcomes(ctx, r, msgs); {
	case errors.Is(err, ErrOutcomesExist):
		if msgs, err = s.Store.Outcomes(ctx, r); err != nil {
			return err
		}
	case err != nil:
		return err
	}
	r.Summary, r.Facets, r.ProcessedAt, r.FailureReason = summarize(msgs), facetsOf(msgs), now, reason
	if err := s.Store.FinishRequest(ctx, r); err != nil && !errors.Is(err, ErrStatusConflict) {
		return err
	}
	return nil
}
