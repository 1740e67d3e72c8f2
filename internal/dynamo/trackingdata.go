package dynamo

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parcelgate/parcelgate/internal/carrier"
	"github.com/parcelgate/parcelgate/internal/message"
	"github.com/parcelgate/parcelgate/internal/tag"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

var (
	_ tracking.Store   = (*Tracking)(nil)
	_ message.Tracking = (*Tracking)(nil)
)

type shipmentItem struct {
	TrackingNumber string `dynamodbav:"trackingNumber"`
	Carrier        string `dynamodbav:"carrier"`
	Type           string `dynamodbav:"type"`
	Service        string `dynamodbav:"service"`
	// CustomAttributes is JSON: free-form values keep their exact form.
	CustomAttributes string   `dynamodbav:"customAttributes"`
	CreatedAt        string   `dynamodbav:"createdAt"`
	FirstKnownAt     string   `dynamodbav:"firstKnownAt"`
	Status           string   `dynamodbav:"status"`
	Tag              string   `dynamodbav:"tag"`
	Subtag           string   `dynamodbav:"subtag"`
	UpdatedAt        string   `dynamodbav:"updatedAt"`
	ExpectedFlow     []string `dynamodbav:"expectedFlow"`
	LastService      string   `dynamodbav:"lastService"`
	ServiceUpdatedAt string   `dynamodbav:"serviceUpdatedAt"`
	// The state's sequence and pending changes: the last is the current
	// status's change, whose event the shipment shows as Latest.
	Sequence int           `dynamodbav:"seq"`
	Pending  []changeAttrs `dynamodbav:"pending"`
}

type eventItem struct {
	PK           string `dynamodbav:"PK"`
	SK           string `dynamodbav:"SK"`
	Status       string `dynamodbav:"status"`
	OriginStatus string `dynamodbav:"originStatus,omitempty"`
	Agency       string `dynamodbav:"agency,omitempty"`
	Datetime     string `dynamodbav:"datetime"`
	// Tag and Subtag are absent on events stored before statuses had
	// tags: tracking.Service classifies those when read.
	Tag    string `dynamodbav:"tag,omitempty"`
	Subtag string `dynamodbav:"subtag,omitempty"`
}

func (it eventItem) event() tracking.Event {
	at, _ := tracking.ParseDatetime(it.Datetime)
	return tracking.Event{Status: it.Status, OriginStatus: it.OriginStatus, Agency: it.Agency, Datetime: it.Datetime, At: at,
		Tag: tag.Tag(it.Tag), Subtag: tag.Subtag(it.Subtag)}
}

// Shipment implements tracking.Store.
func (s *Tracking) Shipment(ctx context.Context, number string) (tracking.Shipment, error) {
	var it shipmentItem
	found, err := s.get(ctx, trackingPK(number), skShipment, &it)
	if err != nil {
		return tracking.Shipment{}, err
	}
	if !found {
		return tracking.Shipment{}, tracking.ErrNotFound
	}
	return it.shipment()
}

func (it shipmentItem) shipment() (tracking.Shipment, error) {
	sh := tracking.Shipment{
		TrackingNumber: it.TrackingNumber, Carrier: carrier.Carrier(it.Carrier), Type: it.Type, Service: it.Service,
		Status: it.Status, Tag: tag.Tag(it.Tag), Subtag: tag.Subtag(it.Subtag), CreatedAt: it.CreatedAt, FirstKnownAt: it.FirstKnownAt, UpdatedAt: it.UpdatedAt, ExpectedFlow: it.ExpectedFlow,
		LastService: it.LastService, ServiceUpdatedAt: it.ServiceUpdatedAt, CustomAttributes: map[string]any{},
	}
	if k := len(it.Pending); k > 0 && it.Pending[k-1].Sequence == it.Sequence {
		sh.Latest = it.Pending[k-1].event()
	}
	if it.CustomAttributes != "" {
		if err := json.Unmarshal([]byte(it.CustomAttributes), &sh.CustomAttributes); err != nil {
			return tracking.Shipment{}, err
		}
	}
	return sh, nil
}

