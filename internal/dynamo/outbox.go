package dynamo

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parcelgate/parcelgate/internal/outbox"
)

// Report outbox items:
//
//	item        PK                           SK
//	outbox item OUTBOX#<p>#<id>              ITEM
//	document    OUTBOXDOC#<p>#<document id>  <chunk, 3 digits>
//	archive     OUTBOXARCHIVE#<p>#<digest>   ARCHIVE
//
// Every key starts with the project, so no read crosses projects. A
// document is stored in chunks under an id of its own, fresh for each
// generation: two deliveries of a task generating at once never write
// into each other's chunks, and the item names the one that won. The
// archive item of (report, entity, record) names the newest document; its
// key is a digest, since the three codes may be long.
//
// All three carry expiresAt (the table's TTL attribute): an item its
// creation plus outbox.Retention, a document and its archive entry the
// expiry of the item it was generated for, moved later when a newer item
// takes it from the archive (KeepArchived).

const (
	outboxChunkBytes = 350_000
)

var _ outbox.Store = (*Outbox)(nil)

// outboxChunks is how many chunks hold a document of size bytes.
func outboxChunks(size int) int { return max(1, (size+outboxChunkBytes-1)/outboxChunkBytes) }

type outboxItem struct {
	PK           string `dynamodbav:"PK"`
	SK           string `dynamodbav:"SK"`
	ID           string `dynamodbav:"outboxId"`
	ProjectID    string `dynamodbav:"projectId"`
	Request      string `dynamodbav:"request"` // the request as JSON
	Status       string `dynamodbav:"status"`
	Reason       string `dynamodbav:"reason,omitempty"`
	CreatedAt    string `dynamodbav:"createdAt"`
	UpdatedAt    string `dynamodbav:"updatedAt"`
	Document     string `dynamodbav:"document,omitempty"`
	FromArchive  bool   `dynamodbav:"fromArchive,omitempty"`
	DocumentSize int    `dynamodbav:"documentSize,omitempty"`
	Pages        int    `dynamodbav:"pages,omitempty"`
	GeneratedAt  string `dynamodbav:"generatedAt,omitempty"`
	SentAt       string `dynamodbav:"sentAt,omitempty"`
	MessageID    string `dynamodbav:"messageId,omitempty"`
	SendClaim    string `dynamodbav:"sendClaim,omitempty"`
	ClaimedAt    string `dynamodbav:"claimedAt,omitempty"`
	ExpiresAt    int64  `dynamodbav:"expiresAt,omitempty"`
}

