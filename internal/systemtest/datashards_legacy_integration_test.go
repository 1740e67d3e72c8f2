//go:build integration

// Over the emulators only: it writes an earlier version's items straight
// into the test's table.
package systemtest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parcelgate/parcelgate/internal/apitest"
	"github.com/parcelgate/parcelgate/internal/data"
	"github.com/parcelgate/parcelgate/internal/sorttime"
)

// A project stored before the record shards (its project item without a
// count, its customers in one partition DATA#<p>#customer and their delta
// index in DATAX#<p>#customer) keeps working through the API: its records
// are listed in pages, both ways, read one by one, read by srvDateUTC and
// acknowledged, updated and imported over; and every record it has at the
// end is still in that one partition, none in a shard.
func TestRecordsStoredInOnePartitionKeepWorkingThroughTheAPI(t *testing.T) {
	e := apitest.Start(t)
	principal, token := e.Token(t, "acme")
	ctx := context.Background()
	client := dynamodb.NewFromConfig(e.AWS)
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	put := func(it map[string]types.AttributeValue) {
		t.Helper()
		if _, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &e.Config.Table, Item: it}); err != nil {
			t.Fatal(err)
		}
	}
	const p = "legacy-records"
	created := sorttime.Format(e.Clock().Add(-24 * time.Hour))
	put(map[string]types.AttributeValue{"PK": s("PROJECT#" + p), "SK": s("PROJECT"), "projectId": s(p), "clientId": s("acme"), "name": s("Old"), "createdAt": s(created)})
	put(map[string]types.AttributeValue{"PK": s("PROJECT#" + p), "SK": s("MEMBER#" + principal), "GSI1PK": s("PRINCIPAL#" + principal), "GSI1SK": s("PROJECT#" + created + "#" + p),
		"projectId": s(p), "principalId": s(principal), "role": s("admin"), "addedAt": s(created), "clientId": s("acme"), "projectName": s("Old"), "projectCreatedAt": s(created)})
	stamps := map[string]string{}
	var codes []string
	for i := range 30 {
		code := fmt.Sprintf("C%05d", i)
		// Written newest first, so srvDateUTC order is not code order.
		stamp := e.Clock().Add(-time.Hour - time.Duration(i)*time.Second).UTC().Format(data.StampLayout)
		codes, stamps[code] = append(codes, code), stamp
		put(map[string]types.AttributeValue{"PK": s("DATA#" + p + "#customer"), "SK": s(code), "GSI1PK": s("DATAX#" + p + "#customer"), "GSI1SK": s(stamp + "#" + code),
			"code": s(code), "stamp": s(stamp), "srvExport": &types.AttributeValueMemberN{Value: "0"},
			"v": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"name": s("old")}}})
	}
	base := "/v1/data/" + p

	// Pages of 7, in code order, then the other way.
	for _, desc := range []bool{false, true} {
		var got []string
		cursor := ""
		for range 10 {
			body := map[string]any{"limit": 7}
			if desc {
				body["orderBy"] = []map[string]any{{"field": "customer_ID", "direction": "desc"}}
			}
			if cursor != "" {
				body["cursor"] = cursor
			}
			r := e.Call(t, "POST", base+"/customer/query", token, body).Want(t, 200)
			for _, rec := range decodeRecords(t, r) {
				got = append(got, rec["customer_ID"].(string))
			}
			if cursor = r.Header.Get("Next-Cursor"); cursor == "" {
				break
			}
		}
		want := slices.Clone(codes)
		if desc {
			slices.Reverse(want)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("descending %v: listed %v, want %v", desc, got, want)
		}
	}
	if got := decodeRecordBody(t, e.Call(t, "GET", base+"/customer/C00003", token, nil).Want(t, 200)); got["name"] != "old" || got["srvDateUTC"] != stamps["C00003"] {
		t.Fatalf("C00003 reads %v", got)
	}

	// The delta sync reads them by srvDateUTC (the last written first) and
	// takes an acknowledgement.
	delta := deltaQuery(t, e, base, token, "customer")
	if len(delta) != 30 || delta[0]["customer_ID"] != "C00029" || delta[29]["customer_ID"] != "C00000" {
		t.Fatalf("delta of %d: first %v, last %v", len(delta), delta[0], delta[len(delta)-1])
	}
	var out exportOut
	e.Call(t, "POST", base+"/export", token, map[string]any{"entityName": "customer", "srvExport": 1,
		"rows": []map[string]string{{"rowCode": "C00000", "srvDateUTC": stamps["C00000"]}}}).Want(t, 200).JSON(t, &out)
	if out.Entities[0].UpdatedRows != 1 || len(deltaQuery(t, e, base, token, "customer")) != 29 {
		t.Fatalf("acknowledgement %+v", out)
	}

	// An update, then an import over them and 10 new ones.
	e.Call(t, "PUT", base+"/customer/C00001", token, map[string]any{"name": "new"}).Want(t, 200)
	if got := decodeRecordBody(t, e.Call(t, "GET", base+"/customer/C00001", token, nil).Want(t, 200)); got["name"] != "new" {
		t.Fatalf("updated C00001 reads %v", got)
	}
	e.Call(t, "POST", base+"/baseuser", token, map[string]any{"baseuser_ID": "U1", "login": "u1"}).Want(t, 201)
	res := finished(t, e, token, e.Call(t, "POST", base+"/customer/bulk", token, customers(0, 40, "v2", "U1")))
	if res.Status != "COMPLETED" || count(t, res.Result, "addedRow") != 10 || count(t, res.Result, "updatedRow") != 30 {
		t.Fatalf("import: %+v", res)
	}
	all := allCustomers(t, e, base, token)
	if len(all) != 40 || all["C00001"]["name"] != "v2" || all["C00039"]["name"] != "v2" {
		t.Fatalf("after the import: %d customers, C00001 %v", len(all), all["C00001"])
	}

	// Every customer is in the one partition; no shard holds any.
	n, err := client.Query(ctx, &dynamodb.QueryInput{TableName: &e.Config.Table, KeyConditionExpression: aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s("DATA#" + p + "#customer")}, Select: types.SelectCount})
	if err != nil || n.Count != 40 {
		t.Fatalf("DATA#%s#customer holds %v customers, %v", p, n, err)
	}
	for shard := range 4 {
		n, err := client.Query(ctx, &dynamodb.QueryInput{TableName: &e.Config.Table, KeyConditionExpression: aws.String("PK = :pk"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s(fmt.Sprintf("DATA#%s#customer#%d", p, shard))}, Select: types.SelectCount})
		if err != nil || n.Count != 0 {
			t.Fatalf("shard %d holds %v customers, %v", shard, n, err)
		}
	}
}

