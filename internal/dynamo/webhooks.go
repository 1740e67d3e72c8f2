package dynamo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"golang.org/x/sync/errgroup"

	"github.com/parcelgate/parcelgate/internal/carrier"
	"github.com/parcelgate/parcelgate/internal/page"
	"github.com/parcelgate/parcelgate/internal/tag"
	"github.com/parcelgate/parcelgate/internal/tracking"
	"github.com/parcelgate/parcelgate/internal/webhook"
)

// Webhook items:
//
//	endpoint    PROJECT#<p>          WEBHOOK#<id>
//	attempt     WHATTEMPT#<id>       <utc time>#<attempt>#<random>
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

const skWebhook = "WEBHOOK#"

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

func webhookSK(id string) string { return skWebhook + id }

func attemptPK(webhookID string) string { return "WHATTEMPT#" + webhookID }

// webhookEventSK is where an event sits in its NOTIFY# partition. A
// tracking.exception record follows its change's notification record,
// so the feed gives the two in that order and a cursor between them
// loses neither.
func webhookEventSK(ref webhook.Ref) string {
	if suffix, ok := eventSuffixes[ref.Type]; ok {
		return ref.At.UTC().Format(sortableTime) + "#" + ref.Subject + "#" + suffix
	}
	if ref.Type == webhook.TrackingException {
		return notificationSK(ref.At, ref.Subject, ref.Sequence) + "#exception"
	}
	return notificationSK(ref.At, ref.Subject, ref.Sequence)
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

func (it endpointItem) endpoint() webhook.Endpoint {
	return webhook.Endpoint{
		ID: it.ID, ProjectID: it.ProjectID, URL: it.URL, Events: it.Events, Enabled: it.Enabled, Description: it.Description,
		CreatedAt: parseTime(it.CreatedAt), Secret: it.Secret, PreviousSecret: it.PreviousSecret,
		PreviousSecretExpiresAt: parseTime(it.PreviousSecretExpiresAt), FailingSince: parseTime(it.FailingSince),
		DisabledReason: it.DisabledReason, DisabledAt: parseTime(it.DisabledAt), DisabledEvent: it.DisabledEvent,
		SlowUntil: parseTime(it.SlowUntil),
	}
}

func (s *Store) putEndpoint(ctx context.Context, e webhook.Endpoint, condition string) error {
	av, err := attributevalue.MarshalMap(newEndpointItem(e))
	if err != nil {
		return err
	}
	_, err = s.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: av, ConditionExpression: aws.String(condition)})
	if isConditionFailed(err) {
		return webhook.ErrNotFound
	}
	return err
}

// PutEndpoint implements webhook.Store.
func (s *Store) PutEndpoint(ctx context.Context, e webhook.Endpoint) error {
	return s.putEndpoint(ctx, e, "attribute_not_exists(PK)")
}

// UpdateEndpoint implements webhook.Store.
func (s *Store) UpdateEndpoint(ctx context.Context, e webhook.Endpoint) error {
	return s.putEndpoint(ctx, e, "attribute_exists(PK)")
}

func endpointKey(projectID, id string) item {
	return item{attrPK: str(projectPK(projectID)), attrSK: str(webhookSK(id))}
}

// Endpoint implements webhook.Store.
func (s *Store) Endpoint(ctx context.Context, projectID, id string) (webhook.Endpoint, error) {
	out, err := s.Client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, Key: endpointKey(projectID, id), ConsistentRead: aws.Bool(true)})
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
	return it.endpoint(), nil
}

// Endpoints implements webhook.Store: one Query, at most MaxEndpoints.
func (s *Store) Endpoints(ctx context.Context, projectID string) ([]webhook.Endpoint, error) {
	out, err := s.Client.Query(ctx, &dynamodb.QueryInput{
		TableName:              &s.Table,
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
		endpoints = append(endpoints, it.endpoint())
	}
	return endpoints, nil
}

// DeleteEndpoint implements webhook.Store.
func (s *Store) DeleteEndpoint(ctx context.Context, projectID, id string) error {
	_, err := s.Client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.Table, Key: endpointKey(projectID, id)})
	return err
}

