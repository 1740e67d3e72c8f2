// Package cost turns what parcelgate's operations were measured to ask of
// AWS (internal/systemtest's TestCostPerOperation, over the emulators)
// into dollars at list prices, and sets each against its floor: the
// fewest writes the operation's guarantees allow.
package cost

import (
	_ "embed"
	"encoding/json"
	"fmt"
)

// Operation is what one unit of an operation (one number added, one event
// ingested, one tracking read) asked of AWS, averaged over Units of them.
type Operation struct {
	Name  string `json:"name"`
	Per   string `json:"per"`   // what one unit is
	Units int    `json:"units"` // how many were measured together
	// Batch is how many units went in one API request.
	Batch int `json:"batch"`
	// DynamoDB: requests by operation name, and capacity units by table
	// or index ("table", "GSI1"...) as the endpoint reported them.
	DynamoDB map[string]float64 `json:"dynamodb"`
	RCU      map[string]float64 `json:"rcu"`
	WCU      map[string]float64 `json:"wcu"`
	// TransactWCU is the part of the reported write units written inside
	// transactions, which DynamoDB bills twice and DynamoDB Local reports
	// once.
	TransactWCU float64 `json:"transactWcu"`
	// Retries are the SDK's retries of DynamoDB calls (a loaded
	// emulator's timeouts): a retried call reports the capacity of its
	// last attempt only (a transaction retried after it applied reports
	// the read of its idempotency token), so units measured with retries
	// are not the path's.
	Retries float64 `json:"retries"`
	// SQS requests the code made, by operation; the requests of the event
	// source mappings that deliver to the handlers are in Invocations.
	SQS map[string]float64 `json:"sqs"`
	// Invocations of the queue handlers (one per batch delivered) by
	// function, and the messages they handled.
	Invocations map[string]float64 `json:"invocations"`
	Messages    map[string]float64 `json:"messages"`
	APIRequests float64            `json:"apiRequests"`
	LogBytes    float64            `json:"logBytes"`
	// CPUMillis is the test process's CPU time (API, handlers, SDK and the
	// test's own client and OpenAPI validation): an upper bound on the
	// handlers', and not asserted.
	CPUMillis float64 `json:"cpuMillis"`
}

// Sum is the total of a map of counts.
func Sum(m map[string]float64) float64 {
	t := 0.0
	for _, v := range m {
		t += v
	}
	return t
}

// BilledWCU is the write units as DynamoDB bills them: transactional
// writes twice.
func (o Operation) BilledWCU() float64 { return Sum(o.WCU) + o.TransactWCU }

// Lambda is the Lambda invocations of one unit: its API requests
// and its queue handlers' batches.
func (o Operation) Lambda() float64 { return o.APIRequests + Sum(o.Invocations) }

//go:embed measured.json
var measuredJSON []byte

// Measured returns the operations as TestCostPerOperation last measured
// them (measured.json, written by it with -update).
func Measured() ([]Operation, error) { return Decode(measuredJSON) }

// Decode reads operations as TestCostPerOperation writes them.
func Decode(data []byte) ([]Operation, error) {
	var ops []Operation
	if err := json.Unmarshal(data, &ops); err != nil {
		return nil, fmt.Errorf("cost: measurement: %w", err)
	}
	if len(ops) == 0 {
		return nil, fmt.Errorf("cost: the measurement holds no operation")
	}
	return ops, nil
}
