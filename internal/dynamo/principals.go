package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/parcelgate/parcelgate/internal/sorttime"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/page"
	"github.com/parcelgate/parcelgate/internal/project"
)

var (
	_ auth.PrincipalStore = (*Principals)(nil)
	_ project.Store       = (*Projects)(nil)
)

// principalItem is a credential. Every attribute added with revocation is
// omitted at its zero value, so an item stored before reads as a live
// owner at generation and version 0.
type principalItem struct {
	PK                      string `dynamodbav:"PK"`
	SK                      string `dynamodbav:"SK"`
	GSI1PK                  string `dynamodbav:"GSI1PK,omitempty"`
	GSI1SK                  string `dynamodbav:"GSI1SK,omitempty"`
	ID                      string `dynamodbav:"principalId"`
	ClientID                string `dynamodbav:"clientId"`
	SecretHash              []byte `dynamodbav:"secretHash,omitempty"`
	CreatedAt               string `dynamodbav:"createdAt"`
	Role                    string `dynamodbav:"role,omitempty"`
	Disabled                bool   `dynamodbav:"disabled,omitempty"`
	Deleted                 bool   `dynamodbav:"deleted,omitempty"`
	Generation              int64  `dynamodbav:"generation,omitempty"`
	PreviousSecretHash      []byte `dynamodbav:"previousSecretHash,omitempty"`
	PreviousSecretExpiresAt string `dynamodbav:"previousSecretExpiresAt,omitempty"`
	LastUsedAt              string `dynamodbav:"lastUsedAt,omitempty"`
	Version                 int64  `dynamodbav:"version,omitempty"`
}

func newPrincipalItem(p auth.Principal) principalItem {
	it := principalItem{
		PK: principalPK(p.ID), SK: skPrincipal, ID: p.ID, ClientID: p.ClientID,
		SecretHash: p.SecretHash, CreatedAt: sorttime.Format(p.CreatedAt),
		Role: string(p.Role), Disabled: p.Disabled, Deleted: p.Deleted, Generation: p.Generation,
		PreviousSecretHash: p.PreviousSecretHash, PreviousSecretExpiresAt: formatTime(p.PreviousSecretExpiresAt),
		LastUsedAt: formatTime(p.LastUsedAt), Version: p.Version,
	}
	if !p.Deleted {
		it.GSI1PK, it.GSI1SK = clientPrincipalsGSI1PK(p.ClientID), p.ID
	}
	return it
}

func (it principalItem) decode() (auth.Principal, error) {
	created, err := sorttime.Parse(it.CreatedAt)
	if err != nil {
		return auth.Principal{}, fmt.Errorf("item %s %s: %w", it.PK, it.SK, err)
	}
	at := timesOf(it.PK, it.SK)
	return auth.Principal{
		ID: it.ID, ClientID: it.ClientID, SecretHash: it.SecretHash, CreatedAt: created,
		Role: auth.Role(it.Role), Disabled: it.Disabled, Deleted: it.Deleted, Generation: it.Generation,
		PreviousSecretHash: it.PreviousSecretHash, PreviousSecretExpiresAt: at.at(it.PreviousSecretExpiresAt),
		LastUsedAt: at.at(it.LastUsedAt), Version: it.Version,
	}, at.err
}

// CreatePrincipal implements auth.PrincipalStore.
func (s *Principals) CreatePrincipal(ctx context.Context, p auth.Principal, entry auth.AuditEntry) error {
	item, err := attributevalue.MarshalMap(newPrincipalItem(p))
	if err != nil {
		return err
	}
	audit, err := s.auditPut(entry)
	if err != nil {
		return err
	}
	_, err = s.Client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: &s.Name, Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
		audit,
	}})
	if cancelledAt(err, 0) {
		return auth.ErrPrincipalExists
	}
	return err
}

// Principal implements auth.PrincipalStore.
func (s *Principals) Principal(ctx context.Context, id string) (auth.Principal, error) {
	var it principalItem
	found, err := s.get(ctx, principalPK(id), skPrincipal, &it)
	if err != nil {
		return auth.Principal{}, err
	}
	if !found {
		return auth.Principal{}, auth.ErrPrincipalNotFound
	}
	return it.decode()
}

