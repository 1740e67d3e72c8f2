package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parcelgate/parcelgate/internal/webhook"
)

// Webhook items:
//
//	endpoint    PROJECT#<p>          WEBHOOK#<id>
//	attempt     WHATTEMPT#<id>#<shard> <utc time>#<attempt>#<random> (webhooks_attempts.go)
//	job event   NOTIFY#<p>#<shard>   <utc completion time>#<job id>#job
//	expiring    NOTIFY#<p>#<shard>   <utc expiry - 3 days>#<number>#expiring
//	disabled    NOTIFY#<p>#<shard>   <utc time disabled>#<webhook id>#disabled
//	stalled     NOTIFY#<p>#<shard>   <utc time stalled>#<number>#stalled
//	late        NOTIFY#<p>#<shard>   <utc latest>#<number>#late
//	exception   NOTIFY#<p>#<shard>   <notification record's key>#exception
//
// Events are the notification records (tracking.updated) and job events
// side by side in a project's NOTIFY# partitions, keyed by time: the feed
// reads the 16 partitions from a key on and merges them, oldest first.
// An endpoint's secrets live on its item; only the sender reads them.

// eventSuffixes end the keys of the events stored with their data; a
// tracking.updated event is read from its notification record instead.
var eventSuffixes = map[string]string{
	webhook.JobCompleted:           "job",
	webhook.TrackingNumberExpiring: "expiring",
	webhook.WebhookDisabled:        "disabled",
	webhook.TrackingStalled:        "stalled",
	webhook.TrackingLate:           "late",
}

type endpointItem struct {
	PK                      string   `dynamodbav:"PK"`
	SK                      string   `dynamodbav:"SK"`
	ID                      string   `dynamodbav:"webhookId"`
	ProjectID               string   `dynamodbav:"projectId"`
	URL                     string   `dynamodbav:"url"`
	Events                  []string `dynamodbav:"events"`
	Enabled                 bool     `dynamodbav:"enabled"`
	Description             string   `dynamodbav:"description,omitempty"`
	CreatedAt               string   `dynamodbav:"createdAt"`
	Secret                  string   `dynamodbav:"secret"`
	PreviousSecret          string   `dynamodbav:"previousSecret,omitempty"`
	PreviousSecretExpiresAt string   `dynamodbav:"previousSecretExpiresAt,omitempty"`
	FailingSince            string   `dynamodbav:"failingSince,omitempty"`
	DisabledReason          string   `dynamodbav:"disabledReason,omitempty"`
	DisabledAt              string   `dynamodbav:"disabledAt,omitempty"`
	DisabledEvent           string   `dynamodbav:"disabledEvent,omitempty"`
	SlowUntil               string   `dynamodbav:"slowUntil,omitempty"`
}

func newEndpointItem(e webhook.Endpoint) endpointItem {
	return endpointItem{
		PK: projectPK(e.ProjectID), SK: webhookSK(e.ID), ID: e.ID, ProjectID: e.ProjectID, URL: e.URL, Events: e.Events,
		Enabled: e.Enabled, Description: e.Description, CreatedAt: formatTime(e.CreatedAt), Secret: e.Secret,
		PreviousSecret: e.PreviousSecret, PreviousSecretExpiresAt: formatTime(e.PreviousSecretExpiresAt),
		FailingSince: formatTime(e.FailingSince), DisabledReason: e.DisabledReason, DisabledAt: formatTime(e.DisabledAt),
		DisabledEvent: e.DisabledEvent, SlowUntil: formatTime(e.SlowUntil),
	}
}

func (it endpointItem) endpoint() (webhook.Endpoint, error) {
	at := timesOf(it.PK, it.SK)
	return webhook.Endpoint{
		ID: it.ID, ProjectID: it.ProjectID, URL: it.URL, Events: it.Events, Enabled: it.Enabled, Description: it.Description,
		CreatedAt: at.at(it.CreatedAt), Secret: it.Secret, PreviousSecret: it.PreviousSecret,
		PreviousSecretExpiresAt: at.at(it.PreviousSecretExpiresAt), FailingSince: at.at(it.FailingSince),
		DisabledReason: it.DisabledReason, DisabledAt: at.at(it.DisabledAt), DisabledEvent: it.DisabledEvent,
		SlowUntil: at.at(it.SlowUntil),
	}, at.err
}

func (s *Webhooks) putEndpoint(ctx context.Context, e webhook.Endpoint, condition string) error {
	av, err := attributevalue.MarshalMap(newEndpointItem(e))
	if err != nil {
		return err
	}
	_, err = s.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Name, Item: av, ConditionExpression: aws.String(condition)})
	if isConditionFailed(err) {
		return webhook.ErrNotFound
	}
	return err
}

// PutEndpoint implements webhook.Store.
func (s *Webhooks) PutEndpoint(ctx context.Context, e webhook.Endpoint) error {
	return s.putEndpoint(ctx, e, "attribute_not_exists(PK)")
}

// UpdateEndpoint implements webhook.Store.
func (s *Webhooks) UpdateEndpoint(ctx context.Context, e webhook.Endpoint) error {
	return s.putEndpoint(ctx, e, "attribute_exists(PK)")
}

// Endpoint implements webhook.Store.
func (s *Webhooks) Endpoint(ctx context.Context, projectID, id string) (webhook.Endpoint, error) {
	out, err := s.Client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Name, Key: endpointKey(projectID, id), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return webhook.Endpoint{}, err
	}
	if out.Item == nil {
		return webhook.Endpoint{}, webhook.ErrNotFound
	}
	var it endpointItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return webhook.Endpoint{}, err
	}
	return it.endpoint()
}

