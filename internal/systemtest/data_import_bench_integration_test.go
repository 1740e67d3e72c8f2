//go:build integration

package systemtest

// Emulator-only: a benchmark of the DynamoDB store.

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"golang.org/x/sync/errgroup"

	"github.com/parcelgate/parcelgate/internal/apitest"
	"github.com/parcelgate/parcelgate/internal/data"
	"github.com/parcelgate/parcelgate/internal/dynamo"
)

// noImportQueue drops the import's safety message: the benchmark runs every
// import to its end inline.
type noImportQueue struct{}

func (noImportQueue) EnqueueImportAfter(context.Context, string, time.Duration) error { return nil }

// BenchmarkDataBulkImport10000 measures a 10,000-row bulk import of
// customers, new then all changed, through the data service (planning
// reads, journal, lock, commit, apply), beside a raw BatchWriteItem of
// the same rows in the same run: the ratio is what atomicity costs. It
// reports rows/s and DynamoDB write units per row (as DynamoDB Local
// reports them, else estimated from the item sizes). same-kind-ratio
// compares the import with raw writes of the same kind (sameKind): its
// own transactions and conditional writes sent again, its plain items
// batch-written, each import's right after it.
func BenchmarkDataBulkImport10000(b *testing.B) {
	const rows = 10000
	e := apitest.Start(b)
	base, _ := dataProject(b, e)
	projectID := strings.TrimPrefix(base, "/v1/data/")
	ent, _ := data.DefaultCatalog.Entity("customer")
	var counter apitest.DDBCounter
	var log writeLog
	var same sameKind
	rawClient := dynamodb.NewFromConfig(e.AWS, localChecksums)
	iteration := 0
	store := dynamo.Open(dynamodb.NewFromConfig(e.AWS, localChecksums, counter.Option, log.Option), e.Config.Table, dynamo.Options{})
	svc := e.API.Data
	svc.Store, svc.Imports, svc.ImportQueue = store.Records, store.Imports, noImportQueue{}
	intents := func(name string) []data.Intent {
		body := []byte("[")
		for i := range rows {
			if i > 0 {
				body = append(body, ',')
			}
			body = fmt.Appendf(body, `{"customer_ID":"B%05d","name":%q,"city":"Lyon","CodeCustomer":"41%04d"}`, i, name, i)
		}
		in, err := data.ParseBulk(ent, append(body, ']'))
		if err != nil {
			b.Fatal(err)
		}
		return in
	}
	run := func(name string, wantAdded, wantUpdated int) (float64, float64) {
		in := intents(name)
		counter.Reset()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
		defer cancel()
		log.Take()
		start := time.Now()
		out, err := svc.Bulk(ctx, projectID, ent, in)
		took := time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		if out.Import.Status != data.ImportCompleted || out.Import.Counts.Added != wantAdded || out.Import.Counts.Updated != wantUpdated {
			b.Fatalf("import %s: %+v", name, out.Import)
		}
		perRow := wcu(counter.Total()) / rows
		// One prefix an iteration: the update's conditions find the rows
		// its insert's replay wrote.
		if err := same.replay(ctx, rawClient, e.Config.Table, fmt.Sprintf("RAW%d#", iteration), log.Take(), took, iteration*2+wantUpdated/rows); err != nil {
			b.Fatal(err)
		}
		return rows / took.Seconds(), perRow
	}
	raw := func(name string) (float64, float64) {
		client := dynamodb.NewFromConfig(e.AWS, localChecksums, counter.Option)
		counter.Reset()
		stamp := time.Now().UTC().Format(data.StampLayout)
		start := time.Now()
		g, ctx := errgroup.WithContext(context.Background())
		g.SetLimit(8)
		for first := 0; first < rows; first += 25 {
			g.Go(func() error {
				var writes []types.WriteRequest
				for i := first; i < first+25; i++ {
					code := fmt.Sprintf("B%05d", i)
					writes = append(writes, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{
						"PK": sv("DATA#raw" + projectID + "#customer"), "SK": sv(code), "code": sv(code), "stamp": sv(stamp),
						"srvExport": &types.AttributeValueMemberN{Value: "0"},
						"GSI1PK":    sv("DATAX#raw" + projectID + "#customer"), "GSI1SK": sv(stamp + "#" + code),
						"v": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
							"name": sv(name), "city": sv("Lyon"), "CodeCustomer": sv(fmt.Sprintf("41%04d", i)),
						}},
					}}})
				}
				pending := map[string][]types.WriteRequest{e.Config.Table: writes}
				for len(pending) > 0 {
					out, err := client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
					if err != nil {
						return err
					}
					pending = out.UnprocessedItems
				}
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			b.Fatal(err)
		}
		return rows / time.Since(start).Seconds(), wcu(counter.Total()) / rows
	}
	for b.Loop() {
		rawIns, rawInsWCU := raw("v1")
		apiIns, apiInsWCU := run("v1", rows, 0)
		rawUpd, rawUpdWCU := raw("v2")
		apiUpd, apiUpdWCU := run("v2", 0, rows)
		b.ReportMetric(apiIns, "insert-rows/s")
		b.ReportMetric(rawIns, "raw-insert-rows/s")
		b.ReportMetric(apiIns/rawIns, "insert-ratio")
		b.ReportMetric(apiUpd, "update-rows/s")
		b.ReportMetric(rawUpd, "raw-update-rows/s")
		b.ReportMetric(apiUpd/rawUpd, "update-ratio")
		b.ReportMetric(apiInsWCU, "insert-WCU/row")
		b.ReportMetric(apiUpdWCU, "update-WCU/row")
		b.ReportMetric(rawInsWCU, "raw-WCU/row")
		b.Logf("insert %.0f rows/s (raw %.0f, ratio %.2f), %.2f WCU/row (raw %.2f); update %.0f rows/s (raw %.0f, ratio %.2f), %.2f WCU/row (raw %.2f)",
			apiIns, rawIns, apiIns/rawIns, apiInsWCU, rawInsWCU, apiUpd, rawUpd, apiUpd/rawUpd, apiUpdWCU, rawUpdWCU)
		iteration++
	}
	b.ReportMetric(same.ratio(), "same-kind-ratio")
	b.Logf("inserts and updates against raw writes of the same kind: %s", &same)
}

func sv(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

// wcu is the write units counted: reported by the endpoint when it did,
// else estimated.
func wcu(op apitest.DDBOp) float64 {
	if op.Reported {
		return op.WCU
	}
	return op.EstimatedWCU
}
