package apitest

import (
	"context"
	"sync"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parcelgate/parcelgate/internal/app"
)

// usage is what an Env counts of its own traffic, for cost measurements:
// the API requests it served (each an API Gateway request and a Lambda
// invocation when deployed) and the queue handlers' invocations, one per
// batch as an event source mapping delivers them.
type usage struct {
	mu          sync.Mutex
	apiRequests int
	invocations map[string]int
	records     map[string]int
}

func (u *usage) request() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.apiRequests++
}

func (u *usage) count(function string, next app.QueueHandler) app.QueueHandler {
	return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		u.mu.Lock()
		if u.invocations == nil {
			u.invocations, u.records = map[string]int{}, map[string]int{}
		}
		u.invocations[function]++
		u.records[function] += len(ev.Records)
		u.mu.Unlock()
		return next(ctx, ev)
	}
}

// Usage is a snapshot of an Env's counts since its last ResetUsage.
type Usage struct {
	APIRequests int
	// Invocations and Records are by queue handler ("processor",
	// "webhook-sender"): batches handled, and messages in them.
	Invocations map[string]int
	Records     map[string]int
}

// Usage returns the counts so far.
func (e *Env) Usage() Usage {
	u := &e.usage
	u.mu.Lock()
	defer u.mu.Unlock()
	out := Usage{APIRequests: u.apiRequests, Invocations: map[string]int{}, Records: map[string]int{}}
	for k, v := range u.invocations {
		out.Invocations[k] = v
	}
	for k, v := range u.records {
		out.Records[k] = v
	}
	return out
}

// ResetUsage starts the counts again from zero.
func (e *Env) ResetUsage() {
	u := &e.usage
	u.mu.Lock()
	defer u.mu.Unlock()
	u.apiRequests, u.invocations, u.records = 0, nil, nil
}
