// Package scalesim replays a synthetic day of parcelgate's traffic against
// the table's real key builders (internal/dynamo) and reports the peak
// write and read units per second of every partition key of the table
// and its indexes: whether the key design holds under DynamoDB's
// per-partition limits (1,000 write units/s, 3,000 read units/s) when one
// large client sends a third of the events. It is pure: nothing is sent.
package scalesim

import (
	"math"
	"time"
)

// DynamoDB's per-partition limits.
const (
	PartitionWCU = 1000
	PartitionRCU = 3000
)

// Scenario is the traffic of the simulated day at its peak, with the
// ratios of every other kind of request to events. The ratios are
// parcelgate's typical parcel (internal/cost.Typical): 8 events, 2
// subscribing projects, 20 tracking reads.
type Scenario struct {
	EventsPerSecond float64 // at the day's peak
	Clients         int
	LargestShare    float64 // of every kind of traffic, the largest client's
	// EventsPerRequest is how many events a message request carries.
	EventsPerRequest int
	// StatusChangeShare of events move their parcel's status; TagChange of
	// those also move its tag (Pending, InTransit, Delivered...).
	StatusChangeShare, TagChangeShare float64
	// Followers projects of the sending client follow each parcel, the
	// first of them with a webhook endpoint.
	Followers int
	// AddsPerEvent numbers are added by jobs of JobSize, per event.
	AddsPerEvent float64
	JobSize      int
	// BurstJobs jobs of JobSize numbers from the largest client are
	// processed during the peak second on top, as a burst submitted at
	// once and drained in BurstSeconds.
	BurstJobs    int
	BurstSeconds float64
	// Per event: tracking reads, tracker searches, data record writes.
	ReadsPerEvent, SearchesPerEvent, RecordsPerEvent float64
	// Entities a client's record writes go to, with their shares.
	Entities []Share
	Seed     uint64
}

// Share is a named fraction.
type Share struct {
	Name  string
	Share float64
}

// At returns the standard scenario at a peak rate of events per second.
func At(eventsPerSecond float64) Scenario {
	return Scenario{
		EventsPerSecond:   eventsPerSecond,
		Clients:           1000,
		LargestShare:      1.0 / 3,
		EventsPerRequest:  100,
		StatusChangeShare: 0.75, // 6 of a parcel's 8 events move its status
		TagChangeShare:    0.5,
		Followers:         2,
		AddsPerEvent:      2.0 / 8, // a job ADD per following project, over 8 events
		JobSize:           1000,
		BurstJobs:         50,
		BurstSeconds:      10,
		ReadsPerEvent:     20.0 / 8,
		SearchesPerEvent:  0.01,
		RecordsPerEvent:   0.1,
		Entities:          []Share{{"shipment", 0.5}, {"order", 0.3}, {"customer", 0.2}},
		Seed:              25,
	}
}

// Diurnal is the day's traffic by UTC hour as a share of the peak: two
// humps (European and American business hours), a night at a quarter.
var Diurnal = [24]float64{0.25, 0.25, 0.25, 0.3, 0.35, 0.45, 0.6, 0.75, 0.9, 1, 1, 0.95, 0.9, 0.9, 0.95, 1, 1, 0.95, 0.85, 0.7, 0.55, 0.45, 0.35, 0.3}

// DayEvents is the events of the whole day.
func (s Scenario) DayEvents() float64 {
	total := 0.0
	for _, share := range Diurnal {
		total += share * s.EventsPerSecond * time.Hour.Seconds()
	}
	return total
}

// zipf returns the clients' shares: Zipf-distributed, the exponent chosen
// so that the largest has LargestShare.
func (s Scenario) zipf() []float64 {
	shares := func(exp float64) []float64 {
		out := make([]float64, s.Clients)
		total := 0.0
		for i := range out {
			out[i] = math.Pow(float64(i+1), -exp)
			total += out[i]
		}
		for i := range out {
			out[i] /= total
		}
		return out
	}
	lo, hi := 0.0, 10.0
	for range 100 {
		mid := (lo + hi) / 2
		if shares(mid)[0] < s.LargestShare {
			lo = mid
		} else {
			hi = mid
		}
	}
	return shares((lo + hi) / 2)
}