// expiresAt is the TTL attribute's value for t (0, none, for zero).
func expiresAt(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// expiryTime reads a TTL attribute's value back.
func expiryTime(epoch int64) time.Time {
	if epoch == 0 {
		return time.Time{}
	}
	return time.Unix(epoch, 0).UTC()
}

// outboxRequest is the JSON an outbox item keeps of its request, under
// the names items already stored carry (the request's Go field names).
type outboxRequest struct {
	EventActionCode string             `json:"EventActionCode"`
	BaseOutboxID    string             `json:"BaseOutboxID"`
	ConfReportID    string             `json:"ConfReportID"`
	RowID           string             `json:"RowID"`
	SourceEntity    string             `json:"SourceEntity"`
	BaseUserID      string             `json:"BaseUserID"`
	FromArchive     int                `json:"FromArchive"`
	Print           int                `json:"Print"`
	MessageSubject  string             `json:"MessageSubject"`
	MessageBody     string             `json:"MessageBody"`
	Filename        string             `json:"Filename"`
	PathExport      string             `json:"PathExport"`
	IsBodyHTML      bool               `json:"IsBodyHTML"`
	ReplyTo         []string           `json:"ReplyTo"`
	EmailTo         []string           `json:"EmailTo"`
	Attachments     []outboxAttachment `json:"Attachments"`
}

type outboxAttachment struct {
	Entity     string `json:"Entity"`
	DataColumn string `json:"DataColumn"`
	RowID      string `json:"RowID"`
	Name       string `json:"Name"`
	MIMEType   string `json:"MIMEType"`
}

func newOutboxRequest(r outbox.Request) outboxRequest {
	out := outboxRequest{
		EventActionCode: r.EventActionCode, BaseOutboxID: r.BaseOutboxID, ConfReportID: r.ConfReportID, RowID: r.RowID,
		SourceEntity: r.SourceEntity, BaseUserID: r.BaseUserID, FromArchive: int(r.FromArchive), Print: r.Print,
		MessageSubject: r.MessageSubject, MessageBody: r.MessageBody, Filename: r.Filename, PathExport: r.PathExport,
		IsBodyHTML: r.IsBodyHTML, ReplyTo: r.ReplyTo, EmailTo: r.EmailTo,
	}
	if r.Attachments != nil {
		out.Attachments = make([]outboxAttachment, len(r.Attachments))
		for i, a := range r.Attachments {
			out.Attachments[i] = outboxAttachment(a)
		}
	}
	return out
}

func (r outboxRequest) request() outbox.Request {
	out := outbox.Request{
		EventActionCode: r.EventActionCode, BaseOutboxID: r.BaseOutboxID, ConfReportID: r.ConfReportID, RowID: r.RowID,
		SourceEntity: r.SourceEntity, BaseUserID: r.BaseUserID, FromArchive: outbox.Archive(r.FromArchive), Print: r.Print,
		MessageSubject: r.MessageSubject, MessageBody: r.MessageBody, Filename: r.Filename, PathExport: r.PathExport,
		IsBodyHTML: r.IsBodyHTML, ReplyTo: r.ReplyTo, EmailTo: r.EmailTo,
	}
	if r.Attachments != nil {
		out.Attachments = make([]outbox.Attachment, len(r.Attachments))
		for i, a := range r.Attachments {
			out.Attachments[i] = outbox.Attachment(a)
		}
	}
	return out
}

func (i outboxItem) toDomain() (outbox.Item, error) {
	at := timesOf(i.PK, i.SK)
	it := outbox.Item{
		ID: i.ID, ProjectID: i.ProjectID, Status: outbox.Status(i.Status), Reason: i.Reason,
		CreatedAt: at.at(i.CreatedAt), UpdatedAt: at.at(i.UpdatedAt),
		Document: i.Document, FromArchive: i.FromArchive, DocumentSize: i.DocumentSize, Pages: i.Pages,
		GeneratedAt: at.at(i.GeneratedAt), SentAt: at.at(i.SentAt), MessageID: i.MessageID,
		SendClaim: i.SendClaim, ClaimedAt: at.at(i.ClaimedAt), ExpiresAt: expiryTime(i.ExpiresAt),
	}
	if at.err != nil {
		return outbox.Item{}, at.err
	}
	var req outboxRequest
	if err := json.Unmarshal([]byte(i.Request), &req); err != nil {
		return outbox.Item{}, fmt.Errorf("outbox item %s: request: %w", i.ID, err)
	}
	it.Request = req.request()
	return it, nil
}

// CreateOutboxItem implements outbox.Store.
func (s *Outbox) CreateOutboxItem(ctx context.Context, it outbox.Item) error {
	req, err := json.Marshal(newOutboxRequest(it.Request))
	if err != nil {
		return err
	}
	av, err := attributevalue.MarshalMap(outboxItem{
		PK: outboxPK(it.ProjectID, it.ID), SK: skOutboxItem, ID: it.ID, ProjectID: it.ProjectID, Request: string(req),
		Status: string(it.Status), CreatedAt: formatTime(it.CreatedAt), UpdatedAt: formatTime(it.UpdatedAt),
		ExpiresAt: expiresAt(it.ExpiresAt),
	})
	if err != nil {
		return err
	}
	_, err = s.Client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &s.Name, Item: av, ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	return err
}

// OutboxItem implements outbox.Store.
func (s *Outbox) OutboxItem(ctx context.Context, projectID, id string) (outbox.Item, error) {
	out, err := s.Client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Name, Key: outboxKey(projectID, id), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return outbox.Item{}, err
	}
	if out.Item == nil {
		return outbox.Item{}, outbox.ErrNotFound
	}
	var i outboxItem
	if err := attributevalue.UnmarshalMap(out.Item, &i); err != nil {
		return outbox.Item{}, err
	}
	return i.toDomain()
}

