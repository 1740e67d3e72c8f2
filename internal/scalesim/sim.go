package scalesim

import (
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"time"

	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/dynamo"
	"github.com/parcelgate/parcelgate/internal/webhook"
)

// Index names where a key lives: the table or one of its indexes
// (template.yaml).
type Index string

const (
	Table Index = "table"
	GSI1  Index = "GSI1"
	GSI2  Index = "GSI2"
	GSI3  Index = "GSI3"
)

// Key is one partition key of the table or of an index.
type Key struct {
	Index Index
	PK    string
}

// Load is a key's units in the peak second.
type Load struct {
	Key
	WCU, RCU float64
	// Role says what the key holds, for the report.
	Role string
}

// Result is the per-key load of the scenario's peak second.
type Result struct {
	Scenario Scenario
	Keys     []Load // every key, most loaded first
	// Cached are the reads a process makes once per period, not yet in
	// Keys: how many they come to depends on the processes the plan runs
	// (Cache).
	Cached []CachedRead
	// Totals of the peak second, by kind.
	Events, Requests, Jobs, Deliveries, Reads, Searches, Records float64
	WCU, RCU                                                     float64
}

type counter struct {
	loads  map[Key]*Load
	cached map[cachedKey]*CachedRead
}

type cachedKey struct {
	Key
	by Processes
}

// cache counts units read units that each process of by reads at most
// once per period, however many requests need them.
func (c *counter) cache(ix Index, pk, role string, by Processes, period time.Duration, units float64) {
	k := cachedKey{Key{ix, pk}, by}
	r := c.cached[k]
	if r == nil {
		r = &CachedRead{Load: Load{Key: k.Key, Role: role}, By: by, Period: period, Units: units}
		c.cached[k] = r
	}
	r.RCU += units
}

func (c *counter) add(ix Index, pk, role string, w, r float64) {
	k := Key{ix, pk}
	l := c.loads[k]
	if l == nil {
		l = &Load{Key: k, Role: role}
		c.loads[k] = l
	}
	l.WCU += w
	l.RCU += r
}

// Transactional writes consume twice the units, in the table and in the
// indexes they touch.
const tx = 2

