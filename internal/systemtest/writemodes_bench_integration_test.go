//go:build integration

package systemtest

// Emulator-only: a benchmark of the DynamoDB store.

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"golang.org/x/sync/errgroup"

	"github.com/parcelgate/parcelgate/internal/apitest"
)

// BenchmarkWriteModes measures what the write paths are made of, on the
// same table in the same run: items/s of plain BatchWriteItem (25 per
// request), of TransactWriteItems of 10 conditional puts (how ingestion
// claims and moves statuses, and how jobs add associations, on DynamoDB
// Local), and of single conditional PutItems, each at 8 and 16 requests
// in flight after an untimed warm-up round. The conditional modes' share
// of BatchWriteItem bounds what a path that needs them can reach against
// a BatchWriteItem baseline.
//
//	go run ./cmd/parcelgate stack -- go test -tags integration -run '^$' -bench WriteModes -benchtime 1x ./internal/systemtest/
func BenchmarkWriteModes(b *testing.B) {
	e := apitest.Start(b)
	raw := dynamodb.NewFromConfig(e.AWS, localChecksums)
	ctx := context.Background()
	table := aws.String(e.Config.Table)
	const items = 2000
	str := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	// An item the size of an association, in 16 partitions as associations are.
	item := func(tag string, i int) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{
			"PK": str(fmt.Sprintf("BENCH#%s#%02d", tag, i%16)), "SK": str(fmt.Sprintf("TN#%010d", i)),
			"v": str(strings.Repeat("x", 200)),
		}
	}
	notExists := aws.String("attribute_not_exists(PK)")
	modes := []struct {
		name string
		per  int
		do   func(ctx context.Context, tag string, lo, hi int) error
	}{
		{"batch", 25, func(ctx context.Context, tag string, lo, hi int) error {
			var w []types.WriteRequest
			for i := lo; i < hi; i++ {
				w = append(w, types.WriteRequest{PutRequest: &types.PutRequest{Item: item(tag, i)}})
			}
			return batchWrite(ctx, raw, e.Config.Table, w)
		}},
		{"transact10", 10, func(ctx context.Context, tag string, lo, hi int) error {
			var w []types.TransactWriteItem
			for i := lo; i < hi; i++ {
				w = append(w, types.TransactWriteItem{Put: &types.Put{TableName: table, Item: item(tag, i), ConditionExpression: notExists}})
			}
			_, err := raw.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: w})
			return err
		}},
		{"conditional", 1, func(ctx context.Context, tag string, lo, _ int) error {
			_, err := raw.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: item(tag, lo), ConditionExpression: notExists})
			return err
		}},
	}
	rates := map[string]float64{}
	lines := []string{}
	b.ResetTimer()
	for round, writers := range []int{8, 8, 16} {
		for _, m := range modes {
			g, gctx := errgroup.WithContext(ctx)
			g.SetLimit(writers)
			tag := fmt.Sprintf("%s%d", m.name, round)
			start := time.Now()
			for lo := 0; lo < items; lo += m.per {
				g.Go(func() error { return m.do(gctx, tag, lo, min(lo+m.per, items)) })
			}
			if err := g.Wait(); err != nil {
				b.Fatal(err)
			}
			rate := items / time.Since(start).Seconds()
			if round == 0 {
				continue // warm-up
			}
			rates[m.name] = max(rates[m.name], rate)
			lines = append(lines, fmt.Sprintf("%s %d writers %.0f/s", m.name, writers, rate))
		}
	}
	b.StopTimer()
	b.ReportMetric(rates["batch"], "batch-items/s")
	b.ReportMetric(rates["transact10"]/rates["batch"], "transact10/batch")
	b.ReportMetric(rates["conditional"]/rates["batch"], "conditional/batch")
	b.Logf("items/s: %s; load average %s", strings.Join(lines, ", "), loadAverage())
}
