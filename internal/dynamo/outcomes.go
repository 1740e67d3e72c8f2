package dynamo

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"golang.org/x/sync/errgroup"

	"github.com/parcelgate/parcelgate/internal/edd"
)

var _ edd.OutcomeStore = (*Outcomes)(nil)

// outcomeCountedTTL outlasts any redelivery of a number.
const outcomeCountedTTL = 180 * 24 * time.Hour

// Figure attributes; the transit histogram's buckets are b<i>, one for
// each bucket that counted a parcel.
var outcomeAttrs = []string{"n", "est", "otl", "otx", "fa", "ex", "st"}

func outcomeFields(f *edd.Figures) []*int64 {
	return []*int64{&f.Delivered, &f.Estimated, &f.OnTimeLikely, &f.OnTimeLatest, &f.FirstAttempt, &f.Exceptions, &f.Stalled}
}

// RecordOutcome implements edd.OutcomeStore.
func (s *Outcomes) RecordOutcome(ctx context.Context, projectID string, o edd.Outcome) (bool, error) {
	pk := outcomePK(projectID, outcomeShard(o.TrackingNumber))
	actions := []types.TransactWriteItem{{Put: &types.Put{
		TableName:           aws.String(s.Name),
		Item:                item{attrPK: str(pk), attrSK: str(outcomeCountedSK(o.TrackingNumber)), "expiresAt": num(time.Now().Add(outcomeCountedTTL).Unix())},
		ConditionExpression: aws.String("attribute_not_exists(PK)"),
	}}}
	f := o.Figures
	names, values := map[string]string{}, item{}
	var adds []string
	add := func(attr string, n int64) {
		if n == 0 {
			return
		}
		k := strconv.Itoa(len(adds))
		names["#a"+k], values[":v"+k] = attr, num(n)
		adds = append(adds, "#a"+k+" :v"+k)
	}
	for i, p := range outcomeFields(&f) {
		add(outcomeAttrs[i], *p)
	}
	for b, n := range f.Transit {
		add("b"+strconv.Itoa(b), n)
	}
	if len(adds) == 0 {
		return false, fmt.Errorf("outcome of %s counts nothing", o.TrackingNumber)
	}
	for _, g := range o.Groups {
		actions = append(actions, types.TransactWriteItem{Update: &types.Update{
			TableName:                 aws.String(s.Name),
			Key:                       item{attrPK: str(pk), attrSK: str(outcomeWeekSK(o.Week, g))},
			UpdateExpression:          aws.String("ADD " + strings.Join(adds, ", ")),
			ExpressionAttributeNames:  names,
			ExpressionAttributeValues: values,
		}})
	}
	return s.countOnce(ctx, actions, "record outcome", o.TrackingNumber)
}

// Outcomes implements edd.OutcomeStore: per shard, one Query of the
// range of weeks asked for (their keys sort by week), paged by size, so a
// year costs outcomeShards Queries reading the project's groups of each
// week.
func (s *Outcomes) Outcomes(ctx context.Context, projectID string, weeks []string) (map[string]map[string]edd.Figures, error) {
	out := map[string]map[string]edd.Figures{}
	if len(weeks) == 0 {
		return out, nil
	}
	asked := map[string]bool{}
	for _, w := range weeks {
		asked[w] = true
	}
	first, last := slices.Min(weeks), slices.Max(weeks)
	found := make([][]item, outcomeShards)
	g, gctx := errgroup.WithContext(ctx)
	for shard := range outcomeShards {
		g.Go(func() error {
			p := dynamodb.NewQueryPaginator(s.Client, &dynamodb.QueryInput{
				TableName: &s.Name,
				// "$" sorts after "#": the bound takes every group of the
				// last week.
				KeyConditionExpression: aws.String("PK = :pk AND SK BETWEEN :first AND :last"),
				ExpressionAttributeValues: item{
					":pk":    str(outcomePK(projectID, shard)),
					":first": str(outcomeWeekSK(first, "")),
					":last":  str(outcomeWeekEnd(last)),
				},
			})
			for p.HasMorePages() {
				pg, err := p.NextPage(gctx)
				if err != nil {
					return err
				}
				found[shard] = append(found[shard], pg.Items...)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for _, its := range found {
		for _, it := range its {
			week, group := parseOutcomeWeekSK(getS(it, attrSK))
			if !asked[week] {
				continue
			}
			if out[week] == nil {
				out[week] = map[string]edd.Figures{}
			}
			sum := out[week][group]
			sum.Merge(decodeFigures(it))
			out[week][group] = sum
		}
	}
	return out, nil
}

func decodeFigures(it item) edd.Figures {
	var f edd.Figures
	for i, p := range outcomeFields(&f) {
		*p = getN(it, outcomeAttrs[i])
	}
	for name := range it {
		if b, err := strconv.Atoi(strings.TrimPrefix(name, "b")); err == nil && strings.HasPrefix(name, "b") && b >= 0 && b < edd.NumBuckets {
			f.Transit[b] = getN(it, name)
		}
	}
	return f
}
