package dynamo

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"golang.org/x/sync/errgroup"

	"github.com/parcelgate/parcelgate/internal/carrier"
	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/tag"
	"github.com/parcelgate/parcelgate/internal/tracking"
	"github.com/parcelgate/parcelgate/internal/webhook"
)

// stateItem is the part of the shipment item that holds the number's state.
type stateItem struct {
	TrackingNumber string        `dynamodbav:"trackingNumber"`
	Carrier        string        `dynamodbav:"carrier"`
	Owner          string        `dynamodbav:"owner"`
	Status         string        `dynamodbav:"status"`
	Tag            string        `dynamodbav:"tag"`
	LatestEvent    string        `dynamodbav:"latestEvent"`
	Sequence       int           `dynamodbav:"seq"`
	Pending        []changeAttrs `dynamodbav:"pending"`
	// Notified is the sequence up to which a move of the number without
	// subscribers recorded its changes as needing no notification.
	Notified int `dynamodbav:"notified"`
}

// tag is the current status's tag. A status stored before statuses had
// tags is classified from its text; it was reached, so the parcel is
// taken to have moved.
func (it stateItem) tag() string {
	if it.Tag != "" || it.Status == "" {
		return it.Tag
	}
	legacy, _ := tag.Classify(it.Carrier, it.Status, "", true)
	return string(legacy.Tag)
}

type changeAttrs struct {
	Sequence       int    `dynamodbav:"seq"`
	Status         string `dynamodbav:"status"`
	PreviousStatus string `dynamodbav:"previousStatus,omitempty"`
	OriginStatus   string `dynamodbav:"originStatus,omitempty"`
	Agency         string `dynamodbav:"agency,omitempty"`
	Datetime       string `dynamodbav:"datetime"`
	At             string `dynamodbav:"at"`
	Tag            string `dynamodbav:"tag,omitempty"`
	Subtag         string `dynamodbav:"subtag,omitempty"`
	PreviousTag    string `dynamodbav:"previousTag,omitempty"`
}

func newChangeAttrs(c tracking.Change) changeAttrs {
	return changeAttrs{Sequence: c.Sequence, Status: c.Event.Status, PreviousStatus: c.PreviousStatus,
		OriginStatus: c.Event.OriginStatus, Agency: c.Event.Agency, Datetime: c.Event.Datetime, At: formatTime(c.At),
		Tag: string(c.Event.Tag), Subtag: string(c.Event.Subtag), PreviousTag: string(c.PreviousTag)}
}

// event is the change's event as stored in its attributes.
func (c changeAttrs) event() tracking.Event {
	at, _ := tracking.ParseDatetime(c.Datetime)
	return tracking.Event{Status: c.Status, OriginStatus: c.OriginStatus, Agency: c.Agency, Datetime: c.Datetime, At: at,
		Tag: tag.Tag(c.Tag), Subtag: tag.Subtag(c.Subtag)}
}

type notifiedItem struct {
	Sequence int `dynamodbav:"seq"`
	// Told is the estimate the number's followers were told (JSON).
	Told string `dynamodbav:"estimatedDelivery"`
}

// attrTold is notifiedItem.Told's attribute.
const attrTold = "estimatedDelivery"

// States implements message.Tracking: one BatchGetItem reads the state
// of 50 numbers.
func (s *Tracking) States(ctx context.Context, numbers []string) (map[string]tracking.State, error) {
	keys := make([]item, 0, 2*len(numbers))
	out := make(map[string]tracking.State, len(numbers))
	for _, n := range numbers {
		if _, dup := out[n]; dup {
			continue
		}
		out[n] = tracking.State{}
		keys = append(keys, trackingKey(n, skShipment), trackingKey(n, skNotified))
	}
	items, err := s.batchGet(ctx, keys)
	if err != nil {
		return nil, err
	}
	for _, raw := range items {
		pk, _ := raw[attrPK].(*types.AttributeValueMemberS)
		sk, _ := raw[attrSK].(*types.AttributeValueMemberS)
		if pk == nil || sk == nil {
			continue
		}
		number := strings.TrimPrefix(pk.Value, trackingPK(""))
		st := out[number]
		switch sk.Value {
		case skShipment:
			var it stateItem
			if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
				return nil, err
			}
			st.Owner, st.Status, st.Sequence, st.Tag = it.Owner, it.Status, it.Sequence, tag.Tag(it.tag())
			st.LatestKey = strings.TrimPrefix(it.LatestEvent, skEvent)
			st.Notified = max(st.Notified, it.Notified)
			st.Pending = nil
			at := timesOf(trackingPK(number), skShipment)
			for _, c := range it.Pending {
				st.Pending = append(st.Pending, tracking.Change{
					TrackingNumber: number, Carrier: carrier.Carrier(it.Carrier), Sequence: c.Sequence, PreviousStatus: c.PreviousStatus,
					PreviousTag: tag.Tag(c.PreviousTag), Event: c.event(), At: at.at(c.At),
				})
			}
			if at.err != nil {
				return nil, at.err
			}
		case skNotified:
			var it notifiedItem
			if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
				return nil, err
			}
			st.Notified = max(st.Notified, it.Sequence)
		}
		out[number] = st
	}
	return out, nil
}

