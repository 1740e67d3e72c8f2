package webhook

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/sync/errgroup"

	"github.com/parcelgate/parcelgate/internal/input"
	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/page"
	"github.com/parcelgate/parcelgate/internal/project"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

// EventTTL is how long an event stays in the feed and can be replayed:
// as long as the notification records it is read from.
const EventTTL = 40 * 24 * time.Hour

// Jobs reads a job.
type Jobs interface {
	Job(ctx context.Context, id string) (job.Job, error)
}

// Service manages a project's endpoints, serves its event feed and queues
// events for delivery.
type Service struct {
	Store    Store
	Expiry   ExpiryStore
	Queue    Queue
	Jobs     Jobs
	Projects project.Service
	Targets  Targets
	Now      func() time.Time
	NewID    func() string
	// Listeners is the process's memory of which projects have endpoints
	// (see ListenersFor); nil reads the project's endpoints every time.
	Listeners *Listeners
	// Endpoints is the memory of the sender in the same process, if any
	// (see EndpointsFor): a change made here is delivered at once.
	Endpoints *EndpointCache
}

// Input is what a caller sets on an endpoint; nil leaves a field as is.
type Input struct {
	URL         *string
	Events      *[]string
	Enabled     *bool
	Description *string
}

func (s Service) manage(ctx context.Context, c project.Caller, projectID string) error {
	_, err := s.Projects.Authorize(ctx, c, projectID, project.Role.CanManage)
	return err
}

func (s Service) apply(ctx context.Context, e *Endpoint, in Input) error {
	if in.URL != nil {
		if err := s.Targets.Check(ctx, *in.URL); err != nil {
			return err
		}
		e.URL = *in.URL
	}
	if in.Events != nil {
		if len(*in.Events) == 0 {
			return &input.Error{Field: "events", Message: "name at least one of " + strings.Join(Types, ", "), Labelled: true}
		}
		var events []string
		for _, t := range *in.Events {
			if !slices.Contains(Types, t) {
				return &input.Error{Field: "events", Message: fmt.Sprintf("unknown event type %q: use %s", t, strings.Join(Types, ", ")), Labelled: true}
			}
			if !slices.Contains(events, t) {
				events = append(events, t)
			}
		}
		e.Events = events
	}
	if in.Description != nil {
		if !utf8.ValidString(*in.Description) || len(*in.Description) > MaxDescription {
			return &input.Error{Field: "description", Message: fmt.Sprintf("at most %d bytes of text", MaxDescription), Labelled: true}
		}
		e.Description = *in.Description
	}
	if in.Enabled != nil {
		e.Enabled = *in.Enabled
		if e.Enabled {
			// A fresh start after an outage.
			e.FailingSince, e.DisabledReason, e.DisabledAt = time.Time{}, "", time.Time{}
		}
	}
	return nil
}

// Create registers an endpoint; the result carries its secret, which no
// read shows again.
func (s Service) Create(ctx context.Context, c project.Caller, projectID string, in Input) (Endpoint, error) {
	if err := s.manage(ctx, c, projectID); err != nil {
		return Endpoint{}, err
	}
	if in.URL == nil {
		return Endpoint{}, &input.Error{Field: "url", Message: "required", Labelled: true}
	}
	if in.Events == nil {
		return Endpoint{}, &input.Error{Field: "events", Message: "required: " + strings.Join(Types, ", "), Labelled: true}
	}
	e := Endpoint{ID: "wh_" + s.NewID(), ProjectID: projectID, Enabled: true, CreatedAt: s.Now().UTC(), Secret: NewSecret()}
	if err := s.apply(ctx, &e, in); err != nil {
		return Endpoint{}, err
	}
	existing, err := s.Store.Endpoints(ctx, projectID)
	if err != nil {
		return Endpoint{}, err
	}
	if len(existing) >= MaxEndpoints {
		return Endpoint{}, &input.Error{Field: "url", Message: fmt.Sprintf("a project has at most %d endpoints; delete one first", MaxEndpoints), Labelled: true}
	}
	defer s.forget(projectID, e.ID)
	return e, s.Store.PutEndpoint(ctx, e)
}

// List returns a project's endpoints.
func (s Service) List(ctx context.Context, c project.Caller, projectID string) ([]Endpoint, error) {
	if err := s.manage(ctx, c, projectID); err != nil {
		return nil, err
	}
	return s.Store.Endpoints(ctx, projectID)
}

