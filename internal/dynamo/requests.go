package dynamo

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parcelgate/parcelgate/internal/message"
	"github.com/parcelgate/parcelgate/internal/request"
	"github.com/parcelgate/parcelgate/internal/sweep"
)

var _ message.Store = (*Store)(nil)

// requestItem is a message injection (kind "messages").
type requestItem struct {
	PK             string          `dynamodbav:"PK"`
	SK             string          `dynamodbav:"SK"`
	GSI2PK         string          `dynamodbav:"GSI2PK"`
	GSI2SK         string          `dynamodbav:"GSI2SK"`
	GSI3PK         string          `dynamodbav:"GSI3PK,omitempty"`
	GSI3SK         string          `dynamodbav:"GSI3SK,omitempty"`
	Kind           string          `dynamodbav:"kind"`
	ID             string          `dynamodbav:"id"`
	ClientID       string          `dynamodbav:"clientId"`
	BatchReference string          `dynamodbav:"batchReference"`
	ReceivedAt     string          `dynamodbav:"receivedAt"`
	ProcessedAt    string          `dynamodbav:"processedAt,omitempty"`
	ExpiresAt      int64           `dynamodbav:"expiresAt"`
	Summary        request.Summary `dynamodbav:"summary"`
	Status         string          `dynamodbav:"status"`
	Facets         []facetAttr     `dynamodbav:"facets"`
	FailureReason  string          `dynamodbav:"failureReason,omitempty"`
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

type messageChunk struct {
	PK        string            `dynamodbav:"PK"`
	SK        string            `dynamodbav:"SK"`
	Messages  []message.Message `dynamodbav:"messages"`
	ExpiresAt int64             `dynamodbav:"expiresAt"`
}

// maxChunkBytes keeps a chunk of messages well under DynamoDB's 400 KB item limit.
const maxChunkBytes = 256 << 10

func (it requestItem) request() message.Request {
	return message.Request{
		ID: it.ID, ClientID: it.ClientID, BatchReference: it.BatchReference,
		ReceivedAt: parseTime(it.ReceivedAt), ProcessedAt: parseTime(it.ProcessedAt),
		ExpiresAt: time.Unix(it.ExpiresAt, 0).UTC(), Summary: it.Summary, FailureReason: it.FailureReason,
		Facets: it.facets(),
	}
}

func (it requestItem) facets() []request.Facet {
	out := make([]request.Facet, len(it.Facets))
	for i, f := range it.Facets {
		out[i] = request.Facet{Type: f.Type, Status: request.MessageStatus(f.Status)}
	}
	return out
}

// CreateRequest implements message.Store. The chunks go first and the
// request item last: until it exists the request is invisible, so a
// failure half way leaves no half-written request, only chunks that TTL
// removes.
func (s *Store) CreateRequest(ctx context.Context, r message.Request, msgs []message.Message) error {
	expires := r.ExpiresAt.Unix()
	var writes []types.WriteRequest
	var chunk []message.Message
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
		chunk = append(chunk, m)
		size += n
	}
	if err := flush(); err != nil {
		return err
	}
	refs := []string{r.BatchReference}
	for _, m := range msgs {
		refs = append(refs, m.ExternalReference)
	}
	writes = append(writes, markerWrites(r.ID, r.ClientID, r.ReceivedAt, expires, append(facetKeys(r.Facets), refKeys(refs)...), nil)...)
	if err := s.batchWrite(ctx, writes); err != nil {
		return s.discardUnlessCreated(ctx, r.ID, writes, err)
	}
	sweepPK, sweepSK := sweepKeys(r.ID, sweep.Deadline(sweep.Waiting, r.ReceivedAt))
	av, err := attributevalue.MarshalMap(requestItem{
		PK: requestPK(r.ID), SK: skRequest, Kind: sweep.KindMessages, ID: r.ID, ClientID: r.ClientID,
		GSI3PK: sweepPK, GSI3SK: sweepSK,
		GSI2PK: clientGSI2PK(r.ClientID, ""), GSI2SK: requestGSI2SK(r.ReceivedAt, r.ID), Facets: facetAttrs(r.Facets),
		BatchReference: r.BatchReference, ReceivedAt: formatTime(r.ReceivedAt), ExpiresAt: expires,
		Summary: r.Summary, Status: string(r.Summary.Status()),
	})
	if err != nil {
		return err
	}
	_, err = s.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: av, ConditionExpression: aws.String("attribute_not_exists(PK)")})
	if err != nil {
		return s.discardUnlessCreated(ctx, r.ID, writes, err)
	}
	return nil
}

// discardTimeout bounds the clean-up after a failed CreateRequest, which
// runs even when the request's own deadline has passed.
const discardTimeout = 5 * time.Second

// discardUnlessCreated deletes what a failed CreateRequest wrote, so a
// refused request leaves nothing behind, unless the request item exists
// after all (a write that failed only on the way back). When the store
// cannot tell, the items stay: invisible without their request item, and
// removed by TTL. It returns cause.
func (s *Store) discardUnlessCreated(ctx context.Context, id string, writes []types.WriteRequest, cause error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), discardTimeout)
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