// Claim implements message.Tracking.
func (s *Tracking) Claim(ctx context.Context, clientID string, numbers []string, known time.Time) (map[string]string, error) {
	updates := make([]*types.Update, len(numbers))
	for i, n := range numbers {
		c, _ := carrier.Detect(n)
		updates[i] = &types.Update{
			TableName: &s.Name, Key: trackingKey(n, skShipment),
			UpdateExpression:         aws.String("SET #owner = :owner, trackingNumber = :n, carrier = :c, firstKnownAt = if_not_exists(firstKnownAt, :known)"),
			ConditionExpression:      aws.String("attribute_not_exists(#owner)"),
			ExpressionAttributeNames: map[string]string{"#owner": "owner"},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":owner": str(clientID), ":n": str(n), ":c": str(string(c)), ":known": str(known.UTC().Format(tracking.FirstKnownLayout)),
			},
		}
	}
	lost, err := s.conditionalUpdates(ctx, updates)
	if err != nil {
		return nil, err
	}
	owners := make(map[string]string, len(numbers))
	var taken []string
	for i, n := range numbers {
		if lost[i] {
			taken = append(taken, n)
		} else {
			owners[n] = clientID
		}
	}
	if len(taken) > 0 {
		states, err := s.States(ctx, taken)
		if err != nil {
			return nil, err
		}
		for _, n := range taken {
			owners[n] = states[n].Owner
		}
	}
	return owners, nil
}

// Advance implements message.Tracking: the status, the change's sequence
// and the pending changes are one conditional update of the shipment item.
func (s *Tracking) Advance(ctx context.Context, moves []tracking.Move) ([]string, error) {
	updates := make([]*types.Update, len(moves))
	for i, m := range moves {
		if m.From.Owner == "" && m.Claim == "" {
			return nil, fmt.Errorf("move of %s: a number nobody owns moves only with a claim", m.TrackingNumber)
		}
		pending := make([]changeAttrs, len(m.Pending))
		for j, c := range m.Pending {
			pending[j] = newChangeAttrs(c)
		}
		pav, err := attributevalue.Marshal(pending)
		if err != nil {
			return nil, err
		}
		values := map[string]types.AttributeValue{
			":owner": str(m.From.Owner), ":n": str(m.TrackingNumber), ":c": str(string(m.Carrier)),
			":status": str(m.Event.Status), ":tag": str(string(m.Event.Tag)), ":subtag": str(string(m.Event.Subtag)), ":at": str(m.Event.Datetime), ":key": str(eventSK(m.Event)),
			":seq": &types.AttributeValueMemberN{Value: strconv.Itoa(m.Change().Sequence)}, ":pending": pav,
		}
		names := map[string]string{"#owner": "owner", "#s": "status", "#tag": "tag", "#subtag": "subtag", "#seq": "seq", "#pending": "pending"}
		update := "SET trackingNumber = :n, carrier = :c, #s = :status, #tag = :tag, #subtag = :subtag, updatedAt = :at, latestEvent = :key, #seq = :seq, #pending = :pending"
		condition := "#owner = :owner AND attribute_not_exists(#seq)"
		switch {
		case m.From.Owner == "":
			// A claim: the item may exist without an owner (a shipment
			// put first), and keeps its first-known time then.
			condition = "attribute_not_exists(#owner) AND attribute_not_exists(#seq)"
			update += ", #owner = :owner, firstKnownAt = if_not_exists(firstKnownAt, :known)"
			values[":owner"] = str(m.Claim)
			values[":known"] = str(m.Change().At.UTC().Format(tracking.FirstKnownLayout))
		case m.From.Sequence > 0:
			condition = "#owner = :owner AND #seq = :from"
			values[":from"] = &types.AttributeValueMemberN{Value: strconv.Itoa(m.From.Sequence)}
		}
		if m.Unsubscribed {
			// Instead of a NOTIFIED item written after the move.
			update += ", #notified = :seq"
			names["#notified"] = "notified"
		}
		updates[i] = &types.Update{
			TableName: &s.Name, Key: trackingKey(m.TrackingNumber, skShipment),
			UpdateExpression:          &update,
			ConditionExpression:       &condition,
			ExpressionAttributeNames:  names,
			ExpressionAttributeValues: values,
		}
	}
	failed, err := s.conditionalUpdates(ctx, updates)
	if err != nil {
		return nil, err
	}
	var conflicts []string
	for i, m := range moves {
		if failed[i] {
			conflicts = append(conflicts, m.TrackingNumber)
		}
	}
	return conflicts, nil
}