// DisableEndpoint implements webhook.Store: one transaction.
func (s *Store) DisableEndpoint(ctx context.Context, projectID, id, reason string, ev webhook.Event, ref webhook.Ref, ttl time.Duration) (bool, error) {
	_, err := s.Client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: &types.Update{
			TableName: &s.Table, Key: endpointKey(projectID, id),
			UpdateExpression:    aws.String("SET enabled = :f, disabledEvent = :ev, disabledReason = :reason, disabledAt = :at"),
			ConditionExpression: aws.String("enabled = :t"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":f": &types.AttributeValueMemberBOOL{Value: false}, ":t": &types.AttributeValueMemberBOOL{Value: true}, ":ev": str(ev.ID),
				":reason": str(reason), ":at": str(formatTime(ev.CreatedAt)),
			},
		}},
		{Put: &types.Put{TableName: &s.Table, Item: webhookEventItem(ev, ref, ttl)}},
	}})
	if isConditionFailed(err) {
		return false, nil // disabled or deleted meanwhile
	}
	return err == nil, err
}

// DisabledAnnounced implements webhook.Store.
func (s *Store) DisabledAnnounced(ctx context.Context, projectID, id, eventID string) error {
	_, err := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.Table, Key: endpointKey(projectID, id),
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
func (s *Store) MarkSlow(ctx context.Context, projectID, id string, until time.Time) error {
	_, err := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.Table, Key: endpointKey(projectID, id),
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
func (s *Store) Lease(ctx context.Context, projectID, id string, now, until time.Time) (bool, error) {
	_, err := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.Table, Key: endpointKey(projectID, id),
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
func (s *Store) Release(ctx context.Context, projectID, id string, until time.Time) error {
	_, err := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.Table, Key: endpointKey(projectID, id),
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
func (s *Store) MarkFailing(ctx context.Context, projectID, id string, at time.Time) (time.Time, error) {
	out, err := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.Table, Key: endpointKey(projectID, id),
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
	return parseTime(since.Value), nil
}

// ClearFailing implements webhook.Store.
func (s *Store) ClearFailing(ctx context.Context, projectID, id string) error {
	_, err := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.Table, Key: endpointKey(projectID, id),
		UpdateExpression:    aws.String("REMOVE failingSince"),
		ConditionExpression: aws.String("attribute_exists(PK)"),
	})
	if isConditionFailed(err) {
		return nil
	}
	return err
}

// PutEvent implements webhook.Store: the event's key comes from its ref,
// so writing it again replaces it with itself.
func (s *Store) PutEvent(ctx context.Context, ev webhook.Event, ref webhook.Ref, ttl time.Duration) error {
	_, err := s.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: webhookEventItem(ev, ref, ttl)})
	return err
}

func webhookEventItem(ev webhook.Event, ref webhook.Ref, ttl time.Duration) item {
	return item{
		attrPK:      str(notificationPK(ev.ProjectID, ref.Subject)),
		attrSK:      str(webhookEventSK(ref)),
		"type":      str(ev.Type),
		"projectId": str(ev.ProjectID),
		"data":      str(string(ev.Data)),
		"createdAt": str(formatTime(ev.CreatedAt)),
		"expiresAt": &types.AttributeValueMemberN{Value: strconv.FormatInt(ev.CreatedAt.Add(ttl).Unix(), 10)},
	}
}

// FeedEvent implements webhook.Store.
func (s *Store) FeedEvent(ctx context.Context, projectID string, ref webhook.Ref) (webhook.Event, error) {
	out, err := s.Client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, Key: item{
		attrPK: str(notificationPK(projectID, ref.Subject)), attrSK: str(webhookEventSK(ref)),
	}})
	if err != nil {
		return webhook.Event{}, err
	}
	ev, ok, err := recordEvent(projectID, out.Item, time.Now())
	if err != nil {
		return webhook.Event{}, err
	}
	if !ok {
		return webhook.Event{}, webhook.ErrEventNotFound
	}
	return ev, nil
}

