package dynamo

import (
	"context"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parcelgate/parcelgate/internal/account"
	"github.com/parcelgate/parcelgate/internal/data"
)

var _ account.Store = (*Store)(nil)

// Attributes of the licences item.
const (
	attrLicences = "licences"
	attrActive   = "active"
)

func licencesKey(projectID string) item {
	return item{attrPK: str(projectPK(projectID)), attrSK: str(skLicences)}
}

// SaveAccount implements account.Store: the account and the project's
// active count change in one transaction. An activation is conditioned
// on active < licences, so concurrent activations never exceed the
// licences; a missing licences item fails the condition too (no licence
// was ever set).
func (s *Store) SaveAccount(ctx context.Context, projectID string, e *data.Entity, old *data.Record, rec data.Record, delta int) error {
	it, err := recordItem(projectID, e, rec)
	if err != nil {
		return err
	}
	put := &types.Put{TableName: &s.Table, Item: it}
	if old == nil {
		put.ConditionExpression = aws.String("attribute_not_exists(PK)")
	} else {
		put.ConditionExpression = aws.String("stamp = :stamp")
		put.ExpressionAttributeValues = item{":stamp": str(old.SrvDateUTC.UTC().Format(data.StampLayout))}
	}
	if delta == 0 {
		_, err := s.Client.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: &s.Table, Item: it, ConditionExpression: put.ConditionExpression, ExpressionAttributeValues: put.ExpressionAttributeValues,
		})
		if isConditionFailed(err) {
			return data.ErrChanged
		}
		return err
	}
	count := s.releaseLicence(projectID)
	if delta > 0 {
		count = types.TransactWriteItem{Update: &types.Update{
			TableName: &s.Table, Key: licencesKey(projectID),
			UpdateExpression:          aws.String("SET active = active + :one"),
			ConditionExpression:       aws.String("active < licences"),
			ExpressionAttributeValues: item{":one": num(1)},
		}}
	}
	err = s.transact(ctx, []types.TransactWriteItem{{Put: put}, count}, func(reasons []types.CancellationReason) error {
		switch {
		case failed(reasons, 0):
			return data.ErrChanged
		case failed(reasons, 1):
			return account.ErrNoLicence
		}
		return nil
	})
	if isContended(err) {
		return data.ErrContended
	}
	return err
}

// releaseLicence gives back the licence of an account that stops being
// active. It has no condition: the count only counts active accounts, so
// it never goes below zero, and a release must never be refused.
func (s *Store) releaseLicence(projectID string) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{
		TableName: &s.Table, Key: licencesKey(projectID),
		UpdateExpression:          aws.String("SET active = if_not_exists(active, :one) - :one"),
		ExpressionAttributeValues: item{":one": num(1)},
	}}
}

// licenceReleased is the release that a generic write of an account
// makes: deleting an active account, logically or physically, frees its
// licence in the same transaction. (Its status is read-only on the
// generic routes, so they never activate one.)
func (s *Store) licenceReleased(projectID string, e *data.Entity, old *data.Record, deleted bool) []types.TransactWriteItem {
	if e.Name != account.Entity || old == nil || old.Deleted || !deleted {
		return nil
	}
	if st, _ := old.Values[data.FieldStatus].(string); account.Status(st) != account.Active {
		return nil
	}
	return []types.TransactWriteItem{s.releaseLicence(projectID)}
}

// Licences implements account.Store.
func (s *Store) Licences(ctx context.Context, projectID string) (account.Licences, error) {
	out, err := s.Client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, Key: licencesKey(projectID), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return account.Licences{}, err
	}
	return decodeLicences(out.Item), nil
}

// SetLicences implements account.Store.
func (s *Store) SetLicences(ctx context.Context, projectID string, total int) (account.Licences, error) {
	out, err := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.Table, Key: licencesKey(projectID),
		UpdateExpression:          aws.String("SET licences = :n, active = if_not_exists(active, :zero)"),
		ExpressionAttributeValues: item{":n": num(int64(total)), ":zero": num(0)},
		ReturnValues:              types.ReturnValueAllNew,
	})
	if err != nil {
		return account.Licences{}, err
	}
	return decodeLicences(out.Attributes), nil
}

func decodeLicences(it item) account.Licences {
	n := func(name string) int {
		v, _ := it[name].(*types.AttributeValueMemberN)
		if v == nil {
			return 0
		}
		x, _ := strconv.Atoi(v.Value)
		return x
	}
	return account.Licences{Total: n(attrLicences), Used: n(attrActive)}
}
