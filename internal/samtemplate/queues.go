package samtemplate

import (
	"fmt"
	"maps"
	"slices"

	"gopkg.in/yaml.v3"
)

// Queue is an AWS::SQS::Queue.
type Queue struct {
	LogicalID string
	// Attributes are the queue's settings as SQS CreateQueue attributes
	// (VisibilityTimeout, MessageRetentionPeriod, …), RedrivePolicy aside.
	Attributes map[string]string
	// DeadLetterQueue is the logical id of the queue that RedrivePolicy's
	// deadLetterTargetArn points at, or "" without a redrive policy.
	DeadLetterQueue string
	MaxReceiveCount int
}

// queueAttributes are the AWS::SQS::Queue properties that are CreateQueue
// attributes of the same name and value. KmsMasterKeyId and
// KmsDataKeyReusePeriodSeconds are left out on purpose: they name a KMS key
// that does not exist outside AWS.
var queueAttributes = []string{
	"ContentBasedDeduplication",
	"DeduplicationScope",
	"DelaySeconds",
	"FifoQueue",
	"FifoThroughputLimit",
	"MaximumMessageSize",
	"MessageRetentionPeriod",
	"ReceiveMessageWaitTimeSeconds",
	"SqsManagedSseEnabled",
	"VisibilityTimeout",
}

type redrivePolicy struct {
	DeadLetterTargetArn getAtt `yaml:"deadLetterTargetArn"`
	MaxReceiveCount     int    `yaml:"maxReceiveCount"`
}

// Queues returns the template's queues in document order.
func (t *Template) Queues() []Queue {
	out := make([]Queue, len(t.queues))
	for i, q := range t.queues {
		q.Attributes = maps.Clone(q.Attributes)
		out[i] = q
	}
	return out
}

func parseQueue(r resource, types map[string]string) (Queue, error) {
	q := Queue{LogicalID: r.logicalID, Attributes: map[string]string{}}
	var props map[string]yaml.Node
	if err := r.decodeProperties(&props); err != nil {
		return q, err
	}
	for name, v := range props {
		if !slices.Contains(queueAttributes, name) {
			continue
		}
		if v.Kind != yaml.ScalarNode {
			return q, fmt.Errorf("property %s: want a literal value, local tooling cannot resolve intrinsic functions", name)
		}
		q.Attributes[name] = v.Value
	}
	if node, ok := props["RedrivePolicy"]; ok {
		var rp redrivePolicy
		if err := node.Decode(&rp); err != nil {
			return q, fmt.Errorf("property RedrivePolicy: %w", err)
		}
		dlq, err := rp.DeadLetterTargetArn.queueArnRef(types)
		if err != nil {
			return q, fmt.Errorf("property RedrivePolicy: deadLetterTargetArn: %w", err)
		}
		if rp.MaxReceiveCount < 1 || rp.MaxReceiveCount > 1000 {
			return q, fmt.Errorf("property RedrivePolicy: maxReceiveCount %d: want 1 to 1000", rp.MaxReceiveCount)
		}
		q.DeadLetterQueue, q.MaxReceiveCount = dlq, rp.MaxReceiveCount
	}
	return q, nil
}
