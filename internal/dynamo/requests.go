package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parcelgate/parcelgate/internal/outage"
	"github.com/parcelgate/parcelgate/internal/request"
	"github.com/parcelgate/parcelgate/internal/sweep"
)

var _ request.Store = (*Requests)(nil)

// requestItem is a message injection (kind "messages"). GSI2PK and
// GSI2SK are set only on requests stored before their clientMarker,
// which carry their client's tracker key themselves.
type requestItem struct {
	PK             string      `dynamodbav:"PK"`
	SK             string      `dynamodbav:"SK"`
	GSI2PK         string      `dynamodbav:"GSI2PK,omitempty"`
	GSI2SK         string      `dynamodbav:"GSI2SK,omitempty"`
	GSI3PK         string      `dynamodbav:"GSI3PK,omitempty"`
	GSI3SK         string      `dynamodbav:"GSI3SK,omitempty"`
	Kind           string      `dynamodbav:"kind"`
	ID             string      `dynamodbav:"id"`
	ClientID       string      `dynamodbav:"clientId"`
	BatchReference string      `dynamodbav:"batchReference"`
	ReceivedAt     string      `dynamodbav:"receivedAt"`
	ProcessedAt    string      `dynamodbav:"processedAt,omitempty"`
	ExpiresAt      int64       `dynamodbav:"expiresAt"`
	Summary        summaryAttr `dynamodbav:"summary"`
	Status         string      `dynamodbav:"status"`
	// Facets are those the request's markers are written for: as
	// received until it finishes (StartRequest leaves them), final after.
	Facets        []facetAttr `dynamodbav:"facets"`
	FailureReason string      `dynamodbav:"failureReason,omitempty"`
}

// summaryAttr is a request.Summary as stored; its attribute names are the
// field names.
type summaryAttr struct {
	Total      int `dynamodbav:"Total"`
	Queued     int `dynamodbav:"Queued"`
	Processing int `dynamodbav:"Processing"`
	Cancelled  int `dynamodbav:"Cancelled"`
	Failed     int `dynamodbav:"Failed"`
	Invalid    int `dynamodbav:"Invalid"`
	Complete   int `dynamodbav:"Complete"`
}

type facetAttr struct {
	Type   string `dynamodbav:"t,omitempty"`
	Status string `dynamodbav:"s"`
}

func facetAttrs(fs []request.Facet) []facetAttr {
	out := make([]facetAttr, len(fs))
	for i, f := range fs {
		out[i] = facetAttr{Type: f.Type, Status: string(f.Status)}
	}
	return out
}

// messageAttr is a request.Message as stored in a chunk.
type messageAttr struct {
	ID                string    `dynamodbav:"id"`
	ExternalReference string    `dynamodbav:"ref,omitempty"`
	Type              string    `dynamodbav:"type,omitempty"`
	Payload           string    `dynamodbav:"payload,omitempty"`
	Status            string    `dynamodbav:"status"`
	Errors            []string  `dynamodbav:"errors,omitempty"`
	ProcessedAt       time.Time `dynamodbav:"processedAt"`
}

func newMessageAttr(m request.Message) messageAttr {
	return messageAttr{ID: m.ID, ExternalReference: m.ExternalReference, Type: m.Type, Payload: m.Payload,
		Status: string(m.Status), Errors: m.Errors, ProcessedAt: m.ProcessedAt}
}

func (a messageAttr) message() request.Message {
	return request.Message{ID: a.ID, ExternalReference: a.ExternalReference, Type: a.Type, Payload: a.Payload,
		Status: request.MessageStatus(a.Status), Errors: a.Errors, ProcessedAt: a.ProcessedAt}
}

type messageChunk struct {
	PK        string        `dynamodbav:"PK"`
	SK        string        `dynamodbav:"SK"`
	Messages  []messageAttr `dynamodbav:"messages"`
	ExpiresAt int64         `dynamodbav:"expiresAt"`
}

// maxChunkBytes keeps a chunk of messages well under DynamoDB's 400 KB item limit.
const maxChunkBytes = 256 << 10

