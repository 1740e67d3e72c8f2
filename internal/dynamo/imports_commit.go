package dynamo

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parcelgate/parcelgate/internal/data"
)

// Records implements data.ImportStore.
func (s *Imports) Records(ctx context.Context, projectID string, e *data.Entity, codes []string) (map[string]data.Record, error) {
	n, err := s.recordShardsOf(ctx, projectID)
	if err != nil {
		return nil, err
	}
	keys := make([]item, len(codes))
	for i, c := range codes {
		keys[i] = recordKey(n, projectID, e.Name, c)
	}
	raw, err := s.batchGet(ctx, keys)
	if err != nil {
		return nil, err
	}
	items, err := s.committedVersions(ctx, raw)
	if err != nil {
		return nil, err
	}
	out := make(map[string]data.Record, len(items))
	for _, it := range items {
		if it == nil {
			continue
		}
		r, err := decodeRecord(e, it)
		if err != nil {
			return nil, err
		}
		out[r.Code] = r
	}
	return out, nil
}

// Referrers implements data.ImportStore: the reference items of the record.
func (s *Imports) Referrers(ctx context.Context, projectID string, e *data.Entity, code string) ([]data.Reference, error) {
	p := dynamodb.NewQueryPaginator(s.Client, &dynamodb.QueryInput{
		TableName: &s.Name, KeyConditionExpression: aws.String("PK = :pk"), ConsistentRead: aws.Bool(true),
		ExpressionAttributeValues: item{":pk": str(dataRefPK(projectID, e.Name, code))},
	})
	var out []data.Reference
	for p.HasMorePages() {
		pg, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, it := range pg.Items {
			out = append(out, data.Reference{Entity: getS(it, "entity"), Field: getS(it, "field"), Code: getS(it, "code")})
		}
	}
	return out, nil
}

// CommitPlan implements data.ImportStore: the plan as one transaction,
// each record written on the condition that its stored version is the
// one planned and no import holds it, each check a condition that its
// record is live, and the licences of the active accounts it removes
// given back.
func (s *Imports) CommitPlan(ctx context.Context, p data.Plan) error {
	var actions []types.TransactWriteItem
	// at[i] is the change (>= 0) or check (< 0, as -1-index) of action i.
	at := map[int]int{}
	keys := map[string]bool{}
	now := num(time.Now().Unix())
	n, err := s.recordShardsOf(ctx, p.ProjectID)
	if err != nil {
		return err
	}
	for i, c := range p.Changes {
		it, err := recordItem(n, p.ProjectID, c.Entity, c.New)
		if err != nil {
			return err
		}
		put := &types.Put{TableName: &s.Name, Item: it, ConditionExpression: aws.String("attribute_not_exists(PK)")}
		if c.Old != nil {
			put.ConditionExpression = aws.String("stamp = :stamp AND " + unlocked + " AND (attribute_not_exists(lockUntil) OR lockUntil < :now)")
			put.ExpressionAttributeValues = item{":stamp": str(c.Old.SrvDateUTC.UTC().Format(data.StampLayout)), ":now": now}
		}
		at[len(actions)] = i
		actions = append(actions, types.TransactWriteItem{Put: put})
		side, _, err := s.refActions(ctx, p.ProjectID, c.Entity, c.Old, c.New, false)
		if err != nil {
			return err
		}
		actions = append(actions, side...)
	}
	for i, ck := range p.Checks {
		at[len(actions)] = -1 - i
		actions = append(actions, types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
			TableName: &s.Name, Key: recordKey(n, p.ProjectID, ck.Entity.Name, ck.Code),
			ConditionExpression: aws.String(liveRecord), ExpressionAttributeValues: item{":now": now},
		}})
	}
	freed, err := licencesFreed(p)
	if err != nil {
		return err
	}
	if freed > 0 {
		actions = append(actions, s.releaseLicences(p.ProjectID, freed))
	}
	if len(actions) > s.transactItems() {
		return data.ErrTooLarge
	}
	for _, a := range actions {
		k := writeKey(a)
		if keys[k] {
			// One transaction cannot touch an item twice.
			return data.ErrTooLarge
		}
		keys[k] = true
	}
	cancelled := func(reasons []types.CancellationReason) error {
		for i := range reasons {
			if !failed(reasons, i) {
				continue
			}
			j, ok := at[i]
			if !ok {
				continue
			}
			if j < 0 {
				return data.MissingReference(p.Checks[-1-j])
			}
			c := p.Changes[j]
			err := s.whyRefused(ctx, recordKey(n, p.ProjectID, c.Entity.Name, c.New.Code), versionStamp(c.Old))
			if errors.Is(err, data.ErrChanged) {
				return data.ChangedRow(c.Row)
			}
			return err
		}
		return nil
	}
	return writeAgain(func() error { return s.transact(ctx, actions, cancelled) })
}