// FeedEvents implements webhook.Store: each of the project's partitions is
// read from the start key on, and the pages are merged by key (time).
func (s *Store) FeedEvents(ctx context.Context, projectID string, after webhook.Ref, since time.Time, limit int) ([]webhook.Event, error) {
	start := since.UTC().Format(sortableTime)
	if !after.IsZero() {
		start = webhookEventSK(after)
	}
	type keyed struct {
		sk string
		ev webhook.Event
	}
	shards := make([][]keyed, associationShards)
	now := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(batchConcurrency)
	for shard := range associationShards {
		g.Go(func() error {
			out, err := s.Client.Query(gctx, &dynamodb.QueryInput{
				TableName:              &s.Table,
				KeyConditionExpression: aws.String("PK = :pk AND SK > :start"),
				ExpressionAttributeValues: map[string]types.AttributeValue{
					":pk": str(fmt.Sprintf("NOTIFY#%s#%02d", projectID, shard)), ":start": str(start),
				},
				Limit: aws.Int32(int32(limit)),
			})
			if err != nil {
				return err
			}
			for _, raw := range out.Items {
				ev, ok, err := recordEvent(projectID, raw, now)
				if err != nil {
					return err
				}
				if ok {
					shards[shard] = append(shards[shard], keyed{raw[attrSK].(*types.AttributeValueMemberS).Value, ev})
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var all []keyed
	for _, sh := range shards {
		all = append(all, sh...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].sk < all[j].sk })
	out := make([]webhook.Event, 0, min(limit, len(all)))
	for _, k := range all[:min(limit, len(all))] {
		out = append(out, k.ev)
	}
	return out, nil
}

// recordEvent reads an event from a notification record or a job event;
// ok is false for a missing or expired item.
func recordEvent(projectID string, raw item, now time.Time) (webhook.Event, bool, error) {
	if raw == nil {
		return webhook.Event{}, false, nil
	}
	var it struct {
		SK             string `dynamodbav:"SK"`
		Type           string `dynamodbav:"type"`
		Data           string `dynamodbav:"data"`
		TrackingNumber string `dynamodbav:"trackingNumber"`
		Carrier        string `dynamodbav:"carrier"`
		Sequence       int    `dynamodbav:"sequence"`
		Status         string `dynamodbav:"status"`
		PreviousStatus string `dynamodbav:"previousStatus"`
		Tag            string `dynamodbav:"tag"`
		Subtag         string `dynamodbav:"subtag"`
		PreviousTag    string `dynamodbav:"previousTag"`
		OriginStatus   string `dynamodbav:"originStatus"`
		Agency         string `dynamodbav:"agency"`
		Datetime       string `dynamodbav:"datetime"`
		ExpiresAt      int64  `dynamodbav:"expiresAt"`
	}
	if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
		return webhook.Event{}, false, err
	}
	if it.ExpiresAt > 0 && it.ExpiresAt < now.Unix() {
		return webhook.Event{}, false, nil
	}
	if len(it.SK) <= len(sortableTime) {
		return webhook.Event{}, false, fmt.Errorf("event key %q: too short", it.SK)
	}
	at, err := time.Parse(sortableTime, it.SK[:len(sortableTime)])
	if err != nil {
		return webhook.Event{}, false, fmt.Errorf("event key %q: %w", it.SK, err)
	}
	rest := it.SK[len(sortableTime)+1:]
	subject := rest[:max(strings.LastIndex(rest, "#"), 0)]
	if _, stored := eventSuffixes[it.Type]; stored {
		ref := webhook.Ref{Type: it.Type, Subject: subject, At: at}
		return webhook.Event{ID: ref.ID(), Type: it.Type, ProjectID: projectID, CreatedAt: at, Data: []byte(it.Data)}, true, nil
	}
	at2, _ := tracking.ParseDatetime(it.Datetime)
	c := tracking.Change{
		TrackingNumber: it.TrackingNumber, Carrier: carrier.Carrier(it.Carrier), Sequence: it.Sequence, PreviousStatus: it.PreviousStatus,
		PreviousTag: tag.Tag(it.PreviousTag),
		Event: tracking.Event{Status: it.Status, OriginStatus: it.OriginStatus, Agency: it.Agency, Datetime: it.Datetime, At: at2,
			Tag: tag.Tag(it.Tag), Subtag: tag.Subtag(it.Subtag)},
		At: at,
	}
	if c.Event.Tag == "" {
		// A record written before statuses had tags.
		legacy := []tracking.Event{c.Event}
		tracking.Classify(c.Carrier, "", legacy)
		c.Event = legacy[0]
	}
	if it.Type == webhook.TrackingException {
		return webhook.ExceptionEvent(projectID, c), true, nil
	}
	return webhook.TrackingEvent(projectID, c), true, nil
}

type attemptItem struct {
	PK             string `dynamodbav:"PK"`
	SK             string `dynamodbav:"SK"`
	EventID        string `dynamodbav:"eventId"`
	Type           string `dynamodbav:"type"`
	Attempt        int    `dynamodbav:"attempt"`
	Status         string `dynamodbav:"status"`
	ResponseStatus int    `dynamodbav:"responseStatus"`
	DurationMs     int64  `dynamodbav:"durationMs"`
	At             string `dynamodbav:"at"`
	ExpiresAt      int64  `dynamodbav:"expiresAt"`
}

// PutAttempt implements webhook.Store: the key is the item's sort key.
func (s *Store) PutAttempt(ctx context.Context, a webhook.Attempt, ttl time.Duration) (string, error) {
	sk := fmt.Sprintf("%s#%04d#%s", a.At.UTC().Format(sortableTime), a.Attempt, uniqueSuffix())
	av, err := attributevalue.MarshalMap(attemptItem{
		PK: attemptPK(a.WebhookID), SK: sk,
		EventID: a.EventID, Type: a.Type, Attempt: a.Attempt, Status: a.Status, ResponseStatus: a.ResponseStatus,
		DurationMs: a.Duration.Milliseconds(), At: formatTime(a.At), ExpiresAt: a.At.Add(ttl).Unix(),
	})
	if err != nil {
		return "", err
	}
	_, err = s.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: av})
	return sk, err
}

// SettleAttempt implements webhook.Store: one conditional update, which
// creates nothing where the attempt expired.
func (s *Store) SettleAttempt(ctx context.Context, webhookID, key string) error {
	_, err := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.Table, Key: item{attrPK: str(attemptPK(webhookID)), attrSK: str(key)},
		UpdateExpression:         aws.String("SET #status = :failed"),
		ConditionExpression:      aws.String("#status = :pending"),
		ExpressionAttributeNames: map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":failed": str(webhook.Failed), ":pending": str(webhook.Pending),
		},
	})
	if isConditionFailed(err) {
		return nil
	}
	return err
}

// uniqueSuffix keeps apart two attempts of one instant (a replay of an
// event while its retry runs, say): each attempt is its own record.
func uniqueSuffix() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Attempts implements webhook.Store: newest first.
func (s *Store) Attempts(ctx context.Context, webhookID string, req page.Request) (page.Page[webhook.Attempt], error) {
	pk := attemptPK(webhookID)
	items, next, err := s.queryPage(ctx, &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk)},
		ScanIndexForward:          aws.Bool(false),
	}, attrPK, pk, req)
	if err != nil {
		return page.Page[webhook.Attempt]{}, err
	}
	out := page.Page[webhook.Attempt]{NextCursor: next}
	for _, raw := range items {
		var it attemptItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return page.Page[webhook.Attempt]{}, err
		}
		out.Items = append(out.Items, webhook.Attempt{
			WebhookID: webhookID, EventID: it.EventID, Type: it.Type, Attempt: it.Attempt, Status: it.Status,
			ResponseStatus: it.ResponseStatus, Duration: time.Duration(it.DurationMs) * time.Millisecond, At: parseTime(it.At),
		})
	}
	return out, nil
}