func newSummaryAttr(s request.Summary) summaryAttr { return summaryAttr(s) }

func (it requestItem) request() (request.Request, error) {
	at := timesOf(it.PK, it.SK)
	r := request.Request{
		ID: it.ID, Kind: request.KindMessages, ClientID: it.ClientID, BatchReference: it.BatchReference,
		ReceivedAt: at.at(it.ReceivedAt), ProcessedAt: at.at(it.ProcessedAt),
		ExpiresAt: time.Unix(it.ExpiresAt, 0).UTC(), Summary: request.Summary(it.Summary), FailureReason: it.FailureReason,
		Facets: it.facets(),
	}
	if r.Summary.Processing > 0 {
		// Started: its facets are kept as received (StartRequest).
		r = r.Started()
	}
	return r, at.err
}

func (it requestItem) facets() []request.Facet {
	out := make([]request.Facet, len(it.Facets))
	for i, f := range it.Facets {
		out[i] = request.Facet{Type: f.Type, Status: request.MessageStatus(f.Status)}
	}
	return out
}

// CreateRequest implements request.Store. The chunks go first and the
// request item last: until it exists the request is invisible, so a
// failure half way leaves no half-written request, only chunks that TTL
// removes.
func (s *Requests) CreateRequest(ctx context.Context, r request.Request, msgs []request.Message) error {
	expires := r.ExpiresAt.Unix()
	var writes []types.WriteRequest
	var chunk []messageAttr
	size := 0
	flush := func() error {
		if len(chunk) == 0 {
			return nil
		}
		av, err := attributevalue.MarshalMap(messageChunk{PK: requestPK(r.ID), SK: chunkSK(skMessageChunk, len(writes)), Messages: chunk, ExpiresAt: expires})
		if err != nil {
			return err
		}
		writes = append(writes, types.WriteRequest{PutRequest: &types.PutRequest{Item: av}})
		chunk, size = nil, 0
		return nil
	}
	for _, m := range msgs {
		n := len(m.Payload) + len(m.ExternalReference) + 200
		if len(chunk) == chunkSize || size+n > maxChunkBytes {
			if err := flush(); err != nil {
				return err
			}
		}
		chunk = append(chunk, newMessageAttr(m))
		size += n
	}
	if err := flush(); err != nil {
		return err
	}
	refs := []string{r.BatchReference}
	for _, m := range msgs {
		refs = append(refs, m.ExternalReference)
	}
	keys := append([]string{clientMarker}, facetKeys(r.Facets)...)
	writes = append(writes, markerWrites(r.ID, r.ClientID, r.ReceivedAt, expires, append(keys, refKeys(refs)...), nil)...)
	if err := s.batchWrite(ctx, writes); err != nil {
		return s.discardUnlessCreated(ctx, r.ID, writes, err)
	}
	sweepPK, sweepSK := sweepKeys(r.ID, sweep.Deadline(sweep.Waiting, r.ReceivedAt))
	av, err := attributevalue.MarshalMap(requestItem{
		PK: requestPK(r.ID), SK: skRequest, Kind: string(request.KindMessages), ID: r.ID, ClientID: r.ClientID,
		GSI3PK: sweepPK, GSI3SK: sweepSK, Facets: facetAttrs(r.Facets),
		BatchReference: r.BatchReference, ReceivedAt: formatTime(r.ReceivedAt), ExpiresAt: expires,
		Summary: newSummaryAttr(r.Summary), Status: string(r.Status()),
	})
	if err != nil {
		return err
	}
	_, err = s.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Name, Item: av, ConditionExpression: aws.String("attribute_not_exists(PK)")})
	if err != nil {
		return s.discardUnlessCreated(ctx, r.ID, writes, err)
	}
	return nil
}