// conditionalUpdates applies updates of distinct items, each one
// conditional UpdateItem (a few at once), and reports which failed their
// condition. Each is decided by its own condition, so nothing is gained
// by sharing a TransactWriteItems: DynamoDB bills a transactional write
// twice, for the saving of a request.
func (s *Table) conditionalUpdates(ctx context.Context, updates []*types.Update) ([]bool, error) {
	failed := make([]bool, len(updates))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(batchConcurrency)
	for i, u := range updates {
		g.Go(func() error {
			_, err := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
				TableName: u.TableName, Key: u.Key, UpdateExpression: u.UpdateExpression, ConditionExpression: u.ConditionExpression,
				ExpressionAttributeNames: u.ExpressionAttributeNames, ExpressionAttributeValues: u.ExpressionAttributeValues,
			})
			if isConditionFailed(err) {
				failed[i] = true
				return nil
			}
			return err
		})
	}
	return failed, g.Wait()
}

// Notify implements message.Tracking: the records of all the changes
// share BatchWriteItems of 25, whatever numbers they are of. A change
// that enters Exception or AttemptFail has a second record, the
// tracking.exception event, just after its tracking.updated one.
func (s *Tracking) Notify(ctx context.Context, subscribers map[string][]string, changes []tracking.Change, ttl time.Duration) error {
	var projects []string
	for _, ps := range subscribers {
		projects = append(projects, ps...)
	}
	counts, err := s.shardsOfAll(ctx, projects)
	if err != nil {
		return err
	}
	var writes []types.WriteRequest
	for _, c := range changes {
		for _, p := range subscribers[c.TrackingNumber] {
			for _, ev := range webhook.ChangeEvents(p, c) {
				it := item{
					attrPK:           str(notificationPK(p, counts[p], c.TrackingNumber)),
					attrSK:           str(webhookEventSK(webhook.Ref{Type: ev.Type, Subject: c.TrackingNumber, At: c.At, Sequence: c.Sequence})),
					"projectId":      str(p),
					"trackingNumber": str(c.TrackingNumber),
					"carrier":        str(string(c.Carrier)),
					"sequence":       &types.AttributeValueMemberN{Value: strconv.Itoa(c.Sequence)},
					"status":         str(c.Event.Status),
					"datetime":       str(c.Event.Datetime),
					"createdAt":      str(formatTime(c.At)),
					"expiresAt":      &types.AttributeValueMemberN{Value: strconv.FormatInt(c.At.Add(ttl).Unix(), 10)},
				}
				if ev.Type != webhook.TrackingUpdated {
					it["type"] = str(ev.Type)
				}
				if c.Estimated != nil {
					it["estimatedDelivery"] = str(encodeEstimate(c.Estimated))
				}
				for name, v := range map[string]string{"previousStatus": c.PreviousStatus, "originStatus": c.Event.OriginStatus, "agency": c.Event.Agency,
					"tag": string(c.Event.Tag), "subtag": string(c.Event.Subtag), "previousTag": string(c.PreviousTag)} {
					if v != "" {
						it[name] = str(v)
					}
				}
				writes = append(writes, types.WriteRequest{PutRequest: &types.PutRequest{Item: it}})
			}
		}
	}
	return s.batchWrite(ctx, writes)
}

// MarkNotified implements message.Tracking. Two processors may mark one
// number in either order; a mark that goes back only makes a later
// retry record again notifications that exist, which changes nothing.
func (s *Tracking) MarkNotified(ctx context.Context, sequences map[string]int, estimates map[string]*tracking.EstimatedDelivery) error {
	writes := make([]types.WriteRequest, 0, len(sequences))
	for n, seq := range sequences {
		key := trackingKey(n, skNotified)
		key["seq"] = &types.AttributeValueMemberN{Value: strconv.Itoa(seq)}
		if e := estimates[n]; e != nil {
			key[attrTold] = str(encodeEstimate(e))
		}
		writes = append(writes, types.WriteRequest{PutRequest: &types.PutRequest{Item: key}})
	}
	return s.batchWrite(ctx, writes)
}

var _ job.Tags = (*Tracking)(nil)

// CurrentTags implements job.Tags: the numbers' shipment items, 100 to a
// BatchGetItem.
func (s *Tracking) CurrentTags(ctx context.Context, numbers []string) (map[string]job.TagUpdate, error) {
	keys := make([]item, 0, len(numbers))
	seen := map[string]bool{}
	for _, n := range numbers {
		if !seen[n] {
			seen[n] = true
			keys = append(keys, trackingKey(n, skShipment))
		}
	}
	items, err := s.batchGet(ctx, keys)
	if err != nil {
		return nil, err
	}
	out := map[string]job.TagUpdate{}
	for _, raw := range items {
		var it stateItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return nil, err
		}
		if it.Sequence > 0 {
			out[it.TrackingNumber] = job.TagUpdate{TrackingNumber: it.TrackingNumber, Tag: it.tag(), Sequence: it.Sequence}
		}
	}
	return out, nil
}