// SaveOutboxDocument implements outbox.Store: the document in chunks
// under its own id.
func (s *Outbox) SaveOutboxDocument(ctx context.Context, projectID, docID string, pdf []byte, expires time.Time) error {
	for i, start := 0, 0; start < len(pdf) || i == 0; i, start = i+1, start+outboxChunkBytes {
		chunk := pdf[start:min(start+outboxChunkBytes, len(pdf))]
		_, err := s.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Name, Item: map[string]types.AttributeValue{
			attrPK: str(outboxDocPK(projectID, docID)), attrSK: str(outboxChunkSK(i)),
			"data": &types.AttributeValueMemberB{Value: chunk}, "expiresAt": num(expiresAt(expires)),
		}})
		if err != nil {
			return err
		}
	}
	return nil
}

// OutboxDocument implements outbox.Store.
func (s *Outbox) OutboxDocument(ctx context.Context, projectID, docID string) ([]byte, error) {
	var pdf []byte
	var start map[string]types.AttributeValue
	found := false
	for {
		out, err := s.Client.Query(ctx, &dynamodb.QueryInput{
			TableName: &s.Name, KeyConditionExpression: aws.String("PK = :pk"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(outboxDocPK(projectID, docID))},
			ExclusiveStartKey:         start, ConsistentRead: aws.Bool(true),
		})
		if err != nil {
			return nil, err
		}
		for _, item := range out.Items {
			found = true
			if b, ok := item["data"].(*types.AttributeValueMemberB); ok {
				pdf = append(pdf, b.Value...)
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		start = out.LastEvaluatedKey
	}
	if !found {
		return nil, outbox.ErrNoDocument
	}
	return pdf, nil
}

// MarkGenerated implements outbox.Store.
func (s *Outbox) MarkGenerated(ctx context.Context, it outbox.Item, archiveKey string) error {
	actions := []types.TransactWriteItem{{Update: &types.Update{
		TableName: &s.Name, Key: outboxKey(it.ProjectID, it.ID),
		UpdateExpression: aws.String("SET #s = :gen, document = :doc, documentSize = :size, pages = :pages, " +
			"fromArchive = :fa, generatedAt = :at, updatedAt = :at"),
		ConditionExpression:      aws.String("#s = :queued"),
		ExpressionAttributeNames: map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":gen": str(string(outbox.Generated)), ":queued": str(string(outbox.Queued)), ":doc": str(it.Document),
			":size": num(int64(it.DocumentSize)), ":pages": num(int64(it.Pages)), ":fa": &types.AttributeValueMemberBOOL{Value: it.FromArchive},
			":at": str(formatTime(it.GeneratedAt)),
		},
	}}}
	if archiveKey != "" {
		actions = append(actions, types.TransactWriteItem{Put: &types.Put{TableName: &s.Name, Item: map[string]types.AttributeValue{
			attrPK: str(outboxArchivePK(it.ProjectID, archiveKey)), attrSK: str(skOutboxArchive),
			"outboxId": str(it.ID), "document": str(it.Document), "documentSize": num(int64(it.DocumentSize)),
			"pages": num(int64(it.Pages)), "generatedAt": str(formatTime(it.GeneratedAt)), "expiresAt": num(expiresAt(it.ExpiresAt)),
		}}})
	}
	_, err := s.Client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: actions})
	if isConditionFailed(err) {
		return outbox.ErrConflict
	}
	return err
}

// Archived implements outbox.Store.
func (s *Outbox) Archived(ctx context.Context, projectID, key string) (outbox.Item, error) {
	out, err := s.Client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Name, ConsistentRead: aws.Bool(true), Key: map[string]types.AttributeValue{
		attrPK: str(outboxArchivePK(projectID, key)), attrSK: str(skOutboxArchive),
	}})
	if err != nil {
		return outbox.Item{}, err
	}
	if out.Item == nil {
		return outbox.Item{}, outbox.ErrNotFound
	}
	var a struct {
		ID           string `dynamodbav:"outboxId"`
		Document     string `dynamodbav:"document"`
		DocumentSize int    `dynamodbav:"documentSize"`
		Pages        int    `dynamodbav:"pages"`
		GeneratedAt  string `dynamodbav:"generatedAt"`
		ExpiresAt    int64  `dynamodbav:"expiresAt"`
	}
	if err := attributevalue.UnmarshalMap(out.Item, &a); err != nil {
		return outbox.Item{}, err
	}
	at := timesOf(outboxArchivePK(projectID, key), skOutboxArchive)
	return outbox.Item{ID: a.ID, ProjectID: projectID, Document: a.Document, DocumentSize: a.DocumentSize, Pages: a.Pages,
		GeneratedAt: at.at(a.GeneratedAt), ExpiresAt: expiryTime(a.ExpiresAt)}, at.err
}

