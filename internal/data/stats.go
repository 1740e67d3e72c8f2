package data

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// Stats counts the store requests made for one operation: weavy's
// statistics (queryCount, queryDurationTotal). The store adapter adds to
// the Stats its context carries, whatever goroutine makes the request.
type Stats struct {
	queries atomic.Int64
	nanos   atomic.Int64
}

type statsKey struct{}

// WithStats returns a context whose store requests are counted in st,
// and in the Stats ctx already counts them in.
func WithStats(ctx context.Context, st *Stats) context.Context {
	outer, _ := ctx.Value(statsKey{}).([]*Stats)
	return context.WithValue(ctx, statsKey{}, append(outer[:len(outer):len(outer)], st))
}

// StatsFrom returns the Stats ctx counts in last, or an empty one.
func StatsFrom(ctx context.Context) *Stats {
	all, _ := ctx.Value(statsKey{}).([]*Stats)
	if len(all) == 0 {
		return &Stats{}
	}
	return all[len(all)-1]
}

// CountRequest adds one store request of duration d to the context's
// Stats, if it carries any.
func CountRequest(ctx context.Context, d time.Duration) {
	all, _ := ctx.Value(statsKey{}).([]*Stats)
	for _, st := range all {
		st.queries.Add(1)
		st.nanos.Add(int64(d))
	}
}

// Queries is how many store requests were counted.
func (s *Stats) Queries() int64 { return s.queries.Load() }

// Duration is the time those requests took, added up.
func (s *Stats) Duration() time.Duration { return time.Duration(s.nanos.Load()) }

// Statistics is weavy's statistics block.
type Statistics struct {
	QueryCount         int64
	QueryDurationTotal time.Duration
	ExecutionDuration  time.Duration
}

// FormatDuration writes a duration as weavy does: hh:mm:ss.fffffff.
func FormatDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	h := d / time.Hour
	d -= h * time.Hour
	m := d / time.Minute
	d -= m * time.Minute
	s := d / time.Second
	d -= s * time.Second
	return fmt.Sprintf("%02d:%02d:%02d.%07d", h, m, s, d/100)
}
