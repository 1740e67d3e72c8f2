package dynamo

import (
	"context"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"golang.org/x/sync/errgroup"

	"github.com/parcelgate/parcelgate/internal/sweep"
)

var _ sweep.Store = (*Sweep)(nil)

// sweepDue reads the deadline back from GSI3SK.
func sweepDue(times *storedTimes, sk string) time.Time {
	at, _, _ := strings.Cut(sk, "#")
	return times.at(at)
}

// setSweep is the update clause that (re)indexes work due at due; its
// values are :gsi3pk and :gsi3sk.
func setSweep(values map[string]types.AttributeValue, id string, due time.Time) string {
	pk, sk := sweepKeys(id, due)
	values[":gsi3pk"] = str(pk)
	values[":gsi3sk"] = str(sk)
	return "GSI3PK = :gsi3pk, GSI3SK = :gsi3sk"
}

// removeSweep is the update clause that takes finished work out of the index.
const removeSweep = " REMOVE GSI3PK, GSI3SK"

type dueItem struct {
	// PK is the table's key, which every index holds: a task's names its
	// project.
	PK       string `dynamodbav:"PK"`
	GSI3SK   string `dynamodbav:"GSI3SK"`
	ID       string `dynamodbav:"id"`
	Kind     string `dynamodbav:"kind"`
	Requeues int    `dynamodbav:"requeues"`
}

// Due implements sweep.Store: every shard is queried for deadlines up
// to now, at once.
func (s *Sweep) Due(ctx context.Context, now time.Time, limit int) ([]sweep.Work, error) {
	perShard := make([][]sweep.Work, sweepShards)
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(batchConcurrency)
	for shard := range sweepShards {
		g.Go(func() error {
			p := dynamodb.NewQueryPaginator(s.Client, &dynamodb.QueryInput{
				TableName: &s.Name,
				IndexName: aws.String(indexGSI3),
				// "$" sorts right after "#": the bound takes deadlines up
				// to and including now.
				KeyConditionExpression: aws.String("GSI3PK = :pk AND GSI3SK < :bound"),
				ExpressionAttributeValues: map[string]types.AttributeValue{
					":pk":    str(sweepGSI3PK(shard)),
					":bound": str(formatTime(now) + "$"),
				},
				Limit: aws.Int32(int32(min(limit, 1000))),
			})
			for p.HasMorePages() && len(perShard[shard]) < limit {
				pg, err := p.NextPage(ctx)
				if err != nil {
					return err
				}
				for _, raw := range pg.Items {
					var it dueItem
					if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
						return err
					}
					times := timesOf(it.PK, getS(raw, attrSK))
					w := sweep.Work{Kind: it.Kind, ID: it.ID, Due: sweepDue(times, it.GSI3SK), Requeues: it.Requeues}
					if times.err != nil {
						return times.err
					}
					if it.Kind == sweep.KindTask {
						w.ProjectID = tasksProject(it.PK)
					}
					perShard[shard] = append(perShard[shard], w)
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var out []sweep.Work
	for _, ws := range perShard {
		out = append(out, ws...)
	}
	return out[:min(len(out), limit)], nil
}

// ClaimRequeue implements sweep.Store.
func (s *Sweep) ClaimRequeue(ctx context.Context, w sweep.Work, next time.Time) error {
	return s.claimRequeue(ctx, w, next)
}

// ClaimRequeue implements job.Store.
func (s *Jobs) ClaimRequeue(ctx context.Context, w sweep.Work, next time.Time) error {
	return s.claimRequeue(ctx, w, next)
}

// claimRequeue counts one more send of w and moves its deadline to next,
// unless another sweep did so first.
func (s *Table) claimRequeue(ctx context.Context, w sweep.Work, next time.Time) error {
	values := map[string]types.AttributeValue{
		":due":  str(sweepGSI3SK(w.Due, w.ID)),
		":zero": &types.AttributeValueMemberN{Value: "0"},
		":one":  &types.AttributeValueMemberN{Value: "1"},
	}
	update := "SET " + setSweep(values, w.ID, next) + ", requeues = if_not_exists(requeues, :zero) + :one"
	key := requestKey(w.ID)
	switch w.Kind {
	case sweep.KindImport:
		key = importKey(w.ID)
	case sweep.KindTask:
		key = taskKey(w.ProjectID, w.ID)
	}
	_, err := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.Name,
		Key:                       key,
		UpdateExpression:          &update,
		ConditionExpression:       aws.String("GSI3SK = :due"),
		ExpressionAttributeValues: values,
	})
	if isConditionFailed(err) {
		return sweep.ErrMoved
	}
	return err
}