// Tracked implements tracking.Store: one Query of the parcel's partition,
// newest first, from the shipment (SHIPMENT) down through its events
// (EV#...), with the item keyed between them (NOTIFIED) giving the
// estimate last told (Told). It reads
// limit+2 items a page, so that one page holds the shipment, the marker
// and limit events; a further page is read only when other items took
// their place. Strongly consistent, as the shipment and the events are
// read together: the status shown always has its event in the history.
func (s *Tracking) Tracked(ctx context.Context, number string, limit int) (tracking.Shipment, []tracking.Event, error) {
	in := &dynamodb.QueryInput{
		TableName:              &s.Name,
		KeyConditionExpression: aws.String("PK = :pk AND SK BETWEEN :ev AND :sh"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(trackingPK(number)), ":ev": str(skEvent), ":sh": str(skShipment),
		},
		ScanIndexForward: aws.Bool(false),
		Limit:            aws.Int32(int32(limit + 2)),
		ConsistentRead:   aws.Bool(true),
	}
	var sh *shipmentItem
	var told *tracking.EstimatedDelivery
	events := make([]tracking.Event, 0, limit)
	for {
		out, err := s.Client.Query(ctx, in)
		if err != nil {
			return tracking.Shipment{}, nil, err
		}
		for _, raw := range out.Items {
			sk, _ := raw[attrSK].(*types.AttributeValueMemberS)
			switch {
			case sk == nil:
			case sk.Value == skShipment:
				sh = &shipmentItem{}
				if err := attributevalue.UnmarshalMap(raw, sh); err != nil {
					return tracking.Shipment{}, nil, err
				}
			case sk.Value == skNotified:
				told = decodeEstimate(getS(raw, attrTold))
			case strings.HasPrefix(sk.Value, skEvent) && len(events) < limit:
				var it eventItem
				if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
					return tracking.Shipment{}, nil, err
				}
				events = append(events, it.event())
			}
		}
		if len(events) >= limit || out.LastEvaluatedKey == nil {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	if sh == nil {
		return tracking.Shipment{}, nil, tracking.ErrNotFound
	}
	shipment, err := sh.shipment()
	shipment.Told = told
	return shipment, events, err
}

// Events implements tracking.Store.
func (s *Tracking) Events(ctx context.Context, number string, limit int) ([]tracking.Event, error) {
	out, err := s.Client.Query(ctx, &dynamodb.QueryInput{
		TableName:              &s.Name,
		KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :sk)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(trackingPK(number)),
			":sk": str(skEvent),
		},
		ScanIndexForward: aws.Bool(false),
		Limit:            aws.Int32(int32(limit)),
		// As consistent as the shipment read beside it: the status shown
		// always has its event in the history.
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, err
	}
	events := make([]tracking.Event, 0, len(out.Items))
	for _, raw := range out.Items {
		var it eventItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return nil, err
		}
		events = append(events, it.event())
	}
	return events, nil
}

// PutShipment implements message.Tracking.
func (s *Tracking) PutShipment(ctx context.Context, sh tracking.Shipment) error {
	attrs, err := json.Marshal(sh.CustomAttributes)
	if err != nil {
		return err
	}
	update := "SET trackingNumber = :n, carrier = :c, #type = :t, service = :svc, customAttributes = :ca, firstKnownAt = if_not_exists(firstKnownAt, :known)"
	values := map[string]types.AttributeValue{
		":n": str(sh.TrackingNumber), ":c": str(string(sh.Carrier)), ":t": str(sh.Type),
		":svc": str(sh.Service), ":ca": str(string(attrs)), ":known": str(sh.FirstKnownAt),
	}
	if sh.CreatedAt != "" {
		update += ", createdAt = :created"
		values[":created"] = str(sh.CreatedAt)
	}
	// A flow given by the sender is kept as given, [] included; without one
	// the flow is derived when read, so a stale one must go.
	remove := " REMOVE expectedFlow"
	if sh.ExpectedFlow != nil {
		flow, err := attributevalue.Marshal(sh.ExpectedFlow)
		if err != nil {
			return err
		}
		update += ", expectedFlow = :flow"
		values[":flow"] = flow
		remove = ""
	}
	update += remove
	_, err = s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.Name, Key: trackingKey(sh.TrackingNumber, skShipment),
		UpdateExpression: &update, ExpressionAttributeNames: map[string]string{"#type": "type"},
		ExpressionAttributeValues: values,
	})
	return err
}

// PutEvents implements message.Tracking: every number's events in shared
// batches, each event stored once whatever the number of deliveries.
func (s *Tracking) PutEvents(ctx context.Context, events map[string][]tracking.Event) error {
	seen := map[string]bool{}
	var writes []types.WriteRequest
	for number, evs := range events {
		for _, ev := range evs {
			sk := eventSK(ev)
			// BatchWriteItem refuses a batch that writes one item twice.
			if seen[number+"\x00"+sk] {
				continue
			}
			seen[number+"\x00"+sk] = true
			av, err := attributevalue.MarshalMap(eventItem{PK: trackingPK(number), SK: sk, Status: ev.Status, OriginStatus: ev.OriginStatus, Agency: ev.Agency, Datetime: ev.Datetime,
				Tag: string(ev.Tag), Subtag: string(ev.Subtag)})
			if err != nil {
				return err
			}
			writes = append(writes, types.WriteRequest{PutRequest: &types.PutRequest{Item: av}})
		}
	}
	return s.batchWrite(ctx, writes)
}

// SetService implements message.Tracking.
func (s *Tracking) SetService(ctx context.Context, number, service, datetime string, at time.Time) error {
	sk := historySK(skService, at, service, datetime)
	_, err := s.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Name, Item: item{
		attrPK: str(trackingPK(number)), attrSK: str(sk), "service": str(service), "datetime": str(datetime),
	}})
	if err != nil {
		return err
	}
	_, err = s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.Name, Key: trackingKey(number, skShipment),
		UpdateExpression:          aws.String("SET trackingNumber = :n, lastService = :svc, serviceUpdatedAt = :at, latestService = :key"),
		ConditionExpression:       aws.String("attribute_not_exists(latestService) OR latestService < :key"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":n": str(number), ":svc": str(service), ":at": str(datetime), ":key": str(sk)},
	})
	if isConditionFailed(err) {
		return nil
	}
	return err
}