// Request implements message.Store.
func (s *Store) Request(ctx context.Context, id string) (message.Request, error) {
	var it requestItem
	found, err := s.get(ctx, requestPK(id), skRequest, &it)
	if err != nil {
		return message.Request{}, err
	}
	if !found || it.Kind != "messages" {
		return message.Request{}, message.ErrNotFound
	}
	return it.request(), nil
}

// StartRequest implements message.Store: the queued messages are now
// processing, and the request's sweep deadline follows the attempt.
func (s *Store) StartRequest(ctx context.Context, r message.Request, at time.Time) error {
	sum := r.Summary
	sum.Processing, sum.Queued = sum.Processing+sum.Queued, 0
	av, err := attributevalue.Marshal(sum)
	if err != nil {
		return err
	}
	facets := make([]request.Facet, len(r.Facets))
	for i, f := range r.Facets {
		if f.Status == request.Queued {
			f.Status = request.Processing
		}
		facets[i] = f
	}
	fav, err := attributevalue.Marshal(facetAttrs(facets))
	if err != nil {
		return err
	}
	values := map[string]types.AttributeValue{
		":sum":        av,
		":facets":     fav,
		":processing": &types.AttributeValueMemberS{Value: string(request.Processing)},
		":queued":     &types.AttributeValueMemberS{Value: string(request.Queued)},
	}
	_, err = s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.Table,
		Key:                       requestKey(r.ID),
		UpdateExpression:          aws.String("SET summary = :sum, facets = :facets, #s = :processing, " + setSweep(values, r.ID, sweep.Deadline(sweep.Running, at))),
		ConditionExpression:       aws.String("#s IN (:queued, :processing) AND attribute_not_exists(processedAt)"),
		ExpressionAttributeNames:  map[string]string{"#s": "status"},
		ExpressionAttributeValues: values,
	})
	if isConditionFailed(err) {
		return message.ErrStatusConflict
	}
	if err != nil {
		return err
	}
	return s.reindex(ctx, r.ID, r.ClientID, r.ReceivedAt, r.ExpiresAt.Unix(), r.Facets, facets)
}

// Messages implements message.Store.
func (s *Store) Messages(ctx context.Context, r message.Request) ([]message.Message, error) {
	return s.messageChunks(ctx, r.ID, skMessageChunk)
}

// Outcomes implements message.Store.
func (s *Store) Outcomes(ctx context.Context, r message.Request) ([]message.Message, error) {
	return s.messageChunks(ctx, r.ID, skOutcomeChunk)
}

func (s *Store) messageChunks(ctx context.Context, id, prefix string) ([]message.Message, error) {
	return readChunks(ctx, s, id, prefix, func(c messageChunk) []message.Message { return c.Messages })
}

// SaveOutcomes implements message.Store: all chunks or none, once. The
// payloads stay with the messages as received.
func (s *Store) SaveOutcomes(ctx context.Context, r message.Request, msgs []message.Message) error {
	expires := r.ExpiresAt.Unix()
	var writes []types.TransactWriteItem
	for i := 0; i*chunkSize < len(msgs); i++ {
		chunk := make([]message.Message, 0, chunkSize)
		for _, m := range msgs[i*chunkSize : min((i+1)*chunkSize, len(msgs))] {
			m.Payload = ""
			chunk = append(chunk, m)
		}
		w, err := put(s.Table, messageChunk{PK: requestPK(r.ID), SK: chunkSK(skOutcomeChunk, i), Messages: chunk, ExpiresAt: expires}, "attribute_not_exists(PK)")
		if err != nil {
			return err
		}
		writes = append(writes, w)
	}
	_, err := s.Client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: writes})
	if isConditionFailed(err) {
		return message.ErrOutcomesExist
	}
	return err
}

// FinishRequest implements message.Store.
func (s *Store) FinishRequest(ctx context.Context, r message.Request) error {
	av, err := attributevalue.Marshal(r.Summary)
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
		":status": &types.AttributeValueMemberS{Value: string(r.Summary.Status())},
		":at":     &types.AttributeValueMemberS{Value: formatTime(r.ProcessedAt)},
	}
	if r.FailureReason != "" {
		update += ", failureReason = :why"
		values[":why"] = &types.AttributeValueMemberS{Value: r.FailureReason}
	}
	update += removeSweep
	out, err := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.Table,
		Key:                       requestKey(r.ID),
		UpdateExpression:          &update,
		ConditionExpression:       aws.String("attribute_exists(PK) AND attribute_not_exists(processedAt)"),
		ExpressionAttributeNames:  map[string]string{"#s": "status"},
		ExpressionAttributeValues: values,
		ReturnValues:              types.ReturnValueAllOld,
	})
	if isConditionFailed(err) {
		return message.ErrStatusConflict
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
