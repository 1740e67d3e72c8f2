package dynamo

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/parcelgate/parcelgate/internal/sorttime"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"golang.org/x/sync/errgroup"

	"github.com/parcelgate/parcelgate/internal/carrier"
	"github.com/parcelgate/parcelgate/internal/tag"
	"github.com/parcelgate/parcelgate/internal/tracking"
	"github.com/parcelgate/parcelgate/internal/webhook"
)

// The event feed: events stored with their data, and the notification
// records read as tracking.updated events.

// PutEvent implements webhook.Store: the event's key comes from its ref,
// so writing it again replaces it with itself.
func (s *Webhooks) PutEvent(ctx context.Context, ev webhook.Event, ref webhook.Ref, ttl time.Duration) error {
	count, err := s.shardsOf(ctx, ev.ProjectID)
	if err != nil {
		return err
	}
	_, err = s.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Name, Item: webhookEventItem(ev, count, ref, ttl)})
	return err
}

func webhookEventItem(ev webhook.Event, count shards, ref webhook.Ref, ttl time.Duration) item {
	return item{
		attrPK:      str(notificationPK(ev.ProjectID, count, ref.Subject)),
		attrSK:      str(webhookEventSK(ref)),
		"type":      str(ev.Type),
		"projectId": str(ev.ProjectID),
		"data":      str(string(ev.Data)),
		"createdAt": str(formatTime(ev.CreatedAt)),
		"expiresAt": &types.AttributeValueMemberN{Value: strconv.FormatInt(ev.CreatedAt.Add(ttl).Unix(), 10)},
	}
}

// FeedEvent implements webhook.Store.
func (s *Webhooks) FeedEvent(ctx context.Context, projectID string, ref webhook.Ref) (webhook.Event, error) {
	count, err := s.shardsOf(ctx, projectID)
	if err != nil {
		return webhook.Event{}, err
	}
	out, err := s.Client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Name, Key: item{
		attrPK: str(notificationPK(projectID, count, ref.Subject)), attrSK: str(webhookEventSK(ref)),
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
// read from the start key on (a Query per shard), and the pages are merged
// by key (time).
func (s *Webhooks) FeedEvents(ctx context.Context, projectID string, after webhook.Ref, since time.Time, limit int) ([]webhook.Event, error) {
	count, err := s.shardsOf(ctx, projectID)
	if err != nil {
		return nil, err
	}
	start := sorttime.Format(since)
	if !after.IsZero() {
		start = webhookEventSK(after)
	}
	type keyed struct {
		sk string
		ev webhook.Event
	}
	found := make([][]keyed, count)
	now := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(batchConcurrency)
	for shard := range int(count) {
		g.Go(func() error {
			out, err := s.Client.Query(gctx, &dynamodb.QueryInput{
				TableName:              &s.Name,
				KeyConditionExpression: aws.String("PK = :pk AND SK > :start"),
				ExpressionAttributeValues: map[string]types.AttributeValue{
					":pk": str(notificationShardPK(projectID, shard)), ":start": str(start),
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
					found[shard] = append(found[shard], keyed{raw[attrSK].(*types.AttributeValueMemberS).Value, ev})
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var all []keyed
	for _, sh := range found {
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
		Estimated      string `dynamodbav:"estimatedDelivery"`
	}
	if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
		return webhook.Event{}, false, err
	}
	if it.ExpiresAt > 0 && it.ExpiresAt < now.Unix() {
		return webhook.Event{}, false, nil
	}
	if len(it.SK) <= len(sorttime.Layout) {
		return webhook.Event{}, false, fmt.Errorf("event key %q: too short", it.SK)
	}
	at, err := sorttime.Parse(it.SK[:len(sorttime.Layout)])
	if err != nil {
		return webhook.Event{}, false, fmt.Errorf("event key %q: %w", it.SK, err)
	}
	rest := it.SK[len(sorttime.Layout)+1:]
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
		At: at, Estimated: decodeEstimate(it.Estimated),
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
