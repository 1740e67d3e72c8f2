package devstack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/parcelgate/parcelgate/internal/samtemplate"
)

// Resources are the tables and queues Provision created or found, by the
// logical id the template gives them.
type Resources struct {
	Tables    map[string]string // logical id → table name
	QueueURLs map[string]string // logical id → queue URL
	QueueARNs map[string]string // logical id → queue ARN
}

// Provision creates the template's tables and queues, named
// <prefix>-<LogicalID>, through cfg's endpoints. It is idempotent: tables
// and queues that exist are kept (a queue's attributes are reset to the
// template's). Distinct prefixes give independent sets, which is how tests
// share one stack.
func Provision(ctx context.Context, cfg aws.Config, tmpl *samtemplate.Template, prefix string) (*Resources, error) {
	res := &Resources{Tables: map[string]string{}, QueueURLs: map[string]string{}, QueueARNs: map[string]string{}}
	// DynamoDB Local sends a wrong checksum with its error responses, such
	// as the ResourceInUse of a table that exists, and the SDK would warn
	// about each; Provision only ever reaches emulators and LocalStack.
	db := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true })
	for _, id := range tmpl.Tables() {
		name := prefix + "-" + id
		if err := provisionTable(ctx, db, tmpl, id, name); err != nil {
			return nil, fmt.Errorf("devstack: table %s: %w", name, err)
		}
		res.Tables[id] = name
	}
	q := &queueProvisioner{client: sqs.NewFromConfig(cfg), prefix: prefix, res: res, queues: map[string]samtemplate.Queue{}}
	for _, queue := range tmpl.Queues() {
		q.queues[queue.LogicalID] = queue
	}
	for _, queue := range tmpl.Queues() {
		if err := q.provision(ctx, queue, nil); err != nil {
			return nil, fmt.Errorf("devstack: %w", err)
		}
	}
	return res, nil
}

func provisionTable(ctx context.Context, db *dynamodb.Client, tmpl *samtemplate.Template, id, name string) error {
	in, ttlAttr, err := tmpl.TableInput(id, name)
	if err != nil {
		return err
	}
	_, err = db.CreateTable(ctx, in)
	if inUse := (*dbtypes.ResourceInUseException)(nil); err != nil && !errors.As(err, &inUse) {
		return err
	}
	waiter := dynamodb.NewTableExistsWaiter(db)
	if err := waiter.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, time.Minute); err != nil {
		return err
	}
	if ttlAttr == "" {
		return nil
	}
	ttl, err := db.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(name)})
	if err != nil {
		return err
	}
	// DynamoDB rejects enabling TTL when it already is.
	if d := ttl.TimeToLiveDescription; d != nil && d.TimeToLiveStatus == dbtypes.TimeToLiveStatusEnabled && aws.ToString(d.AttributeName) == ttlAttr {
		return nil
	}
	_, err = db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName:               aws.String(name),
		TimeToLiveSpecification: &dbtypes.TimeToLiveSpecification{AttributeName: aws.String(ttlAttr), Enabled: aws.Bool(true)},
	})
	return err
}

type queueProvisioner struct {
	client *sqs.Client
	prefix string
	queues map[string]samtemplate.Queue
	res    *Resources
}

// provision creates queue after its dead-letter queue, whose ARN its
// redrive policy needs. path holds the queues waiting on this one, to
// report a redrive cycle instead of recursing forever.
func (p *queueProvisioner) provision(ctx context.Context, queue samtemplate.Queue, path []string) error {
	id := queue.LogicalID
	if _, done := p.res.QueueURLs[id]; done {
		return nil
	}
	for _, waiting := range path {
		if waiting == id {
			return fmt.Errorf("queue %s: redrive policies form a cycle %v", id, append(path, id))
		}
	}
	attrs := maps.Clone(queue.Attributes)
	if queue.DeadLetterQueue != "" {
		if err := p.provision(ctx, p.queues[queue.DeadLetterQueue], append(path, id)); err != nil {
			return err
		}
		policy, err := json.Marshal(map[string]string{
			"deadLetterTargetArn": p.res.QueueARNs[queue.DeadLetterQueue],
			"maxReceiveCount":     strconv.Itoa(queue.MaxReceiveCount),
		})
		if err != nil {
			return fmt.Errorf("queue %s: %w", id, err)
		}
		attrs["RedrivePolicy"] = string(policy)
	}
	name := p.prefix + "-" + id
	if attrs["FifoQueue"] == "true" {
		name += ".fifo" // SQS requires the suffix on FIFO queues
	}
	url, err := p.createOrUpdate(ctx, name, attrs)
	if err != nil {
		return fmt.Errorf("queue %s: %w", name, err)
	}
	got, err := p.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl:       aws.String(url),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn},
	})
	if err != nil {
		return fmt.Errorf("queue %s: %w", name, err)
	}
	p.res.QueueURLs[id], p.res.QueueARNs[id] = url, got.Attributes[string(sqstypes.QueueAttributeNameQueueArn)]
	return nil
}

// createOrUpdate creates the queue. CreateQueue returns the existing queue
// when the attributes match and fails when they differ; then the existing
// queue is brought in line with the template.
func (p *queueProvisioner) createOrUpdate(ctx context.Context, name string, attrs map[string]string) (string, error) {
	created, err := p.client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err == nil {
		return aws.ToString(created.QueueUrl), nil
	}
	if exists := (*sqstypes.QueueNameExists)(nil); !errors.As(err, &exists) {
		return "", err
	}
	found, err := p.client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
	if err != nil {
		return "", err
	}
	settable := make(map[string]string, len(attrs))
	for k, v := range attrs {
		if k != "FifoQueue" { // fixed at creation
			settable[k] = v
		}
	}
	if _, err := p.client.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: found.QueueUrl, Attributes: settable}); err != nil {
		return "", err
	}
	return aws.ToString(found.QueueUrl), nil
}
