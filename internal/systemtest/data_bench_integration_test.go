//go:build integration

package systemtest

// Emulator-only: a benchmark of the DynamoDB store.

// Benchmarks of the data exchange (weavy-compatible) against the local stack:
//
//	go run ./cmd/parcelgate stack -- go test -tags integration -run '^$' -bench 'Data' -benchtime 1x ./internal/systemtest/
//
// They measure and do not judge: each fails on a wrong result only. Each
// compares the API with the bare DynamoDB work underneath, measured in the
// same run, so the ratios hold where the absolute figures do not.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"golang.org/x/sync/errgroup"

	"github.com/parcelgate/parcelgate/internal/apitest"
	"github.com/parcelgate/parcelgate/internal/data"
	"github.com/parcelgate/parcelgate/internal/dynamo"
)

// dataBenchRounds calls of each kind are timed; the median is reported.
const dataBenchRounds = 15

func median(ds []time.Duration) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	return float64(s[len(s)/2]) / float64(time.Millisecond)
}

// seedRecords stores n records of entity in the project: the first
// unexported ones with srvExport = 0 (as any write leaves them), the rest
// already exported.
func seedRecords(b *testing.B, e *apitest.Env, projectID string, ent *data.Entity, prefix string, n, unexported int) {
	b.Helper()
	g, ctx := errgroup.WithContext(context.Background())
	g.SetLimit(16)
	now := time.Now()
	for i := range n {
		g.Go(func() error {
			rec := data.Record{Entity: ent.Name, Code: fmt.Sprintf("%s%07d", prefix, i),
				Values:     map[string]any{"name": fmt.Sprintf("report %d", i), "description": strings.Repeat("d", 200)},
				SrvDateUTC: data.NextStamp(now.Add(time.Duration(i)*time.Microsecond), time.Time{})}
			if i >= unexported {
				rec.SrvExport = 1
			}
			return e.API.Data.Store.SaveRecord(ctx, projectID, ent, nil, rec)
		})
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkDataRetrieval1000 reads a page of 1,000 records through the
// API (GET ?limit=1000: authorization, Query, encoding, HTTP) and with the
// raw Queries it needs (one per shard of the entity, concurrently, each
// asking for its share of the page).
func BenchmarkDataRetrieval1000(b *testing.B) {
	e := apitest.Start(b)
	base, token := dataProject(b, e)
	projectID := strings.TrimPrefix(base, "/v1/data/")
	ent, _ := data.DefaultCatalog.Entity("confreport")
	seedRecords(b, e, projectID, ent, "R", 1000, 0)
	raw := dynamodb.NewFromConfig(e.AWS, localChecksums)
	var api, bare []time.Duration
	for range dataBenchRounds {
		// A plain client: the tests' client checks every answer against
		// the OpenAPI document, which would dominate the time.
		req, _ := http.NewRequest(http.MethodGet, e.URL+base+"/confreport?limit=1000", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		api = append(api, time.Since(start))
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("status %d, %v", resp.StatusCode, err)
		}
		var recs []dataRecord
		if err := json.Unmarshal(body, &recs); err != nil || len(recs) != 1000 || resp.Header.Get("Next-Cursor") != "" {
			b.Fatalf("%d records (%v), cursor %q", len(recs), err, resp.Header.Get("Next-Cursor"))
		}
		start = time.Now()
		shards := dynamo.RecordPartitions(projectID, "confreport")
		counts := make([]int, len(shards))
		g, ctx := errgroup.WithContext(context.Background())
		for i, pk := range shards {
			g.Go(func() error {
				out, err := raw.Query(ctx, &dynamodb.QueryInput{
					TableName: aws.String(e.Config.Table), KeyConditionExpression: aws.String("PK = :pk"), ConsistentRead: aws.Bool(true), Limit: aws.Int32(int32(1001/len(shards) + 1)),
					ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: pk}},
				})
				if err == nil {
					counts[i] = len(out.Items)
				}
				return err
			})
		}
		err = g.Wait()
		bare = append(bare, time.Since(start))
		if err != nil || counts[0] == 0 {
			b.Fatalf("raw queries: %v items, %v", counts, err)
		}
	}
	b.ReportMetric(median(api), "api-ms")
	b.ReportMetric(median(bare), "raw-query-ms")
	b.ReportMetric(median(api)/median(bare), "ratio")
}

