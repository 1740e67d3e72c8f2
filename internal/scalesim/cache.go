package scalesim

import (
	"slices"
	"time"

	"github.com/parcelgate/parcelgate/internal/project"
)

// membershipBound is how long an API function keeps a membership it read;
// named here because the simulation's loops call their projects project.
const membershipBound = project.MembershipBound

// Processes names the Lambda processes that keep a read in memory.
type Processes string

const (
	// APIProcesses keep the credentials they read (auth.Revocations) and
	// the memberships (project.Memberships).
	APIProcesses Processes = "API functions"
	// SenderProcesses keep the webhook endpoints they deliver to
	// (webhook.EndpointCache).
	SenderProcesses Processes = "webhook sender"
	// ProcessorProcesses keep which projects have endpoints listening
	// (webhook.Listeners).
	ProcessorProcesses Processes = "processor"
)

// CachedRead is a key's reads that each process of By makes at most once
// per Period, Units read units each time: RCU is what the requests would
// read uncached.
type CachedRead struct {
	Load
	By     Processes
	Period time.Duration
	Units  float64
}

// processes returns how many processes of by the plan runs at once: the
// API functions in flight, a queue's batches in flight as configured or,
// where that does not sustain the rate, as suggested.
func (p Plan) processes(by Processes) float64 {
	queue := map[Processes]string{SenderProcesses: "WebhookQueue", ProcessorProcesses: "JobsQueue"}[by]
	if by == APIProcesses {
		return float64(p.APIConcurrency)
	}
	for _, c := range p.Consumers {
		if c.Queue == queue {
			if c.Holds || c.Suggested == 0 {
				return float64(c.Concurrency)
			}
			return float64(c.SuggestedConcurrency)
		}
	}
	return 0
}

// Cache returns the result with its cached reads counted: each key's
// reads are at most one per process and period, every process of the
// plan reading every key (the busiest keys' requests reach them all).
func (r Result) Cache(p Plan) Result {
	byKey := map[Key]int{}
	keys := slices.Clone(r.Keys)
	for i, l := range keys {
		byKey[l.Key] = i
	}
	for _, c := range r.Cached {
		reads := min(c.RCU, c.Units*p.processes(c.By)/c.Period.Seconds())
		i, ok := byKey[c.Key]
		if !ok {
			i = len(keys)
			byKey[c.Key] = i
			keys = append(keys, Load{Key: c.Key, Role: c.Role})
		}
		keys[i].RCU += reads
	}
	r.Keys, r.Cached = keys, nil
	r.total()
	return r
}