// Endpoints implements webhook.Store: one Query, at most MaxEndpoints.
func (s *Webhooks) Endpoints(ctx context.Context, projectID string) ([]webhook.Endpoint, error) {
	out, err := s.Client.Query(ctx, &dynamodb.QueryInput{
		TableName:              &s.Name,
		KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :sk)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(projectPK(projectID)), ":sk": str(skWebhook),
		},
	})
	if err != nil {
		return nil, err
	}
	endpoints := make([]webhook.Endpoint, 0, len(out.Items))
	for _, raw := range out.Items {
		var it endpointItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return nil, err
		}
		e, err := it.endpoint()
		if err != nil {
			return nil, err
		}
		endpoints = append(endpoints, e)
	}
	return endpoints, nil
}

// DeleteEndpoint implements webhook.Store.
func (s *Webhooks) DeleteEndpoint(ctx context.Context, projectID, id string) error {
	_, err := s.Client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.Name, Key: endpointKey(projectID, id)})
	return err
}

// DisableEndpoint implements webhook.Store: one transaction.
func (s *Webhooks) DisableEndpoint(ctx context.Context, projectID, id, reason string, ev webhook.Event, ref webhook.Ref, ttl time.Duration) (bool, error) {
	count, err := s.shardsOf(ctx, ev.ProjectID)
	if err != nil {
		return false, err
	}
	_, err = s.Client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: &types.Update{
			TableName: &s.Name, Key: endpointKey(projectID, id),
			UpdateExpression:    aws.String("SET enabled = :f, disabledEvent = :ev, disabledReason = :reason, disabledAt = :at"),
			ConditionExpression: aws.String("enabled = :t"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":f": &types.AttributeValueMemberBOOL{Value: false}, ":t": &types.AttributeValueMemberBOOL{Value: true}, ":ev": str(ev.ID),
				":reason": str(reason), ":at": str(formatTime(ev.CreatedAt)),
			},
		}},
		{Put: &types.Put{TableName: &s.Name, Item: webhookEventItem(ev, count, ref, ttl)}},
	}})
	if isConditionFailed(err) {
		return false, nil // disabled or deleted meanwhile
	}
	return err == nil, err
}

// DisabledAnnounced implements webhook.Store.
func (s *Webhooks) DisabledAnnounced(ctx context.Context, projectID, id, eventID string) error {
	_, err := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.Name, Key: endpointKey(projectID, id),
		UpdateExpression:          aws.String("REMOVE disabledEvent"),
		ConditionExpression:       aws.String("disabledEvent = :ev"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":ev": str(eventID)},
	})
	if isConditionFailed(err) {
		return nil
	}
	return err
}

// MarkSlow implements webhook.Store.
func (s *Webhooks) MarkSlow(ctx context.Context, projectID, id string, until time.Time) error {
	_, err := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.Name, Key: endpointKey(projectID, id),
		UpdateExpression:          aws.String("SET slowUntil = :until"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":until": str(formatTime(until))},
	})
	if isConditionFailed(err) {
		return nil
	}
	return err
}

// Lease implements webhook.Store: leaseUntil on the endpoint's item,
// taken when absent or past.
func (s *Webhooks) Lease(ctx context.Context, projectID, id string, now, until time.Time) (bool, error) {
	_, err := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.Name, Key: endpointKey(projectID, id),
		UpdateExpression:    aws.String("SET leaseUntil = :until"),
		ConditionExpression: aws.String("attribute_exists(PK) AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":until": str(formatTime(until)), ":now": str(formatTime(now)),
		},
	})
	if isConditionFailed(err) {
		return false, nil
	}
	return err == nil, err
}

// Release implements webhook.Store.
func (s *Webhooks) Release(ctx context.Context, projectID, id string, until time.Time) error {
	_, err := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.Name, Key: endpointKey(projectID, id),
		UpdateExpression:          aws.String("REMOVE leaseUntil"),
		ConditionExpression:       aws.String("leaseUntil = :until"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":until": str(formatTime(until))},
	})
	if isConditionFailed(err) {
		return nil // expired and taken by another delivery
	}
	return err
}

// MarkFailing implements webhook.Store: one update keeps the first
// failure's time.
func (s *Webhooks) MarkFailing(ctx context.Context, projectID, id string, at time.Time) (time.Time, error) {
	out, err := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.Name, Key: endpointKey(projectID, id),
		UpdateExpression:          aws.String("SET failingSince = if_not_exists(failingSince, :at)"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":at": str(formatTime(at))},
		ReturnValues:              types.ReturnValueUpdatedNew,
	})
	if isConditionFailed(err) {
		return at, nil // deleted meanwhile
	}
	if err != nil {
		return time.Time{}, err
	}
	since, _ := out.Attributes["failingSince"].(*types.AttributeValueMemberS)
	if since == nil {
		return at, nil
	}
	first, err := parseTime(since.Value)
	if err != nil {
		return time.Time{}, fmt.Errorf("item %s %s: %w", projectPK(projectID), webhookSK(id), err)
	}
	return first, nil
}

// ClearFailing implements webhook.Store.
func (s *Webhooks) ClearFailing(ctx context.Context, projectID, id string) error {
	_, err := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.Name, Key: endpointKey(projectID, id),
		UpdateExpression:    aws.String("REMOVE failingSince"),
		ConditionExpression: aws.String("attribute_exists(PK)"),
	})
	if isConditionFailed(err) {
		return nil
	}
	return err
}