// BenchmarkDataDeltaSync reads the 100 unexported records of an entity of
// 1,000 records and of the same entity, in another project, of 100,000:
// the delta index makes both cost the same (ratio ~1), in read units and
// in time.
func BenchmarkDataDeltaSync(b *testing.B) {
	e := apitest.Start(b)
	smallBase, token := dataProject(b, e)
	var big projectOut
	e.Call(b, "POST", "/v1/projects", token, map[string]string{"name": "erp-big"}).Want(b, 201).JSON(b, &big)
	bigBase := "/v1/data/" + big.ProjectID
	ent, _ := data.DefaultCatalog.Entity("confreport")
	const unexported = 100
	seedRecords(b, e, strings.TrimPrefix(smallBase, "/v1/data/"), ent, "R", 1_000, unexported)
	seedRecords(b, e, big.ProjectID, ent, "R", unexported, unexported)
	seedExported(b, e, big.ProjectID, unexported, 100_000)
	if recs := decodeRecords(b, e.Call(b, http.MethodGet, bigBase+"/confreport?limit=1000&cursor=", token, nil).Want(b, 200)); len(recs) != 1000 {
		b.Fatalf("the big entity reads back %d records", len(recs))
	}
	var counter apitest.DDBCounter
	counted := e.API.Data
	counted.Store = dynamo.Open(dynamodb.NewFromConfig(e.AWS, localChecksums, counter.Option), e.Config.Table, dynamo.Options{}).Records
	q := data.Query{Limit: data.MaxLimit}
	var err error
	if q.Filter, err = data.ParseFilter(ent, []byte(`{"field": "srvExport", "op": "eq", "value": 0}`)); err != nil {
		b.Fatal(err)
	}
	measure := func(base string) (ms, rcu float64) {
		var lat []time.Duration
		for range dataBenchRounds {
			start := time.Now()
			r := e.Call(b, http.MethodPost, base+"/confreport/query", token, map[string]any{
				"filter": map[string]any{"field": "srvExport", "op": "eq", "value": 0}}).Want(b, 200)
			lat = append(lat, time.Since(start))
			if recs := decodeRecords(b, r); len(recs) != unexported {
				b.Fatalf("%s: %d records in the delta, want %d", base, len(recs), unexported)
			}
		}
		counter.Reset()
		recs, _, err := counted.Find(context.Background(), strings.TrimPrefix(base, "/v1/data/"), ent, q)
		if err != nil || len(recs) != unexported {
			b.Fatalf("%s: %d records, %v", base, len(recs), err)
		}
		total := counter.Total()
		b.Logf("%s delta read: %d calls, RCU %.1f (reported %v)", base, total.Calls, total.RCU, total.Reported)
		return median(lat), total.RCU
	}
	smallMS, smallRCU := measure(smallBase)
	bigMS, bigRCU := measure(bigBase)
	b.ReportMetric(smallMS, "1k-ms")
	b.ReportMetric(bigMS, "100k-ms")
	b.ReportMetric(bigMS/smallMS, "time-ratio")
	if smallRCU > 0 {
		b.ReportMetric(smallRCU, "1k-RCU")
		b.ReportMetric(bigRCU, "100k-RCU")
		b.ReportMetric(bigRCU/smallRCU, "RCU-ratio")
	}
}

