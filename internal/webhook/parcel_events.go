package webhook

import (
	"context"
	"encoding/json"
	"time"
)

// Event types of a parcel's progress, announced by the sweeper (package
// edd's Watcher).
const (
	// TrackingStalled: a parcel had no event for longer than its stall
	// threshold; once per stall, and again only after a new event.
	TrackingStalled = "tracking.stalled"
	// TrackingLate: a parcel still undelivered past the latest of its
	// first estimated delivery; once per parcel.
	TrackingLate = "tracking.late"
)

// Watched is a parcel as its stall and late events describe it.
type Watched struct {
	TrackingNumber string
	Carrier        string
	Tag            string
	LastEventAt    time.Time
	// StalledAt is when the parcel counted as stalled; LateAt the latest
	// of its first estimate.
	StalledAt, LateAt time.Time
}

type stalledData struct {
	ProjectID      string    `json:"projectId"`
	TrackingNumber string    `json:"trackingNumber"`
	Carrier        string    `json:"carrier"`
	Tag            string    `json:"tag"`
	LastEventAt    time.Time `json:"lastEventAt"`
	StalledAt      time.Time `json:"stalledAt"`
}

type lateData struct {
	ProjectID      string    `json:"projectId"`
	TrackingNumber string    `json:"trackingNumber"`
	Carrier        string    `json:"carrier"`
	Tag            string    `json:"tag"`
	LastEventAt    time.Time `json:"lastEventAt"`
	Latest         time.Time `json:"latest"`
}

// StalledEvent is the tracking.stalled event of a parcel for a project,
// and where it is kept. It follows from (project, number, stalledAt): a
// stall found again gives the same event, the next stall (after a new
// event) another. It sits in the feed at the moment the parcel stalled.
func StalledEvent(projectID string, w Watched) (Event, Ref) {
	at := w.StalledAt.UTC()
	ref := Ref{Type: TrackingStalled, Subject: w.TrackingNumber, At: at}
	data, _ := json.Marshal(stalledData{ProjectID: projectID, TrackingNumber: w.TrackingNumber, Carrier: w.Carrier, Tag: w.Tag,
		LastEventAt: w.LastEventAt.UTC(), StalledAt: at})
	return Event{ID: ref.ID(), Type: TrackingStalled, ProjectID: projectID, CreatedAt: at, Data: data}, ref
}

// LateEvent is the tracking.late event of a parcel for a project, and
// where it is kept, at the latest of its first estimate.
func LateEvent(projectID string, w Watched) (Event, Ref) {
	at := w.LateAt.UTC()
	ref := Ref{Type: TrackingLate, Subject: w.TrackingNumber, At: at}
	data, _ := json.Marshal(lateData{ProjectID: projectID, TrackingNumber: w.TrackingNumber, Carrier: w.Carrier, Tag: w.Tag,
		LastEventAt: w.LastEventAt.UTC(), Latest: at})
	return Event{ID: ref.ID(), Type: TrackingLate, ProjectID: projectID, CreatedAt: at, Data: data}, ref
}

// Stalled records and queues the tracking.stalled event of the parcel
// for each project. Recording it again writes the same event.
func (s Service) Stalled(ctx context.Context, projectIDs []string, w Watched) error {
	return s.publish(ctx, projectIDs, w, StalledEvent)
}

// Late records and queues the tracking.late event of the parcel for each
// project.
func (s Service) Late(ctx context.Context, projectIDs []string, w Watched) error {
	return s.publish(ctx, projectIDs, w, LateEvent)
}

// publish writes each project's event, then queues them all: a failure in
// between leaves the caller to announce again, which writes the same
// events and queues them once more (receivers dedupe by event id).
func (s Service) publish(ctx context.Context, projectIDs []string, w Watched, event func(string, Watched) (Event, Ref)) error {
	tasks := make([]Task, 0, len(projectIDs))
	for _, p := range projectIDs {
		ev, ref := event(p, w)
		if err := s.Store.PutEvent(ctx, ev, ref, EventTTL); err != nil {
			return err
		}
		tasks = append(tasks, Task{Kind: KindEvent, ProjectID: p, EventID: ev.ID})
	}
	return s.Queue.Send(ctx, tasks, 0)
}