// A project created now writes its records in 4 shards, each in the
// partition its code's hash gives, and reads them back as one.
func TestRecordsOfAProjectCreatedNowSpreadOverItsShards(t *testing.T) {
	e := apitest.Start(t)
	base, token := dataProject(t, e)
	p := base[len("/v1/data/"):]
	for i := range 20 {
		e.Call(t, "POST", base+"/customer", token, map[string]any{"customer_ID": fmt.Sprintf("C%05d", i), "name": "n"}).Want(t, 201)
	}
	client := dynamodb.NewFromConfig(e.AWS)
	total := 0
	for shard := range 4 {
		n, err := client.Query(context.Background(), &dynamodb.QueryInput{TableName: &e.Config.Table, KeyConditionExpression: aws.String("PK = :pk"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: fmt.Sprintf("DATA#%s#customer#%d", p, shard)}}, Select: types.SelectCount})
		if err != nil || n.Count == 0 {
			t.Fatalf("shard %d holds %v customers, %v", shard, n, err)
		}
		total += int(n.Count)
	}
	if all := allCustomers(t, e, base, token); total != 20 || len(all) != 20 {
		t.Fatalf("%d customers in the shards, %d listed", total, len(all))
	}
	// A cursor names the entity's partition, not one of its shards, and a
	// sort key DynamoDB takes; any other is refused, with nothing read.
	forged := func(pk, sk string) string {
		b, _ := json.Marshal(map[string]string{"PK": pk, "SK": sk})
		return base64.RawURLEncoding.EncodeToString(b)
	}
	for name, cursor := range map[string]string{
		"a shard":             forged("DATA#"+p+"#customer#0", "C00001"),
		"another entity":      forged("DATA#"+p+"#order", "C00001"),
		"a sort key too long": forged("DATA#"+p+"#customer", strings.Repeat("C", 2000)),
		"no sort key":         forged("DATA#"+p+"#customer", ""),
	} {
		if r := e.Call(t, "GET", base+"/customer?cursor="+cursor, token, nil); r.Status != 400 {
			t.Errorf("a cursor of %s: %d", name, r.Status)
		}
	}
	r := e.Call(t, "GET", base+"/customer?cursor="+forged("DATA#"+p+"#customer", "C00017"), token, nil).Want(t, 200)
	if recs := decodeRecords(t, r); len(recs) != 2 || recs[0]["customer_ID"] != "C00018" {
		t.Fatalf("after C00017: %v", recs)
	}
}