// Get returns one endpoint.
func (s Service) Get(ctx context.Context, c project.Caller, projectID, id string) (Endpoint, error) {
	if err := s.manage(ctx, c, projectID); err != nil {
		return Endpoint{}, err
	}
	return s.endpoint(ctx, projectID, id)
}

func (s Service) endpoint(ctx context.Context, projectID, id string) (Endpoint, error) {
	if len(id) > MaxIDBytes {
		return Endpoint{}, &input.Error{Field: "webhookId", Message: fmt.Sprintf("at most %d bytes", MaxIDBytes), Labelled: true}
	}
	return s.Store.Endpoint(ctx, projectID, id)
}

// Update changes an endpoint's url, events, enabled or description.
func (s Service) Update(ctx context.Context, c project.Caller, projectID, id string, in Input) (Endpoint, error) {
	e, err := s.Get(ctx, c, projectID, id)
	if err != nil {
		return Endpoint{}, err
	}
	if err := s.apply(ctx, &e, in); err != nil {
		return Endpoint{}, err
	}
	defer s.forget(projectID, id)
	return e, s.Store.UpdateEndpoint(ctx, e)
}

// Delete removes an endpoint; deliveries queued for it are dropped.
func (s Service) Delete(ctx context.Context, c project.Caller, projectID, id string) error {
	if _, err := s.Get(ctx, c, projectID, id); err != nil {
		return err
	}
	defer s.forget(projectID, id)
	return s.Store.DeleteEndpoint(ctx, projectID, id)
}

// Rotate gives an endpoint a new secret; the old one keeps signing
// deliveries, next to the new one, for RotationOverlap.
func (s Service) Rotate(ctx context.Context, c project.Caller, projectID, id string) (Endpoint, error) {
	e, err := s.Get(ctx, c, projectID, id)
	if err != nil {
		return Endpoint{}, err
	}
	e.PreviousSecret, e.PreviousSecretExpiresAt = e.Secret, s.Now().UTC().Add(RotationOverlap)
	e.Secret = NewSecret()
	defer s.forget(projectID, id)
	return e, s.Store.UpdateEndpoint(ctx, e)
}

// Attempts lists an endpoint's delivery attempts, newest first.
func (s Service) Attempts(ctx context.Context, c project.Caller, projectID, id string, req page.Request) (page.Page[Attempt], error) {
	if _, err := s.Get(ctx, c, projectID, id); err != nil {
		return page.Page[Attempt]{}, err
	}
	return s.Store.Attempts(ctx, id, req)
}

// Replay delivers again, with their original ids, one event (eventID) or
// every event since a time, to one endpoint.
func (s Service) Replay(ctx context.Context, c project.Caller, projectID, id, eventID string, since time.Time) error {
	e, err := s.Get(ctx, c, projectID, id)
	if err != nil {
		return err
	}
	if !e.Enabled {
		return &input.Error{Field: "webhookId", Message: "the endpoint is disabled; enable it (PATCH enabled: true) before replaying", Labelled: true}
	}
	if eventID != "" {
		ref, err := ParseEventID(eventID)
		if err != nil {
			return &input.Error{Field: "eventId", Message: "not an event id of this service", Labelled: true}
		}
		if _, err := s.Store.FeedEvent(ctx, projectID, ref); err != nil {
			return err
		}
		return s.Queue.Send(ctx, []Task{{Kind: KindDelivery, ProjectID: projectID, WebhookID: id, EventID: eventID, Attempt: 1}}, 0)
	}
	return s.Queue.Send(ctx, []Task{{Kind: KindReplay, ProjectID: projectID, WebhookID: id, Since: since.UTC()}}, 0)
}

// Feed returns a project's events oldest first, after the cursor (an
// event id). The next cursor is the last event's id, or the cursor given
// when there is nothing newer, so a poller always has one to continue.
func (s Service) Feed(ctx context.Context, c project.Caller, projectID string, req page.Request) (page.Page[Event], error) {
	if _, err := s.Projects.Authorize(ctx, c, projectID, project.Role.CanRead); err != nil {
		return page.Page[Event]{}, err
	}
	var after Ref
	if req.Cursor != "" {
		var err error
		if after, err = ParseEventID(req.Cursor); err != nil {
			return page.Page[Event]{}, page.ErrBadCursor
		}
	}
	events, err := s.Store.FeedEvents(ctx, projectID, after, time.Time{}, req.Limit)
	if err != nil {
		return page.Page[Event]{}, err
	}
	next := req.Cursor
	if len(events) > 0 {
		next = events[len(events)-1].ID
	}
	return page.Page[Event]{Items: events, NextCursor: next}, nil
}

