package webhook

import (
	"context"
	"sync"
	"time"
)

// ListenersFor is how long a process trusts what it read of a project's
// endpoints when deciding whether a tracking change is queued for delivery
// at all. It is the bound on what an endpoint created (or enabled, or
// subscribed to a tracking type) may miss: the events of changes announced
// within ListenersFor of it, by a process that read the project's
// endpoints just before. Those events are in the feed with their ids, and
// POST .../replay with a since before the endpoint's creation delivers
// them. Deleting or disabling an endpoint needs no bound of its own: a
// task queued for it is dropped by the sender once the sender sees the
// change (within EndpointsFor).
const ListenersFor = 10 * time.Second

// maxListenerEntries bounds the projects one process remembers; past it
// the memory starts again empty (a read per project, once).
const maxListenerEntries = 10000

// Listeners remembers, per process, a project's enabled endpoints and the
// event types they subscribe to, so that a tracking change queues its
// deliveries itself: nothing for a project with none, and no fan-out task
// (a sender invocation and an endpoint Query per change) for the others.
// A project is read at most once per ListenersFor per process; the sender
// checks the endpoint itself before each delivery (as read within
// EndpointsFor), so one deleted or disabled meanwhile gets nothing past
// that bound.
type Listeners struct {
	mu      sync.Mutex
	entries map[string]listening
}

type listening struct {
	endpoints []Endpoint // enabled, with their ids and events only
	until     time.Time
}

// enabled returns the project's enabled endpoints (ids and events), read
// through the memory when it is younger than ListenersFor.
func (l *Listeners) enabled(ctx context.Context, store Store, projectID string, now time.Time) ([]Endpoint, error) {
	l.mu.Lock()
	e, ok := l.entries[projectID]
	l.mu.Unlock()
	if ok && now.Before(e.until) {
		return e.endpoints, nil
	}
	endpoints, err := store.Endpoints(ctx, projectID)
	if err != nil {
		return nil, err
	}
	var enabled []Endpoint
	for _, ep := range endpoints {
		if ep.Enabled {
			enabled = append(enabled, Endpoint{ID: ep.ID, ProjectID: ep.ProjectID, Events: ep.Events, Enabled: true})
		}
	}
	l.mu.Lock()
	if l.entries == nil || len(l.entries) >= maxListenerEntries {
		l.entries = map[string]listening{}
	}
	l.entries[projectID] = listening{endpoints: enabled, until: now.Add(ListenersFor)}
	l.mu.Unlock()
	return enabled, nil
}

// forget drops what the process remembers of a project, after it changed
// one of the project's endpoints itself.
func (l *Listeners) forget(projectID string) {
	l.mu.Lock()
	delete(l.entries, projectID)
	l.mu.Unlock()
}
