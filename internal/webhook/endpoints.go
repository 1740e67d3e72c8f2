package webhook

import (
	"context"
	"errors"
	"sync"
	"time"
)

// EndpointsFor is how long a sender process trusts what it read of an
// endpoint (its secrets, whether it is enabled or slow). Every delivery
// needs the endpoint, and a busy one takes thousands a second, more reads
// than one partition serves: each sender process reads it at most once
// per EndpointsFor instead. That is the bound on what a change made
// elsewhere takes to reach deliveries: an endpoint disabled or deleted
// gets at most EndpointsFor of deliveries more from a process that read
// it just before, one whose secret was rotated is signed with the secret
// before the rotation (which stays valid for RotationOverlap) as long,
// and one found slow by another process is paced that much later. A
// process that read an endpoint between its disabling and the queueing of
// its webhook.disabled event queues the event once more (the same id,
// which receivers deduplicate), as concurrent deliveries could before.
// The process that changes an endpoint forgets it at once (the dev server
// is one process: at once everywhere).
const EndpointsFor = 5 * time.Second

// maxEndpointEntries bounds the endpoints one process remembers; past it
// the memory starts again empty (a read per endpoint, once).
const maxEndpointEntries = 10000

// EndpointCache is a process's memory of the endpoints it delivers to.
// The zero value is ready; a nil *EndpointCache remembers nothing.
type EndpointCache struct {
	mu      sync.Mutex
	entries map[endpointRef]knownEndpoint
}

type endpointRef struct{ projectID, id string }

type knownEndpoint struct {
	e     Endpoint
	gone  bool // ErrNotFound: deleted, and ids are never reused
	until time.Time
}

// endpoint returns the project's endpoint, read through the memory when
// it is younger than EndpointsFor.
func (c *EndpointCache) endpoint(ctx context.Context, store Store, projectID, id string, now time.Time) (Endpoint, error) {
	if c == nil {
		return store.Endpoint(ctx, projectID, id)
	}
	ref := endpointRef{projectID, id}
	c.mu.Lock()
	k, ok := c.entries[ref]
	c.mu.Unlock()
	if !ok || !now.Before(k.until) {
		e, err := store.Endpoint(ctx, projectID, id)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return Endpoint{}, err
		}
		k = knownEndpoint{e: e, gone: err != nil, until: now.Add(EndpointsFor)}
		c.mu.Lock()
		if c.entries == nil || len(c.entries) >= maxEndpointEntries {
			c.entries = map[endpointRef]knownEndpoint{}
		}
		c.entries[ref] = k
		c.mu.Unlock()
	}
	if k.gone {
		return Endpoint{}, ErrNotFound
	}
	return k.e, nil
}

// forget drops what the process knows of an endpoint, after it changed
// it itself.
func (c *EndpointCache) forget(projectID, id string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	delete(c.entries, endpointRef{projectID, id})
	c.mu.Unlock()
}
