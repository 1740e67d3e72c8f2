package dynamo

import (
	"context"
	"errors"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"golang.org/x/sync/errgroup"

	"github.com/parcelgate/parcelgate/internal/job"
)

// The single writes of a number's subscribers entry that a job makes
// beside its association (associations_write.go): each is one
// conditional UpdateItem, billed once, whose condition keeps a stale or
// repeated write from moving the entry away from the association.

// claimEntry writes a's entry before a is put, on the association's own
// condition: no entry of the project, or an expired one, or this very
// claim (the same job at the same decision time, delivered again after a
// crash; a processing task's addition, which has no job, retakes any
// claim without one). It reports whether a holds the claim; only the
// holder puts the association.
func (s *Table) claimEntry(ctx context.Context, a job.Association) (bool, error) {
	cond := "attribute_not_exists(#p) OR #p.expiresAt <= :at OR "
	values := map[string]types.AttributeValue{
		":n": str(a.TrackingNumber), ":a": entryValue(a),
		":at": &types.AttributeValueMemberN{Value: strconv.FormatInt(a.AddedAt.Unix(), 10)},
	}
	if a.AddedBy != "" {
		cond += "(#p.addedBy = :by AND #p.addedAt = :added)"
		values[":by"], values[":added"] = str(a.AddedBy), str(formatTime(a.AddedAt))
	} else {
		cond += "attribute_not_exists(#p.addedBy)"
	}
	return s.updateIf(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.Name, Key: subscribersKey(a.TrackingNumber),
		UpdateExpression:          aws.String("SET trackingNumber = :n, #p = :a"),
		ConditionExpression:       &cond,
		ExpressionAttributeNames:  map[string]string{"#p": subscriberAttrPrefix + a.ProjectID},
		ExpressionAttributeValues: values,
	})
}

// settleClaim gives a claim whose association was not put (a live one
// was there, which only a claim made past an entry that expired before
// its association can meet) the stored association's times, unless the
// entry moved on since.
func (s *Table) settleClaim(ctx context.Context, claim, stored job.Association) error {
	if claim.AddedAt.Equal(stored.AddedAt) && claim.ExpiresAt.Equal(stored.ExpiresAt) {
		return nil // the claim's own association, put by an earlier attempt
	}
	_, err := s.updateIf(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.Name, Key: subscribersKey(claim.TrackingNumber),
		UpdateExpression:         aws.String("SET #p = :a"),
		ConditionExpression:      aws.String("#p.addedAt = :added AND #p.expiresAt = :exp"),
		ExpressionAttributeNames: map[string]string{"#p": subscriberAttrPrefix + claim.ProjectID},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":a": entryValue(stored), ":added": str(formatTime(claim.AddedAt)),
			":exp": &types.AttributeValueMemberN{Value: strconv.FormatInt(claim.ExpiresAt.Unix(), 10)},
		},
	})
	return err
}

// growEntry moves a's entry to a's times once a's association holds
// them, unless the entry is gone (removed since) or already as late.
func (s *Table) growEntry(ctx context.Context, a job.Association) error {
	_, err := s.updateIf(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.Name, Key: subscribersKey(a.TrackingNumber),
		UpdateExpression:         aws.String("SET #p.addedAt = :added, #p.expiresAt = :exp"),
		ConditionExpression:      aws.String("#p.expiresAt < :exp"),
		ExpressionAttributeNames: map[string]string{"#p": subscriberAttrPrefix + a.ProjectID},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":added": str(formatTime(a.AddedAt)),
			":exp":   &types.AttributeValueMemberN{Value: strconv.FormatInt(a.ExpiresAt.Unix(), 10)},
		},
	})
	return err
}

// dropEntry removes projectID's entry of number after its association
// was removed by a decision at at: an entry added after at is another
// job's, and stays.
func (s *Table) dropEntry(ctx context.Context, projectID, number, at string) error {
	_, err := s.updateIf(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.Name, Key: subscribersKey(number),
		UpdateExpression:          aws.String("REMOVE #p"),
		ConditionExpression:       aws.String("#p.addedAt <= :at"),
		ExpressionAttributeNames:  map[string]string{"#p": subscriberAttrPrefix + projectID},
		ExpressionAttributeValues: map[string]types.AttributeValue{":at": str(at)},
	})
	return err
}

// releaseClaim removes a's claim, if the entry still is that claim.
func (s *Table) releaseClaim(ctx context.Context, a job.Association) error {
	_, err := s.updateIf(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.Name, Key: subscribersKey(a.TrackingNumber),
		UpdateExpression:         aws.String("REMOVE #p"),
		ConditionExpression:      aws.String("#p.addedBy = :by AND #p.addedAt = :added"),
		ExpressionAttributeNames: map[string]string{"#p": subscriberAttrPrefix + a.ProjectID},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":by": str(a.AddedBy), ":added": str(formatTime(a.AddedAt)),
		},
	})
	return err
}

// updateIf runs one conditional UpdateItem and reports whether its
// condition held.
func (s *Table) updateIf(ctx context.Context, in *dynamodb.UpdateItemInput) (bool, error) {
	_, err := s.Client.UpdateItem(ctx, in)
	if isConditionFailed(err) {
		return false, nil
	}
	return err == nil, err
}

// each runs write for every index in is, several at once, and reports
// what each returned.
func each(ctx context.Context, is []int, write func(context.Context, int) (bool, error)) ([]bool, error) {
	held := make([]bool, len(is))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(batchConcurrency)
	for k, i := range is {
		g.Go(func() (err error) {
			held[k], err = write(ctx, i)
			return err
		})
	}
	return held, g.Wait()
}

// errStillClaimed is an addition that kept finding its number claimed
// by another writer whose association is not there yet.
var errStillClaimed = errors.New("numbers claimed by another job still being written")