// ClientPrincipals implements auth.PrincipalStore: one Query of GSI1.
func (s *Principals) ClientPrincipals(ctx context.Context, clientID string, req page.Request) (page.Page[auth.Principal], error) {
	pk := clientPrincipalsGSI1PK(clientID)
	items, next, err := s.queryPage(ctx, &dynamodb.QueryInput{
		IndexName:              aws.String(indexGSI1),
		KeyConditionExpression: aws.String("GSI1PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": &types.AttributeValueMemberS{Value: pk},
		},
	}, attrGSI1PK, pk, req)
	if err != nil {
		return page.Page[auth.Principal]{}, err
	}
	out := page.Page[auth.Principal]{NextCursor: next, Items: make([]auth.Principal, 0, len(items))}
	for _, raw := range items {
		var it principalItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return out, err
		}
		p, err := it.decode()
		if err != nil {
			return out, err
		}
		out.Items = append(out.Items, p)
	}
	return out, nil
}

// UpdatePrincipal implements auth.PrincipalStore: the principal, the
// keeper's check and the audit entry in one transaction.
func (s *Principals) UpdatePrincipal(ctx context.Context, p auth.Principal, keeper string, entry auth.AuditEntry) error {
	item, err := attributevalue.MarshalMap(newPrincipalItem(p))
	if err != nil {
		return err
	}
	// A version of 0 is stored as no attribute at all.
	cond, values := "attribute_not_exists(version)", map[string]types.AttributeValue{}
	if p.Version > 1 {
		cond = "version = :prev"
		values[":prev"] = &types.AttributeValueMemberN{Value: fmt.Sprint(p.Version - 1)}
	}
	values[":client"] = &types.AttributeValueMemberS{Value: p.ClientID}
	audit, err := s.auditPut(entry)
	if err != nil {
		return err
	}
	actions := []types.TransactWriteItem{
		{Put: &types.Put{TableName: &s.Name, Item: item,
			ConditionExpression:       aws.String("attribute_exists(PK) AND clientId = :client AND " + cond),
			ExpressionAttributeValues: values}},
		audit,
	}
	if keeper != "" {
		actions = append(actions, types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
			TableName: &s.Name,
			Key:       itemKey(principalPK(keeper), skPrincipal),
			ConditionExpression: aws.String("clientId = :client AND (attribute_not_exists(#role) OR #role = :owner)" +
				" AND attribute_not_exists(disabled) AND attribute_not_exists(deleted)"),
			ExpressionAttributeNames: map[string]string{"#role": "role"},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":client": &types.AttributeValueMemberS{Value: p.ClientID},
				":owner":  &types.AttributeValueMemberS{Value: string(auth.RoleOwner)},
			},
		}})
	}
	_, err = s.Client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: actions})
	switch {
	case err == nil:
		return nil
	case cancelledAt(err, 0) || isTransactionConflict(err):
		return auth.ErrPrincipalChanged
	case cancelledAt(err, 2):
		return auth.ErrKeeperGone
	}
	return err
}

// PrincipalUsed implements auth.PrincipalStore. It also gives a principal
// stored before credentials were listed its place in the list and its
// role, so that clients' credentials need no migration.
func (s *Principals) PrincipalUsed(ctx context.Context, p auth.Principal, at time.Time) error {
	_, err := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                aws.String(s.Name),
		Key:                      itemKey(principalPK(p.ID), skPrincipal),
		UpdateExpression:         aws.String("SET lastUsedAt = :at, GSI1PK = :gpk, GSI1SK = :gsk, #role = if_not_exists(#role, :owner)"),
		ConditionExpression:      aws.String("attribute_exists(PK) AND attribute_not_exists(deleted)"),
		ExpressionAttributeNames: map[string]string{"#role": "role"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":at":    &types.AttributeValueMemberS{Value: formatTime(at)},
			":gpk":   &types.AttributeValueMemberS{Value: clientPrincipalsGSI1PK(p.ClientID)},
			":gsk":   &types.AttributeValueMemberS{Value: p.ID},
			":owner": &types.AttributeValueMemberS{Value: string(auth.RoleOwner)},
		},
	})
	if isConditionFailed(err) {
		return nil
	}
	return err
}

// PrincipalClient implements project.Store.
func (s *Projects) PrincipalClient(ctx context.Context, principalID string) (string, error) {
	p, err := s.principals.Principal(ctx, principalID)
	if errors.Is(err, auth.ErrPrincipalNotFound) || (err == nil && p.Deleted) {
		return "", project.ErrPrincipalNotFound
	}
	return p.ClientID, err
}