// seedExported writes exported confreport records from..to-1 with
// BatchWriteItem: the items the store's SaveRecord writes for them, taken
// from the store (captureWrites). 100,000 records one PutItem at a time
// would take minutes of the shared machine.
func seedExported(b *testing.B, e *apitest.Env, projectID string, from, to int) {
	b.Helper()
	raw := dynamodb.NewFromConfig(e.AWS, localChecksums)
	capture := captureWrites(b, e.AWS, e.Config.Table)
	ent, _ := data.DefaultCatalog.Entity("confreport")
	stamp := data.NextStamp(time.Now(), time.Time{})
	for i := from; i < to; i++ {
		rec := data.Record{Entity: ent.Name, Code: fmt.Sprintf("R%07d", i), SrvDateUTC: stamp, SrvExport: 1,
			Values: map[string]any{"name": fmt.Sprintf("report %d", i), "description": strings.Repeat("d", 200)}}
		if err := capture.Store.Records.SaveRecord(context.Background(), projectID, ent, nil, rec); err != nil {
			b.Fatal(err)
		}
	}
	writes := capture.Puts()
	if len(writes) != to-from {
		b.Fatalf("the store wrote %d items for %d records", len(writes), to-from)
	}
	g, ctx := errgroup.WithContext(context.Background())
	g.SetLimit(8)
	for lo := 0; lo < len(writes); lo += 25 {
		g.Go(func() error {
			pending := writes[lo:min(lo+25, len(writes))]
			for len(pending) > 0 {
				out, err := raw.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{e.Config.Table: pending}})
				if err != nil {
					return err
				}
				pending = out.UnprocessedItems[e.Config.Table]
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkDataExportValidation1000 validates the export of 1,000 rows in
// one call, against 1,000 raw conditional UpdateItems at the same
// concurrency.
func BenchmarkDataExportValidation1000(b *testing.B) {
	e := apitest.Start(b)
	base, token := dataProject(b, e)
	projectID := strings.TrimPrefix(base, "/v1/data/")
	ent, _ := data.DefaultCatalog.Entity("confreport")
	seedRecords(b, e, projectID, ent, "R", 1000, 1000)
	recs, _, err := e.API.Data.Find(context.Background(), projectID, ent, data.Query{Limit: 1000})
	if err != nil || len(recs) != 1000 {
		b.Fatalf("%d records, %v", len(recs), err)
	}
	rows := make([]map[string]string, len(recs))
	for i, r := range recs {
		rows[i] = map[string]string{"rowCode": r.Code, "srvDateUTC": r.SrvDateUTC.Format(data.StampLayout)}
	}
	start := time.Now()
	var out exportOut
	e.Call(b, http.MethodPost, base+"/export", token, map[string]any{"entityName": "confreport", "srvExport": 1, "rows": rows}).Want(b, 200).JSON(b, &out)
	api := time.Since(start)
	if out.Entities[0].UpdatedRows != 1000 {
		b.Fatalf("export %+v", out.Entities[0].UpdatedRows)
	}
	raw := dynamodb.NewFromConfig(e.AWS, localChecksums)
	g, ctx := errgroup.WithContext(context.Background())
	g.SetLimit(16)
	start = time.Now()
	for _, r := range rows {
		g.Go(func() error {
			_, err := raw.UpdateItem(ctx, &dynamodb.UpdateItemInput{
				TableName: aws.String(e.Config.Table),
				Key: map[string]types.AttributeValue{
					"PK": &types.AttributeValueMemberS{Value: dynamo.RecordPartition(projectID, "confreport", r["rowCode"])}, "SK": &types.AttributeValueMemberS{Value: r["rowCode"]}},
				UpdateExpression:    aws.String("SET srvExport = :v REMOVE GSI1PK, GSI1SK"),
				ConditionExpression: aws.String("stamp = :s"),
				ExpressionAttributeValues: map[string]types.AttributeValue{
					":v": &types.AttributeValueMemberN{Value: "2"}, ":s": &types.AttributeValueMemberS{Value: r["srvDateUTC"]}},
			})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
	bare := time.Since(start)
	b.ReportMetric(float64(api)/float64(time.Millisecond), "api-ms")
	b.ReportMetric(float64(bare)/float64(time.Millisecond), "raw-updates-ms")
	b.ReportMetric(float64(api)/float64(bare), "ratio")
}
