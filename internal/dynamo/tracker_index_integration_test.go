//go:build integration

package dynamo

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parcelgate/parcelgate/internal/request"
)

// A message request is in its client's GSI2 partition through its marker,
// written once: its item, updated as it is processed, carries no index
// key, so starting and finishing it write nothing there. A request stored
// before the marker (the key on its item) is found beside it.
func TestAMessageRequestIsInItsClientsPartitionThroughItsMarker(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	client := "acme-marker"
	legacy := item{
		attrPK: str(requestPK("r-legacy")), attrSK: str(skRequest), attrGSI2PK: str(clientGSI2PK(client, "")), attrGSI2SK: str(requestGSI2SK(at, "r-legacy")),
		"batchReference": str("b-legacy"), "clientId": str(client), "expiresAt": num(at.Add(90 * 24 * time.Hour).Unix()),
		"facets": &types.AttributeValueMemberL{Value: []types.AttributeValue{}}, "id": str("r-legacy"), "kind": str("messages"),
		"receivedAt": str(formatTime(at)), "status": str("Queued"),
		"summary": &types.AttributeValueMemberM{Value: item{"Cancelled": num(0), "Complete": num(0), "Failed": num(0), "Invalid": num(0), "Processing": num(0), "Queued": num(1), "Total": num(1)}},
	}
	if _, err := s.Table.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table.Name, Item: legacy}); err != nil {
		t.Fatal(err)
	}
	msgs := []request.Message{{ID: "m1", ExternalReference: "ref-1", Type: "TrackingEvent", Payload: `{"n":1}`, Status: request.Queued}}
	r := request.Request{ID: "r-new", Kind: request.KindMessages, ClientID: client, BatchReference: "b-new",
		ReceivedAt: at.Add(time.Minute), ExpiresAt: at.Add(90 * 24 * time.Hour), Summary: request.Summarize(msgs), Facets: request.FacetsOf(msgs)}
	if err := s.Requests.CreateRequest(ctx, r, msgs); err != nil {
		t.Fatal(err)
	}
	var raw requestItem
	if found, err := s.Table.get(ctx, requestPK(r.ID), skRequest, &raw); err != nil || !found {
		t.Fatalf("request item: %v, %v", found, err)
	}
	if raw.GSI2PK != "" || raw.GSI2SK != "" {
		t.Fatalf("the request item carries the index key %q %q: each update would write the client's partition", raw.GSI2PK, raw.GSI2SK)
	}
	entries := func() []string {
		t.Helper()
		out, err := s.Table.Client.Query(ctx, &dynamodb.QueryInput{
			TableName: &s.Table.Name, IndexName: aws.String(indexGSI2),
			KeyConditionExpression:    aws.String("GSI2PK = :pk"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(clientGSI2PK(client, ""))},
		})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, it := range out.Items {
			got = append(got, getS(it, attrPK)+" "+getS(it, attrSK))
		}
		return got
	}
	want := []string{"REQ#r-legacy REQ", "REQ#r-new IDX#"}
	if got := entries(); !slices.Equal(got, want) {
		t.Fatalf("client's partition %v, want %v", got, want)
	}
	if err := s.Requests.StartRequest(ctx, r, at.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	started := r.Started()
	request.SettleAll(msgs, request.Complete, at.Add(time.Hour), "")
	if err := s.Requests.FinishRequest(ctx, started.Finish(msgs, at.Add(time.Hour), "")); err != nil {
		t.Fatal(err)
	}
	if got := entries(); !slices.Equal(got, want) {
		t.Fatalf("client's partition after start and finish %v, want %v", got, want)
	}
	found, err := s.Requests.Lookup(ctx, client, request.Key{}, time.Time{}, time.Time{}, 10)
	if err != nil || len(found) != 2 || found[0].ID != "r-new" || found[1].ID != "r-legacy" || !found[1].ReceivedAt.Equal(at) {
		t.Fatalf("Lookup: %+v, %v; want r-new then r-legacy", found, err)
	}
	reqs, err := s.Requests.Requests(ctx, []string{found[0].ID, found[1].ID})
	if err != nil || len(reqs) != 2 {
		t.Fatalf("Requests: %+v, %v", reqs, err)
	}
}
