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
// them. Deleting or disabling an endpoint needs no bound: a task queued
// for it finds it gone or disabled and is dropped, as before.
const ListenersFor = 10 * time.Second

// maxListenerEntries bounds the projects one process remembers; past it
// the memory starts again empty (a read per project, once).
const maxListenerEntries = 10000

// Listeners remembers, per process, which event types a project's enabled
// endpoints subscribe to, so that a change of a project with none queues
// nothing: no fan-out task, no sender invocation, no endpoint Query per
// change. A project with endpoints is read at most once per ListenersFor
// per process.
type Listeners struct {
	mu      sync.Mutex
	entries map[string]listening
}

type listening struct {
	types map[string]bool
	until time.Time
}

// types returns the event types the project's enabled endpoints subscribe
// to, read through the memory when it is younger than ListenersFor.
func (l *Listeners) types(ctx context.Context, store Store, projectID string, now time.Time) (map[string]bool, error) {
	l.mu.Lock()
	e, ok := l.entries[projectID]
	l.mu.Unlock()
	if ok && now.Before(e.until) {
		return e.types, nil
	}
	endpoints, err := store.Endpoints(ctx, projectID)
	if err != nil {
		return nil, err
	}
	types := map[string]bool{}
	for _, ep := range endpoints {
		if ep.Enabled {
			for _, t := range ep.Events {
				types[t] = true
			}
		}
	}
	l.mu.Lock()
	if l.entries == nil || len(l.entries) >= maxListenerEntries {
		l.entries = map[string]listening{}
	}
	l.entries[projectID] = listening{types: types, until: now.Add(ListenersFor)}
	l.mu.Unlock()
	return types, nil
}

// forget drops what the process remembers of a project, after it changed
// one of the project's endpoints itself.
func (l *Listeners) forget(projectID string) {
	l.mu.Lock()
	delete(l.entries, projectID)
	l.mu.Unlock()
}