// discardUnlessCreated deletes what a failed CreateRequest wrote, so a
// refused request leaves nothing behind, unless the request item exists
// after all (a write that failed only on the way back). When the store
// cannot tell, the items stay: invisible without their request item, and
// removed by TTL. It runs even when the request's deadline has passed,
// until the answer is due (outage.Detach). It returns cause.
func (s *Requests) discardUnlessCreated(ctx context.Context, id string, writes []types.WriteRequest, cause error) error {
	ctx, cancel := outage.Detach(ctx)
	defer cancel()
	var it requestItem
	if found, err := s.get(ctx, requestPK(id), skRequest, &it); err != nil || found {
		return cause
	}
	deletes := make([]types.WriteRequest, 0, len(writes))
	for _, w := range writes {
		if w.PutRequest != nil {
			deletes = append(deletes, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: item{
				attrPK: w.PutRequest.Item[attrPK], attrSK: w.PutRequest.Item[attrSK],
			}}})
		}
	}
	_ = s.batchWrite(ctx, deletes)
	return cause
}

// Request implements request.Store: a request of either kind.
func (s *Requests) Request(ctx context.Context, id string) (request.Request, error) {
	var raw rawItem
	found, err := s.get(ctx, requestPK(id), skRequest, &raw)
	if err != nil {
		return request.Request{}, err
	}
	if !found {
		return request.Request{}, request.ErrNotFound
	}
	r, ok, err := requestOf(raw.item)
	if err != nil {
		return request.Request{}, err
	}
	if !ok {
		return request.Request{}, request.ErrNotFound
	}
	return r, nil
}

// rawItem is an item read whole, for the reader to tell its kind.
type rawItem struct{ item }

// UnmarshalDynamoDBAttributeValue keeps the item's attributes as they are.
func (r *rawItem) UnmarshalDynamoDBAttributeValue(av types.AttributeValue) error {
	m, ok := av.(*types.AttributeValueMemberM)
	if !ok {
		return fmt.Errorf("an item is a map, not %T", av)
	}
	r.item = m.Value
	return nil
}

// StartRequest implements request.Store: the request as started, with
// the request's sweep deadline following the attempt. Its facets, and the
// tracker's markers written for them, stay as received: the marker of a
// queued facet answers for it while it is processing too (Lookup), so a
// start writes no marker and the markers move once, when the request
// finishes.
func (s *Requests) StartRequest(ctx context.Context, r request.Request, at time.Time) error {
	av, err := attributevalue.Marshal(newSummaryAttr(r.Started().Summary))
	if err != nil {
		return err
	}
	values := map[string]types.AttributeValue{
		":sum":        av,
		":processing": &types.AttributeValueMemberS{Value: string(request.Processing)},
		":queued":     &types.AttributeValueMemberS{Value: string(request.Queued)},
	}
	_, err = s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.Name,
		Key:                       requestKey(r.ID),
		UpdateExpression:          aws.String("SET summary = :sum, #s = :processing, " + setSweep(values, r.ID, sweep.Deadline(sweep.Running, at))),
		ConditionExpression:       aws.String("#s IN (:queued, :processing) AND attribute_not_exists(processedAt)"),
		ExpressionAttributeNames:  map[string]string{"#s": "status"},
		ExpressionAttributeValues: values,
	})
	if isConditionFailed(err) {
		return request.ErrStatusConflict
	}
	return err
}

// Messages implements request.Store.
func (s *Requests) Messages(ctx context.Context, r request.Request) ([]request.Message, error) {
	return s.messageChunks(ctx, r.ID, skMessageChunk)
}

// Outcomes implements request.Store.
func (s *Requests) Outcomes(ctx context.Context, r request.Request) ([]request.Message, error) {
	return s.messageChunks(ctx, r.ID, skOutcomeChunk)
}

func (s *Requests) messageChunks(ctx context.Context, id, prefix string) ([]request.Message, error) {
	attrs, err := readChunks(ctx, s.Table, id, prefix, func(c messageChunk) []messageAttr { return c.Messages })
	if err != nil || len(attrs) == 0 {
		return nil, err
	}
	out := make([]request.Message, len(attrs))
	for i, a := range attrs {
		out[i] = a.message()
	}
	return out, nil
}

