package scalesim

import (
	"fmt"
	"math"

	"github.com/parcelgate/parcelgate/internal/cost"
	"github.com/parcelgate/parcelgate/internal/samtemplate"
)

// Assumptions of the capacity plan that the measurements cannot give.
const (
	// ReceiverMillis is how long a webhook receiver takes to answer.
	ReceiverMillis = 100
	// ESMMaxConcurrency is the most batches an SQS event source mapping
	// of a standard queue runs at once, whatever the function allows.
	ESMMaxConcurrency = 1250
	// Headroom over the mean the concurrencies are sized with.
	Headroom = 1.5
	// Defaults of the quotas the plan checks, us-east-1.
	DefaultLambdaConcurrency = 1000
	DefaultAPIGatewayRPS     = 10000
	DefaultTableUnits        = 40000 // on-demand maximum per table, each of reads and writes
	DefaultXRaySegments      = 2600
)

// Consumer is one queue's event source mapping and the function behind it.
type Consumer struct {
	Function, Queue    string
	BatchSize          int
	MaximumConcurrency int // the template's, 0 when unset
	MessagesPerSecond  float64
	MillisPerMessage   float64
	SlowestMillis      float64 // the slowest kind of message's
	// Concurrency is the batches in flight the rate needs (Little's law,
	// with Headroom); Holds says whether the mapping as configured
	// sustains it.
	Concurrency int
	Holds       bool
	// Suggested is a batch size that sustains the rate within
	// MaxMappingConcurrency when a batch's messages are handled
	// concurrently (a batch then takes the slowest message's time and
	// CPUMillisPerMessage for each), and SuggestedConcurrency its
	// batches in flight; 0 when the mapping holds as it is.
	Suggested, SuggestedConcurrency int
}

// MaxMappingConcurrency is the highest MaximumConcurrency an SQS event
// source mapping takes.
const MaxMappingConcurrency = 1000

// CPUMillisPerMessage is the handler's own time per message of a batch
// handled concurrently.
const CPUMillisPerMessage = 1

// suggest finds the smallest batch size from the mapping's own that
// sustains the consumer's rate, its messages handled concurrently.
func (c *Consumer) suggest() {
	for _, b := range []int{c.BatchSize, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000} {
		if b < c.BatchSize {
			continue
		}
		batchMillis := c.SlowestMillis + float64(b)*CPUMillisPerMessage
		n := int(math.Ceil(Headroom * c.MessagesPerSecond / float64(b) * batchMillis / 1000))
		if n <= MaxMappingConcurrency {
			c.Suggested, c.SuggestedConcurrency = b, n
			return
		}
	}
}

// Plan is what sustains a scenario's peak: consumers, API, quotas.
type Plan struct {
	Consumers         []Consumer
	APIRequests       float64 // per second
	APIConcurrency    int
	LambdaConcurrency int // everything together
	XRayTraces        float64
	Quotas            []Quota
}

// Quota is an AWS quota the peak needs raised, or not.
type Quota struct {
	Name            string
	Default, Needed float64
}

// Raise says whether the default does not do.
func (q Quota) Raise() bool { return q.Needed > q.Default }

// millis is the Lambda time of one unit of a measured operation: its CPU
// and a round trip per AWS request (cost.AWSRoundTripMillis).
func millis(o cost.Operation) float64 {
	return o.CPUMillis + cost.AWSRoundTripMillis*(cost.Sum(o.DynamoDB)+cost.Sum(o.SQS))
}

// PlanFor sizes the queues and functions of template for result's peak,
// from the measured cost of each operation.
func PlanFor(r Result, tmpl *samtemplate.Template, ops []cost.Operation) (Plan, error) {
	byName := map[string]cost.Operation{}
	for _, o := range ops {
		byName[o.Name] = o
	}
	need := func(name string) (cost.Operation, error) {
		o, ok := byName[name]
		if !ok {
			return o, fmt.Errorf("scalesim: no measurement of %q", name)
		}
		return o, nil
	}
	event, err := need("event, new parcel")
	if err != nil {
		return Plan{}, err
	}
	followed, err := need("event, parcel followed by 1 project")
	if err != nil {
		return Plan{}, err
	}
	add, err := need("job number ADD")
	if err != nil {
		return Plan{}, err
	}
	read, err := need("tracking GET")
	if err != nil {
		return Plan{}, err
	}
	s := r.Scenario
	changes := r.Events * s.StatusChangeShare
	// The processor: a request of EventsPerRequest events or a job of
	// JobSize numbers a message, with what a followed change adds (its
	// notification records and queued deliveries); the webhook queue
	// carries the deliveries only.
	jobsMessages := r.Requests + r.Jobs
	notify := millis(followed) - millis(event)
	jobsMillis := (r.Events*millis(event) + changes*float64(s.Followers)*notify + r.Jobs*float64(s.JobSize)*millis(add)) / jobsMessages
	webhookMessages := r.Deliveries
	deliveryMillis := float64(ReceiverMillis + 3*cost.AWSRoundTripMillis)
	webhookMillis := deliveryMillis
	// Rate, mean and slowest milliseconds of each queue's messages.
	requestMillis := float64(s.EventsPerRequest) * millis(event)
	jobMillis := float64(s.JobSize) * millis(add)
	rates := map[string][3]float64{
		"JobsQueue":    {jobsMessages, jobsMillis, max(requestMillis, jobMillis)},
		"WebhookQueue": {webhookMessages, webhookMillis, deliveryMillis},
	}
	var p Plan
	for _, f := range tmpl.Functions() {
		for _, q := range f.Queues {
			rate, ok := rates[q.QueueLogicalID]
			if !ok {
				continue
			}
			c := Consumer{Function: f.LogicalID, Queue: q.QueueLogicalID, BatchSize: q.BatchSize, MaximumConcurrency: q.MaximumConcurrency,
				MessagesPerSecond: rate[0], MillisPerMessage: rate[1], SlowestMillis: rate[2]}
			// A batch's messages are handled one after another.
			c.Concurrency = int(math.Ceil(Headroom * rate[0] * rate[1] / 1000))
			limit := ESMMaxConcurrency
			if c.MaximumConcurrency > 0 {
				limit = c.MaximumConcurrency
			}
			c.Holds = c.Concurrency <= limit
			if !c.Holds {
				c.suggest()
			}
			p.Consumers = append(p.Consumers, c)
			p.LambdaConcurrency += c.Concurrency
		}
	}
	p.APIRequests = r.Reads + r.Requests + r.Jobs + r.Searches + r.Records
	p.APIConcurrency = int(math.Ceil(Headroom * p.APIRequests * millis(read) / 1000))
	p.LambdaConcurrency += p.APIConcurrency
	invocations := p.APIRequests
	for _, c := range p.Consumers {
		invocations += c.MessagesPerSecond / float64(c.BatchSize)
	}
	p.XRayTraces = cost.XRaySampled * invocations
	p.Quotas = []Quota{
		{"Lambda concurrent executions (account)", DefaultLambdaConcurrency, float64(p.LambdaConcurrency)},
		{"API Gateway requests per second (account; the stage's ThrottlingRateLimit too)", DefaultAPIGatewayRPS, p.APIRequests},
		{"DynamoDB on-demand write units per second (table)", DefaultTableUnits, r.WCU},
		{"DynamoDB on-demand read units per second (table)", DefaultTableUnits, r.RCU},
		{"X-Ray segments per second (PutTraceSegments)", DefaultXRaySegments, p.XRayTraces},
	}
	return p, nil
}
