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
	"github.com/parcelgate/parcelgate/internal/tracker"
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

// markers lists the tracker's marker items of a request (SK IDX#...), by
// their index key.
func markers(t *testing.T, s *Adapters, id string) []string {
	t.Helper()
	out, err := s.Table.Client.Query(context.Background(), &dynamodb.QueryInput{
		TableName:              &s.Table.Name,
		KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :idx)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(requestPK(id)), ":idx": str("IDX#TS#"),
		},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range out.Items {
		got = append(got, getS(it, attrSK))
	}
	return got
}

// Starting a message request writes no marker: its queued facets' markers
// answer for it while it is processing, and are moved once, by its
// finish, to its final facets; a facet that stays (Invalid) keeps its
// marker.
func TestAMessageRequestsMarkersMoveOnceWhenItFinishes(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	msgs := []request.Message{
		{ID: "m1", ExternalReference: "ref-1", Type: "TrackingEvent", Payload: `{"n":1}`, Status: request.Queued},
		{ID: "m2", Type: "Shipment", Status: request.Invalid, Errors: []string{"bad"}, ProcessedAt: at},
	}
	r := request.Request{ID: "r-moved", Kind: request.KindMessages, ClientID: "acme-moved", BatchReference: "b-moved",
		ReceivedAt: at, ExpiresAt: at.Add(90 * 24 * time.Hour), Summary: request.Summarize(msgs), Facets: request.FacetsOf(msgs)}
	if err := s.Requests.CreateRequest(ctx, r, msgs); err != nil {
		t.Fatal(err)
	}
	received := []string{"IDX#TS#*#Invalid", "IDX#TS#*#Queued", "IDX#TS#Shipment#Invalid", "IDX#TS#TrackingEvent#Queued"}
	if got := markers(t, s, r.ID); !slices.Equal(got, received) {
		t.Fatalf("markers as received %v, want %v", got, received)
	}
	if err := s.Requests.StartRequest(ctx, r, at.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if got := markers(t, s, r.ID); !slices.Equal(got, received) {
		t.Fatalf("markers once started %v, want them as received %v", got, received)
	}
	started, err := s.Requests.Request(ctx, r.ID)
	if err != nil || !slices.Equal(started.Facets, r.Started().Facets) || started.Summary != r.Started().Summary {
		t.Fatalf("started request read as %+v, %v; want the facets and summary of %+v", started, err, r.Started())
	}
	request.SettleAll(msgs, request.Complete, at.Add(time.Minute), "")
	if err := s.Requests.FinishRequest(ctx, started.Finish(msgs, at.Add(time.Minute), "")); err != nil {
		t.Fatal(err)
	}
	final := []string{"IDX#TS#*#Complete", "IDX#TS#*#Invalid", "IDX#TS#Shipment#Invalid", "IDX#TS#TrackingEvent#Complete"}
	if got := markers(t, s, r.ID); !slices.Equal(got, final) {
		t.Fatalf("markers once finished %v, want %v", got, final)
	}
}

// A request an earlier version started has its markers under Processing,
// and its item says so: it is found as processing, and finishing it
// moves those markers, leaving none behind.
func TestARequestStartedByTheEarlierVersionIsFoundAndFinished(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	client := "acme-earlier"
	msgs := []request.Message{{ID: "m1", ExternalReference: "ref-1", Type: "TrackingEvent", Payload: `{"n":1}`, Status: request.Queued}}
	r := request.Request{ID: "r-earlier", Kind: request.KindMessages, ClientID: client, BatchReference: "b-earlier",
		ReceivedAt: at, ExpiresAt: at.Add(90 * 24 * time.Hour), Summary: request.Summarize(msgs), Facets: request.FacetsOf(msgs)}
	if err := s.Requests.CreateRequest(ctx, r, msgs); err != nil {
		t.Fatal(err)
	}
	// Its start as the earlier version wrote it: the item's summary,
	// status and facets, and its markers moved from Queued to Processing.
	if _, err := s.Table.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.Table.Name, Key: item{attrPK: str("REQ#r-earlier"), attrSK: str("REQ")},
		UpdateExpression:         aws.String("SET summary = :sum, facets = :facets, #s = :processing"),
		ExpressionAttributeNames: map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":sum":        &types.AttributeValueMemberM{Value: item{"Cancelled": num(0), "Complete": num(0), "Failed": num(0), "Invalid": num(0), "Processing": num(1), "Queued": num(0), "Total": num(1)}},
			":facets":     &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberM{Value: item{"t": str("TrackingEvent"), "s": str("Processing")}}}},
			":processing": str("Processing"),
		},
	}); err != nil {
		t.Fatal(err)
	}
	var moves []types.WriteRequest
	for _, k := range []string{"TS#*#", "TS#TrackingEvent#"} {
		moves = append(moves,
			types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: item{attrPK: str("REQ#r-earlier"), attrSK: str("IDX#" + k + "Queued")}}},
			types.WriteRequest{PutRequest: &types.PutRequest{Item: item{
				attrPK: str("REQ#r-earlier"), attrSK: str("IDX#" + k + "Processing"),
				attrGSI2PK: str("CLIENT#" + client + "#" + k + "Processing"), attrGSI2SK: str("2026-03-01T12:00:00.000000000Z#r-earlier"),
				"expiresAt": num(at.Add(90 * 24 * time.Hour).Unix()),
			}}})
	}
	if _, err := s.Table.Client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{s.Table.Name: moves}}); err != nil {
		t.Fatal(err)
	}
	svc := tracker.Service{Store: s.Requests, Now: func() time.Time { return at.Add(time.Hour) }}
	for _, st := range []request.MessageStatus{request.Processing, request.Queued} {
		res, err := svc.Search(ctx, client, tracker.Criteria{Types: []string{"TrackingEvent"}, Statuses: []request.MessageStatus{st}, From: at.Add(-time.Hour), Page: 1, Size: 10})
		if want := st == request.Processing; err != nil || (res.Total == 1) != want {
			t.Fatalf("searched as %s: %+v, %v; found: %v", st, res, err, want)
		}
	}
	started, err := s.Requests.Request(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	request.SettleAll(msgs, request.Complete, at.Add(time.Minute), "")
	if err := s.Requests.FinishRequest(ctx, started.Finish(msgs, at.Add(time.Minute), "")); err != nil {
		t.Fatal(err)
	}
	if got, want := markers(t, s, r.ID), []string{"IDX#TS#*#Complete", "IDX#TS#TrackingEvent#Complete"}; !slices.Equal(got, want) {
		t.Fatalf("markers once finished %v, want %v", got, want)
	}
}