// Run plays the scenario's peak second.
func Run(s Scenario) Result {
	rng := rand.New(rand.NewPCG(s.Seed, 0))
	c := &counter{loads: map[Key]*Load{}, cached: map[cachedKey]*CachedRead{}}
	res := Result{Scenario: s}
	shares := s.zipf()
	// round draws a whole count whose mean is x.
	round := func(x float64) int {
		n := math.Floor(x)
		if rng.Float64() < x-n {
			n++
		}
		return int(n)
	}
	day := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	expires := day.Add(40 * 24 * time.Hour) // every association added today
	seq := 0
	id := func(prefix string) string { seq++; return prefix + strconv.Itoa(seq) }
	for i, share := range shares {
		client := "client-" + strconv.Itoa(i)
		cred := client + "-cred"
		projects := make([]string, s.Followers)
		for p := range projects {
			projects[p] = client + "-project-" + strconv.Itoa(p)
		}
		endpoint := client + "-webhook"
		parcel := func() string { return "PG" + strconv.FormatUint(rng.Uint64()%1e12, 10) }

		// Message requests and their events.
		events := round(s.EventsPerSecond * share)
		res.Events += float64(events)
		for left := events; left > 0; left -= s.EventsPerRequest {
			n := min(left, s.EventsPerRequest)
			req := id("req-")
			res.Requests++
			c.cache(Table, dynamo.PrincipalPartition(cred), "credential", APIProcesses, auth.RevocationBound, 1)
			// The request, its message and outcome chunks (300 bytes a
			// message), its client, reference and facet markers, three
			// updates; only the client's marker is in the client's
			// partition, written once (the updates are not in the index).
			c.add(Table, dynamo.RequestPartition(req), "message request", 4+math.Ceil(float64(n)*0.3)+math.Ceil(float64(n)*0.1)+float64(n)+3, 1+math.Ceil(float64(n)*0.3/4))
			c.add(GSI2, dynamo.TrackerIndexPartition(client, ""), "client's requests", 1, 0)
			c.add(GSI2, dynamo.TrackerIndexPartition(client, dynamo.RefKey("batch-"+req)), "batch reference", 1, 0)
			c.add(GSI2, dynamo.TrackerIndexPartition(client, "TS#TrackingEvent#Processed"), "request facet", 1, 0)
			c.add(GSI2, dynamo.TrackerIndexPartition(client, "TS#*#Processed"), "request status", 1, 0)
			c.add(GSI3, dynamo.SweepIndexPartition(req), "open work", 3, 0)
			for range n {
				number := parcel()
				c.add(GSI2, dynamo.TrackerIndexPartition(client, dynamo.RefKey("ev-"+number)), "message reference", 1, 0)
				trk := dynamo.TrackingPartition(number)
				// The event, the state and subscribers read, and the parcel's
				// tracking reads (one Query each), which go to the parcels
				// that have events.
				c.add(Table, trk, "parcel", 1, 2+s.ReadsPerEvent)
				res.Reads += s.ReadsPerEvent
				if rng.Float64() >= s.StatusChangeShare {
					continue
				}
				c.add(Table, trk, "parcel", tx+1, 1) // the move, NOTIFIED; NOTIFIED read
				moved := rng.Float64() < s.TagChangeShare
				for p, project := range projects {
					c.add(Table, dynamo.NotificationPartition(project, number), "project's notifications", 1, 0)
					if moved {
						c.add(Table, dynamo.AssociationPartition(project, number), "project's associations", 1, 0)
						c.add(GSI1, dynamo.TagIndexPartition(project, "Pending", number), "project's numbers by tag", 1, 0)
						c.add(GSI1, dynamo.TagIndexPartition(project, "InTransit", number), "project's numbers by tag", 1, 0)
					}
					// The processor queues the deliveries itself, from the
					// project's endpoints read (a Query, about a read unit)
					// once per processor process and webhook.ListenersFor;
					// each delivery reads the event's record, and its
					// endpoint once per sender process and
					// webhook.EndpointsFor.
					c.cache(Table, dynamo.ProjectPartition(project), "project (webhook endpoints)", ProcessorProcesses, webhook.ListenersFor, 1)
					if p == 0 {
						res.Deliveries++
						c.cache(Table, dynamo.ProjectPartition(project), "project (webhook endpoints)", SenderProcesses, webhook.EndpointsFor, 1)
						c.add(Table, dynamo.NotificationPartition(project, number), "project's notifications", 0, 1)
						c.add(Table, dynamo.AttemptPartition(endpoint, id("evt-")), "endpoint's delivery attempts", 1, 0)
					}
				}
			}
		}

		// Job ADDs: the client's share, and the largest client's burst.
		adds := s.EventsPerSecond * share * s.AddsPerEvent
		if i == 0 {
			adds += float64(s.BurstJobs*s.JobSize) / s.BurstSeconds
		}
		numbers := round(adds)
		for left := numbers; left > 0; left -= s.JobSize {
			n := min(left, s.JobSize)
			job := id("job-")
			res.Jobs += float64(n) / float64(s.JobSize)
			project := projects[rng.IntN(len(projects))]
			c.cache(Table, dynamo.PrincipalPartition(cred), "credential", APIProcesses, auth.RevocationBound, 1)
			// The job, its input and result chunks (250 numbers, about 40 KB
			// each), read back by the processor.
			c.add(Table, dynamo.RequestPartition(job), "job", (3+80*math.Ceil(float64(n)/250))*float64(n)/float64(s.JobSize), 40*math.Ceil(float64(n)/250)/4)
			c.add(Table, dynamo.IdempotencyPartition(client, project, job), "idempotency key", 1, 0)
			c.add(GSI1, dynamo.ProjectJobsIndexPartition(project), "project's jobs", 2, 0)
			c.add(GSI2, dynamo.TrackerIndexPartition(client, ""), "client's requests", 2, 0)
			c.add(GSI3, dynamo.SweepIndexPartition(job), "open work", 3, 0)
			// Each number's association and subscribers entry are
			// single writes, not a transaction: a unit each.
			for range n {
				number := parcel()
				c.add(Table, dynamo.AssociationPartition(project, number), "project's associations", 1, 1)
				c.add(Table, dynamo.TrackingPartition(number), "parcel", 1, 0) // subscribers entry
				c.add(GSI1, dynamo.TagIndexPartition(project, "Pending", number), "project's numbers by tag", 1, 0)
				c.add(GSI3, dynamo.ExpiryIndexPartition(number, expires), "associations expiring that day", 1, 0)
			}
		}

		// Tracker searches: one index partition, the requests found.
		for range round(s.EventsPerSecond * share * s.SearchesPerEvent) {
			res.Searches++
			c.cache(Table, dynamo.PrincipalPartition(cred), "credential", APIProcesses, auth.RevocationBound, 1)
			c.add(GSI2, dynamo.TrackerIndexPartition(client, "TS#*#Failed"), "request status", 0, 1)
			c.add(Table, dynamo.RequestPartition(id("req-")), "message request", 0, 1)
		}
		// Data record writes, to the entities by their shares.
		for range round(s.EventsPerSecond * share * s.RecordsPerEvent) {
			res.Records++
			entity := s.pick(rng.Float64())
			project := projects[0]
			c.cache(Table, dynamo.PrincipalPartition(cred), "credential", APIProcesses, auth.RevocationBound, 1)
			// The project and the caller's member item, kept by each API
			// function for project.MembershipBound.
			c.cache(Table, dynamo.ProjectPartition(project), "project (membership)", APIProcesses, membershipBound, 2)
			code := "rec-" + strconv.Itoa(int(res.Records))
			c.add(Table, dynamo.RecordPartition(project, entity, code), "entity's records", 1, 0)
			c.add(GSI1, dynamo.DeltaIndexPartition(project, entity, code), "entity's records to export", 1, 0)
		}
	}
	for _, l := range c.loads {
		res.Keys = append(res.Keys, *l)
	}
	for _, r := range c.cached {
		res.Cached = append(res.Cached, *r)
	}
	sort.Slice(res.Cached, func(i, j int) bool {
		a, b := res.Cached[i], res.Cached[j]
		return a.PK < b.PK || a.PK == b.PK && a.By < b.By
	})
	res.total()
	return res
}

// total orders the keys, most loaded first, and adds up their units.
func (res *Result) total() {
	sort.Slice(res.Keys, func(i, j int) bool {
		a, b := res.Keys[i], res.Keys[j]
		if ua, ub := a.utilisation(), b.utilisation(); ua != ub {
			return ua > ub
		}
		return a.Index < b.Index || a.Index == b.Index && a.PK < b.PK
	})
	res.WCU, res.RCU = 0, 0
	for _, l := range res.Keys { // in a fixed order: the sums are the same every run
		res.WCU += l.WCU
		res.RCU += l.RCU
	}
}

func (s Scenario) pick(x float64) string {
	for _, e := range s.Entities {
		if x < e.Share {
			return e.Name
		}
		x -= e.Share
	}
	return s.Entities[len(s.Entities)-1].Name
}

// utilisation is the larger of the key's shares of the two limits.
func (l Load) utilisation() float64 {
	return max(l.WCU/PartitionWCU, l.RCU/PartitionRCU)
}

// Over returns the keys past a partition's limits.
func (r Result) Over() []Load {
	var out []Load
	for _, l := range r.Keys {
		if l.utilisation() > 1 {
			out = append(out, l)
		}
	}
	return out
}