// SaveOutcomes implements request.Store: all chunks or none, once. The
// payloads stay with the messages as received.
func (s *Requests) SaveOutcomes(ctx context.Context, r request.Request, msgs []request.Message) error {
	expires := r.ExpiresAt.Unix()
	var writes []types.TransactWriteItem
	for i := 0; i*chunkSize < len(msgs); i++ {
		chunk := make([]messageAttr, 0, chunkSize)
		for _, m := range msgs[i*chunkSize : min((i+1)*chunkSize, len(msgs))] {
			m.Payload = ""
			chunk = append(chunk, newMessageAttr(m))
		}
		w, err := put(s.Name, messageChunk{PK: requestPK(r.ID), SK: chunkSK(skOutcomeChunk, i), Messages: chunk, ExpiresAt: expires}, "attribute_not_exists(PK)")
		if err != nil {
			return err
		}
		writes = append(writes, w)
	}
	var err error
	if len(writes) == 1 {
		// One chunk (requests of up to chunkSize messages) needs no
		// transaction to be all or nothing, and a conditional put is
		// billed half its write units.
		p := writes[0].Put
		_, err = s.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: p.TableName, Item: p.Item, ConditionExpression: p.ConditionExpression})
	} else {
		_, err = s.Client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: writes})
	}
	if isConditionFailed(err) {
		return request.ErrOutcomesExist
	}
	return err
}

// FinishRequest implements request.Store.
func (s *Requests) FinishRequest(ctx context.Context, r request.Request) error {
	av, err := attributevalue.Marshal(newSummaryAttr(r.Summary))
	if err != nil {
		return err
	}
	fav, err := attributevalue.Marshal(facetAttrs(r.Facets))
	if err != nil {
		return err
	}
	update := "SET summary = :sum, facets = :facets, #s = :status, processedAt = :at"
	values := map[string]types.AttributeValue{
		":sum":    av,
		":facets": fav,
		":status": &types.AttributeValueMemberS{Value: string(r.Status())},
		":at":     &types.AttributeValueMemberS{Value: formatTime(r.ProcessedAt)},
	}
	if r.FailureReason != "" {
		update += ", failureReason = :why"
		values[":why"] = &types.AttributeValueMemberS{Value: r.FailureReason}
	}
	update += removeSweep
	out, err := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.Name,
		Key:                       requestKey(r.ID),
		UpdateExpression:          &update,
		ConditionExpression:       aws.String("attribute_exists(PK) AND attribute_not_exists(processedAt)"),
		ExpressionAttributeNames:  map[string]string{"#s": "status"},
		ExpressionAttributeValues: values,
		ReturnValues:              types.ReturnValueAllOld,
	})
	if isConditionFailed(err) {
		return request.ErrStatusConflict
	}
	if err != nil {
		return err
	}
	var old requestItem
	if err := attributevalue.UnmarshalMap(out.Attributes, &old); err != nil {
		return err
	}
	return s.reindex(ctx, r.ID, r.ClientID, r.ReceivedAt, r.ExpiresAt.Unix(), old.facets(), r.Facets)
}

// CompleteFinish implements request.Store. FinishRequest records the end
// on the request's item first and moves its facet markers after: a
// processor dying between the two leaves the markers of its open facets
// and none of its final ones, so a search by its final status misses it
// until its redelivery, which finds it finished and moves them here. It
// reads the request's facet markers (one Query of its own partition) and
// writes only what differs from its final facets: a duplicate delivery
// of a request finished whole writes nothing, and the common path, the
// finish, pays nothing for it.
func (s *Requests) CompleteFinish(ctx context.Context, r request.Request) error {
	if !r.Finished() {
		return nil // an open request's markers stay those of its facets as received
	}
	have, err := s.facetMarkers(ctx, r.ID)
	if err != nil {
		return err
	}
	want := facetKeys(r.Facets)
	writes := markerWrites(r.ID, r.ClientID, r.ReceivedAt, r.ExpiresAt.Unix(), without(want, have), without(have, want))
	if len(writes) == 0 {
		return nil
	}
	return s.batchWrite(ctx, writes)
}
