package dynamo

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/page"
)

// auditItem is one entry of a client's audit log; it is written in the
// transaction of the change it records, and expires after
// auth.AuditRetention.
type auditItem struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	At        string `dynamodbav:"at"`
	ClientID  string `dynamodbav:"clientId"`
	By        string `dynamodbav:"by"`
	Action    string `dynamodbav:"action"`
	Subject   string `dynamodbav:"subject"`
	ProjectID string `dynamodbav:"projectId,omitempty"`
	ExpiresAt int64  `dynamodbav:"expiresAt"`
}

// auditPut is the transaction action that writes entry.
func (s *Table) auditPut(entry auth.AuditEntry) (types.TransactWriteItem, error) {
	item, err := attributevalue.MarshalMap(auditItem{
		PK: auditPK(entry.ClientID), SK: auditSK(entry.At, uuid.Must(uuid.NewV7()).String()),
		At: formatTime(entry.At), ClientID: entry.ClientID, By: entry.By, Action: entry.Action,
		Subject: entry.Subject, ProjectID: entry.ProjectID,
		ExpiresAt: entry.At.Add(auth.AuditRetention).Unix(),
	})
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	return types.TransactWriteItem{Put: &types.Put{TableName: &s.Name, Item: item}}, nil
}

// Audit implements auth.PrincipalStore: one Query of the client's
// partition, oldest first.
func (s *Principals) Audit(ctx context.Context, clientID string, req page.Request) (page.Page[auth.AuditEntry], error) {
	pk := auditPK(clientID)
	items, next, err := s.queryPage(ctx, &dynamodb.QueryInput{
		KeyConditionExpression: aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": &types.AttributeValueMemberS{Value: pk},
		},
	}, attrPK, pk, req)
	if err != nil {
		return page.Page[auth.AuditEntry]{}, err
	}
	out := page.Page[auth.AuditEntry]{NextCursor: next, Items: make([]auth.AuditEntry, 0, len(items))}
	for _, raw := range items {
		var it auditItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return out, err
		}
		at, err := parseTime(it.At)
		if err != nil {
			return out, fmt.Errorf("item %s %s: %w", pk, getS(raw, attrSK), err)
		}
		out.Items = append(out.Items, auth.AuditEntry{
			At: at, ClientID: it.ClientID, By: it.By, Action: it.Action,
			Subject: it.Subject, ProjectID: it.ProjectID,
		})
	}
	return out, nil
}

// isTransactionConflict reports a transaction that lost to a concurrent
// one on the same items.
func isTransactionConflict(err error) bool {
	var conflict *types.TransactionConflictException
	if errors.As(err, &conflict) {
		return true
	}
	var tc *types.TransactionCanceledException
	if errors.As(err, &tc) {
		for _, r := range tc.CancellationReasons {
			if r.Code != nil && *r.Code == "TransactionConflict" {
				return true
			}
		}
	}
	return false
}
