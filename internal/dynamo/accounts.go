package dynamo

import (
	"context"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parcelgate/parcelgate/internal/account"
	"github.com/parcelgate/parcelgate/internal/data"
)

var _ account.Store = (*Accounts)(nil)

// Attributes of the licences item.
const (
	attrLicences = "licences"
	attrActive   = "active"
)

// SaveAccount implements account.Store: the account and the project's
// active count change in one transaction. An activation is conditioned
// on active < licences, so concurrent activations never exceed the
// licences; a missing licences item fails the condition too (no licence
// was ever set). Like every single write, it waits for the imports that
// hold the account: an import deleting or merging it moves the count
// when it commits, from the version it locked.
func (s *Accounts) SaveAccount(ctx context.Context, projectID string, e *data.Entity, old *data.Record, rec data.Record, delta int) error {
	n, err := s.recordShardsOf(ctx, projectID)
	if err != nil {
		return err
	}
	it, err := recordItem(n, projectID, e, rec)
	if err != nil {
		return err
	}
	put := &types.Put{TableName: &s.Name, Item: it}
	if old == nil {
		put.ConditionExpression = aws.String("attribute_not_exists(PK)")
	} else {
		put.ConditionExpression = aws.String("stamp = :stamp AND " + unlocked)
		put.ExpressionAttributeValues = item{":stamp": str(versionStamp(old))}
	}
	if delta == 0 {
		return writeAgain(func() error {
			_, err := s.Client.PutItem(ctx, &dynamodb.PutItemInput{
				TableName: &s.Name, Item: it, ConditionExpression: put.ConditionExpression, ExpressionAttributeValues: put.ExpressionAttributeValues,
			})
			if isConditionFailed(err) {
				return s.whyRefused(ctx, it, versionStamp(old))
			}
			return err
		})
	}
	count := s.releaseLicences(projectID, 1)
	if delta > 0 {
		count = types.TransactWriteItem{Update: &types.Update{
			TableName: &s.Name, Key: licencesKey(projectID),
			UpdateExpression:          aws.String("SET active = active + :one"),
			ConditionExpression:       aws.String("active < licences"),
			ExpressionAttributeValues: item{":one": num(1)},
		}}
	}
	err = writeAgain(func() error {
		return s.transact(ctx, []types.TransactWriteItem{{Put: put}, count}, func(reasons []types.CancellationReason) error {
			switch {
			case failed(reasons, 0):
				return s.whyRefused(ctx, it, versionStamp(old))
			case failed(reasons, 1):
				return account.ErrNoLicence
			}
			return nil
		})
	})
	if isContended(err) {
		return data.ErrContended
	}
	return err
}

// releaseLicences gives back the licences of n accounts that stop being
// active. It has no condition: the count only counts active accounts, so
// it never goes below zero, and a release must never be refused.
func (s *recordTable) releaseLicences(projectID string, n int) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{
		TableName: &s.Name, Key: licencesKey(projectID),
		UpdateExpression:          aws.String("SET active = if_not_exists(active, :n) - :n"),
		ExpressionAttributeValues: item{":n": num(int64(n))},
	}}
}

// activeAccount says whether a version (nil: none) is a live active
// account, which holds a licence.
func activeAccount(e *data.Entity, r *data.Record) bool {
	if e.Name != account.Entity || r == nil || r.Deleted {
		return false
	}
	st, _ := r.Values[data.FieldStatus].(string)
	return account.Status(st) == account.Active
}

// licenceReleased is the release that a generic write of an account
// makes: deleting an active account, logically or physically, frees its
// licence in the same transaction. (Its status is read-only on the
// generic routes, so they never activate one.)
func (s *recordTable) licenceReleased(projectID string, e *data.Entity, old *data.Record, deleted bool) []types.TransactWriteItem {
	if !deleted || !activeAccount(e, old) {
		return nil
	}
	return []types.TransactWriteItem{s.releaseLicences(projectID, 1)}
}

// licencesFreed counts the licences an import gives back when it
// commits: the active accounts it deletes (a dataset delete, the deletes
// of a relational import, the source of a merge), less the accounts it
// leaves active that were not (the target of a merge whose status was
// null takes the source's, and its licence with it). The plan's old
// versions are the ones its commit writes over, so the count is exact.
// Imports never activate an account on their own: the status is
// read-only outside the accounts route, where every activation takes a
// licence under the licences' condition.
func licencesFreed(p data.Plan) (int, error) {
	n := 0
	for _, c := range p.Changes {
		if activeAccount(c.Entity, c.Old) {
			n++
		}
		if activeAccount(c.Entity, &c.New) {
			n--
		}
	}
	if n < 0 {
		return 0, fmt.Errorf("import of project %s would activate %d accounts: only the accounts route may", p.ProjectID, -n)
	}
	return n, nil
}

// Licences implements account.Store.
func (s *Accounts) Licences(ctx context.Context, projectID string) (account.Licences, error) {
	out, err := s.Client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Name, Key: licencesKey(projectID), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return account.Licences{}, err
	}
	return decodeLicences(out.Item), nil
}

// SetLicences implements account.Store.
func (s *Accounts) SetLicences(ctx context.Context, projectID string, total int) (account.Licences, error) {
	out, err := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.Name, Key: licencesKey(projectID),
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

// Record implements account.Store: an account is a record.
func (s *Accounts) Record(ctx context.Context, projectID string, e *data.Entity, code string) (data.Record, error) {
	return s.records.Record(ctx, projectID, e, code)
}
