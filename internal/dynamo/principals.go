package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/project"
)

var (
	_ auth.PrincipalStore = (*Store)(nil)
	_ project.Store       = (*Store)(nil)
)

type principalItem struct {
	PK         string `dynamodbav:"PK"`
	SK         string `dynamodbav:"SK"`
	ID         string `dynamodbav:"principalId"`
	ClientID   string `dynamodbav:"clientId"`
	SecretHash []byte `dynamodbav:"secretHash"`
	CreatedAt  string `dynamodbav:"createdAt"`
}

// CreatePrincipal implements auth.PrincipalStore.
func (s *Store) CreatePrincipal(ctx context.Context, p auth.Principal) error {
	item, err := attributevalue.MarshalMap(principalItem{
		PK: principalPK(p.ID), SK: skPrincipal, ID: p.ID, ClientID: p.ClientID,
		SecretHash: p.SecretHash, CreatedAt: p.CreatedAt.UTC().Format(timeLayout),
	})
	if err != nil {
		return err
	}
	_, err = s.Client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           &s.Table,
		Item:                item,
		ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	if isConditionFailed(err) {
		return auth.ErrPrincipalExists
	}
	return err
}

// Principal implements auth.PrincipalStore.
func (s *Store) Principal(ctx context.Context, id string) (auth.Principal, error) {
	var it principalItem
	found, err := s.get(ctx, principalPK(id), skPrincipal, &it)
	if err != nil {
		return auth.Principal{}, err
	}
	if !found {
		return auth.Principal{}, auth.ErrPrincipalNotFound
	}
	created, err := time.Parse(timeLayout, it.CreatedAt)
	if err != nil {
		return auth.Principal{}, fmt.Errorf("principal %s: %w", id, err)
	}
	return auth.Principal{ID: it.ID, ClientID: it.ClientID, SecretHash: it.SecretHash, CreatedAt: created}, nil
}

// PrincipalClient implements project.Store.
func (s *Store) PrincipalClient(ctx context.Context, principalID string) (string, error) {
	p, err := s.Principal(ctx, principalID)
	if err == auth.ErrPrincipalNotFound {
		return "", project.ErrPrincipalNotFound
	}
	return p.ClientID, err
}