// TrackingUpdated queues the deliveries of the events of changes
// (tracking.updated, and tracking.exception for those entering Exception
// or AttemptFail) to the enabled endpoints, as read within ListenersFor,
// of the projects subscribing the number that subscribe to the event's
// type: a project with none keeps the events in its feed only. The
// notification records are written first: a crash before this leaves the
// changes unnotified, and the retry that writes them again queues them
// again.
func (s Service) TrackingUpdated(ctx context.Context, projectIDs []string, changes []tracking.Change) error {
	var tasks []Task
	for _, p := range projectIDs {
		endpoints, err := s.enabled(ctx, p)
		if err != nil {
			return err
		}
		for _, c := range changes {
			for _, ev := range ChangeEvents(p, c) {
				for _, e := range endpoints {
					if e.Subscribes(ev.Type) {
						tasks = append(tasks, Task{Kind: KindDelivery, ProjectID: p, WebhookID: e.ID, EventID: ev.ID, Attempt: 1})
					}
				}
			}
		}
	}
	if len(tasks) == 0 {
		return nil
	}
	return s.Queue.Send(ctx, tasks, 0)
}

// enabled returns a project's enabled endpoints.
func (s Service) enabled(ctx context.Context, projectID string) ([]Endpoint, error) {
	l := s.Listeners
	if l == nil {
		l = &Listeners{} // remembered by nobody: read every time
	}
	return l.enabled(ctx, s.Store, projectID, s.Now())
}

// forget drops the process's memory of a project whose endpoint id it
// changed, so that its own next change and delivery see it at once.
func (s Service) forget(projectID, id string) {
	if s.Listeners != nil {
		s.Listeners.forget(projectID)
	}
	s.Endpoints.forget(projectID, id)
}

// JobFinished records and queues the job.completed event of a job that is
// COMPLETED or FAILED. The event's key and content come from the stored
// job, so calling it again (a redelivered task) writes the same event.
func (s Service) JobFinished(ctx context.Context, jobID string) error {
	j, err := s.Jobs.Job(ctx, jobID)
	if errors.Is(err, job.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if j.Status != job.Completed && j.Status != job.Failed {
		return nil
	}
	ev, ref := JobEvent(j)
	if err := s.Store.PutEvent(ctx, ev, ref, EventTTL); err != nil {
		return err
	}
	return s.Queue.Send(ctx, []Task{{Kind: KindEvent, ProjectID: j.ProjectID, EventID: ev.ID}}, 0)
}

// expiringPerRun bounds the associations one check handles; the rest wait
// for the next run, a minute later.
const expiringPerRun = 1000

// CheckExpiring records and queues the tracking_number.expiring event of
// each association that expires within ExpiringNotice and has had no event
// for that expiry, and returns how many it found. The scheduled sweeper
// calls it every minute. An event is written, then queued, then the
// association marked as noticed: a check stopped in between finds the
// association again and writes and queues the same event (same id), so
// none is lost and a retry invents none; a renewal moves the expiry, and
// the renewed association gets its own event three days before it.
func (s Service) CheckExpiring(ctx context.Context) (int, error) {
	now := s.Now().UTC()
	due, err := s.Expiry.ExpiringBetween(ctx, now, now.Add(ExpiringNotice), expiringPerRun)
	if err != nil || len(due) == 0 {
		return 0, err
	}
	tasks := make([]Task, len(due))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(expiringConcurrency)
	for i, a := range due {
		g.Go(func() error {
			ev, ref := ExpiringEvent(a)
			tasks[i] = Task{Kind: KindEvent, ProjectID: a.ProjectID, EventID: ev.ID}
			return s.Store.PutEvent(gctx, ev, ref, EventTTL)
		})
	}
	if err := g.Wait(); err != nil {
		return 0, err
	}
	if err := s.Queue.Send(ctx, tasks, 0); err != nil {
		return 0, err
	}
	g, gctx = errgroup.WithContext(ctx)
	g.SetLimit(expiringConcurrency)
	for _, a := range due {
		g.Go(func() error { return s.Expiry.ExpiryNoticed(gctx, a) })
	}
	return len(due), g.Wait()
}

// expiringConcurrency bounds the writes of a check in flight at once.
const expiringConcurrency = 8