// KeepArchived implements outbox.Store: every chunk's expiry moves, on
// the condition that it is still there and not expired (an update must
// not bring back a chunk the table deleted), then the archive entry's if
// it still names the document. A document left half kept is expired
// already and is generated anew.
func (s *Outbox) KeepArchived(ctx context.Context, a outbox.Item, key string, now, until time.Time) error {
	values := map[string]types.AttributeValue{":now": num(now.Unix()), ":until": num(until.Unix())}
	live := "attribute_exists(PK) AND (attribute_not_exists(expiresAt) OR expiresAt > :now)"
	for i := range outboxChunks(a.DocumentSize) {
		_, err := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName:        &s.Name,
			Key:              map[string]types.AttributeValue{attrPK: str(outboxDocPK(a.ProjectID, a.Document)), attrSK: str(outboxChunkSK(i))},
			UpdateExpression: aws.String("SET expiresAt = :until"), ConditionExpression: aws.String(live),
			ExpressionAttributeValues: values,
		})
		if isConditionFailed(err) {
			return outbox.ErrNoDocument
		}
		if err != nil {
			return err
		}
	}
	values[":doc"] = str(a.Document)
	_, err := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.Name,
		Key:                       map[string]types.AttributeValue{attrPK: str(outboxArchivePK(a.ProjectID, key)), attrSK: str(skOutboxArchive)},
		UpdateExpression:          aws.String("SET expiresAt = :until"),
		ConditionExpression:       aws.String(live + " AND document = :doc"),
		ExpressionAttributeValues: values,
	})
	if isConditionFailed(err) {
		// A newer document took the archive meanwhile: this one is kept
		// for the item all the same.
		return nil
	}
	return err
}

// ClaimSend implements outbox.Store.
func (s *Outbox) ClaimSend(ctx context.Context, projectID, id, claim string, at time.Time) error {
	_, err := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.Name, Key: outboxKey(projectID, id),
		UpdateExpression:         aws.String("SET sendClaim = :c, claimedAt = :at"),
		ConditionExpression:      aws.String("#s = :gen AND attribute_not_exists(sendClaim)"),
		ExpressionAttributeNames: map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":c": str(claim), ":at": str(formatTime(at)), ":gen": str(string(outbox.Generated)),
		},
	})
	if isConditionFailed(err) {
		return outbox.ErrClaimed
	}
	return err
}

// ReleaseSend implements outbox.Store.
func (s *Outbox) ReleaseSend(ctx context.Context, projectID, id, claim string) error {
	_, err := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.Name, Key: outboxKey(projectID, id),
		UpdateExpression:          aws.String("REMOVE sendClaim, claimedAt"),
		ConditionExpression:       aws.String("sendClaim = :c"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":c": str(claim)},
	})
	if isConditionFailed(err) {
		return nil
	}
	return err
}

// MarkSent implements outbox.Store.
func (s *Outbox) MarkSent(ctx context.Context, projectID, id, claim, messageID string, at time.Time) error {
	_, err := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.Name, Key: outboxKey(projectID, id),
		UpdateExpression:         aws.String("SET #s = :sent, messageId = :m, sentAt = :at, updatedAt = :at"),
		ConditionExpression:      aws.String("#s = :gen AND sendClaim = :c"),
		ExpressionAttributeNames: map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":sent": str(string(outbox.Sent)), ":gen": str(string(outbox.Generated)), ":c": str(claim),
			":m": str(messageID), ":at": str(formatTime(at)),
		},
	})
	if isConditionFailed(err) {
		return outbox.ErrConflict
	}
	return err
}

// MarkFailed implements outbox.Store.
func (s *Outbox) MarkFailed(ctx context.Context, projectID, id, reason string, at time.Time) error {
	_, err := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.Name, Key: outboxKey(projectID, id),
		UpdateExpression:         aws.String("SET #s = :failed, reason = :r, updatedAt = :at"),
		ConditionExpression:      aws.String("#s IN (:queued, :gen)"),
		ExpressionAttributeNames: map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":failed": str(string(outbox.Failed)), ":queued": str(string(outbox.Queued)), ":gen": str(string(outbox.Generated)),
			":r": str(reason), ":at": str(formatTime(at)),
		},
	})
	if isConditionFailed(err) {
		return outbox.ErrConflict
	}
	return err
}
