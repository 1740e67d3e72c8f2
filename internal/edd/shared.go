package edd

import (
	"context"
	"slices"
	"strings"
	"sync"
)

// The processor estimates and watches every followed parcel of a
// request, and the parcels of one carrier and lane read the same groups
// of the same projects' aggregates: up to a few dozen items each, for
// every parcel, twice for one seen for the first time. The aggregates
// change only when a parcel is delivered, and are read eventually
// consistent, so one read can serve every parcel of a request: the
// request's deliveries are counted before its parcels are estimated, and
// a read shared for the rest of the request is no staler than a replica
// answering late.

type sharedKey struct{}

// sharedReads are the aggregate reads of one ShareAggregates context, by
// projects and groups.
type sharedReads struct {
	mu    sync.Mutex
	reads map[string]*sharedRead
}

// sharedRead is one read, made by its first caller; the others wait
// for it rather than read the same items at once.
type sharedRead struct {
	once sync.Once
	aggs map[string]Aggregate
	err  error
}

// ShareAggregates is ctx in which the aggregates read for estimates and
// watches are read once for every projects and groups asked, and shared
// by every later estimate and watch made in it (the processor's, for
// one request). A failed read fails every caller in it alike.
func ShareAggregates(ctx context.Context) context.Context {
	return context.WithValue(ctx, sharedKey{}, &sharedReads{reads: map[string]*sharedRead{}})
}

// aggregates reads the groups of the projects from store, or gives the
// read ctx shares. Callers only read the maps they get.
func aggregates(ctx context.Context, store Store, projectIDs, groups []string) (map[string]Aggregate, error) {
	shared, ok := ctx.Value(sharedKey{}).(*sharedReads)
	if !ok {
		return store.Aggregates(ctx, projectIDs, groups)
	}
	projects := slices.Sorted(slices.Values(projectIDs))
	key := strings.Join(slices.Compact(projects), "\x00") + "\x01" + strings.Join(groups, "\x00")
	shared.mu.Lock()
	r := shared.reads[key]
	if r == nil {
		r = &sharedRead{}
		shared.reads[key] = r
	}
	shared.mu.Unlock()
	r.once.Do(func() { r.aggs, r.err = store.Aggregates(ctx, projectIDs, groups) })
	return r.aggs, r.err
}
