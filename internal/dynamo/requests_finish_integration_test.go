//go:build integration

package dynamo

// A message request's finish is two writes: its item records the end,
// then its facet markers move (FinishRequest). These tests kill the
// writer between the two and check that CompleteFinish, which the
// request's next delivery calls, completes the move, once.

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parcelgate/parcelgate/internal/request"
	"github.com/parcelgate/parcelgate/internal/tracker"
)

// markerMove matches a batch write putting facet markers: a finish's
// move, once the request is created.
func markerMove(p any) bool {
	in, ok := p.(*dynamodb.BatchWriteItemInput)
	if !ok {
		return false
	}
	for _, ws := range in.RequestItems {
		for _, w := range ws {
			if w.PutRequest != nil && strings.HasPrefix(getS(w.PutRequest.Item, attrSK), skIndex+facetKeyPrefix) {
				return true
			}
		}
	}
	return false
}

// anyBatchWrite matches every batch write.
func anyBatchWrite(p any) bool {
	_, ok := p.(*dynamodb.BatchWriteItemInput)
	return ok
}

// startAsEarlierVersion stores r's start as versions before the markers
// stayed put wrote it: the started summary, status and facets on the
// item, and the markers moved from Queued to Processing.
func startAsEarlierVersion(t *testing.T, s *Adapters, r request.Request) {
	t.Helper()
	ctx := context.Background()
	started := r.Started()
	sum, err := attributevalue.Marshal(newSummaryAttr(started.Summary))
	if err != nil {
		t.Fatal(err)
	}
	facets, err := attributevalue.Marshal(facetAttrs(started.Facets))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Table.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.Table.Name, Key: requestKey(r.ID),
		UpdateExpression:          aws.String("SET summary = :sum, facets = :facets, #s = :processing"),
		ExpressionAttributeNames:  map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":sum": sum, ":facets": facets, ":processing": str(string(request.Processing))},
	}); err != nil {
		t.Fatal(err)
	}
	queued, processing := facetKeys(r.Facets), facetKeys(started.Facets)
	if err := s.Table.batchWrite(ctx, markerWrites(r.ID, r.ClientID, r.ReceivedAt, r.ExpiresAt.Unix(), without(processing, queued), without(queued, processing))); err != nil {
		t.Fatal(err)
	}
}

// A finish stopped after its item's update leaves the request finished
// with the markers it was started with: a search by its final status
// misses it. CompleteFinish moves them, and called again it writes
// nothing. Requests started by earlier versions (markers under
// Processing) are completed alike.
func TestAFinishStoppedBeforeItsMarkersMovedIsCompletedOnce(t *testing.T) {
	for _, c := range []struct {
		name    string
		start   func(t *testing.T, s *Adapters, r request.Request)
		started []string // the markers once started
	}{
		{"started by this version", func(t *testing.T, s *Adapters, r request.Request) {
			if err := s.Requests.StartRequest(context.Background(), r, r.ReceivedAt.Add(time.Second)); err != nil {
				t.Fatal(err)
			}
		}, []string{"IDX#TS#*#Invalid", "IDX#TS#*#Queued", "IDX#TS#Shipment#Invalid", "IDX#TS#TrackingEvent#Queued"}},
		{"started by an earlier version", startAsEarlierVersion,
			[]string{"IDX#TS#*#Invalid", "IDX#TS#*#Processing", "IDX#TS#Shipment#Invalid", "IDX#TS#TrackingEvent#Processing"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			move, write := &killer{match: markerMove}, &killer{match: anyBatchWrite}
			s := newStore(t, move.install, write.install)
			at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
			client := "acme-stopped"
			msgs := []request.Message{
				{ID: "m1", ExternalReference: "ref-1", Type: "TrackingEvent", Payload: `{"n":1}`, Status: request.Queued},
				{ID: "m2", Type: "Shipment", Status: request.Invalid, Errors: []string{"bad"}, ProcessedAt: at},
			}
			r := request.Request{ID: "r-stopped", Kind: request.KindMessages, ClientID: client, BatchReference: "b-stopped",
				ReceivedAt: at, ExpiresAt: at.Add(90 * 24 * time.Hour), Summary: request.Summarize(msgs), Facets: request.FacetsOf(msgs)}
			if err := s.Requests.CreateRequest(ctx, r, msgs); err != nil {
				t.Fatal(err)
			}
			c.start(t, s, r)
			svc := tracker.Service{Store: s.Requests, Now: func() time.Time { return at.Add(time.Hour) }}
			found := func(st request.MessageStatus) int {
				t.Helper()
				res, err := svc.Search(ctx, client, tracker.Criteria{Statuses: []request.MessageStatus{st}, From: at.Add(-time.Hour), Page: 1, Size: 10})
				if err != nil {
					t.Fatal(err)
				}
				return res.Total
			}

			request.SettleAll(msgs, request.Complete, at.Add(time.Minute), "")
			if err := s.Requests.SaveOutcomes(ctx, r, msgs); err != nil {
				t.Fatal(err)
			}
			move.crashes.Store(1)
			if err := s.Requests.FinishRequest(ctx, read(t, s, r.ID).Finish(msgs, at.Add(time.Minute), "")); !errors.Is(err, errCrash) {
				t.Fatalf("FinishRequest: %v, want it stopped before the move", err)
			}
			stopped := read(t, s, r.ID)
			if !stopped.Finished() {
				t.Fatalf("request after the update %+v, want it finished", stopped)
			}
			if got := markers(t, s, r.ID); !slices.Equal(got, c.started) {
				t.Fatalf("markers once stopped %v, want them as started %v", got, c.started)
			}
			if n := found(request.Complete); n != 0 {
				t.Fatalf("stopped: found as Complete %d times, want the move still missing", n)
			}

			final := []string{"IDX#TS#*#Complete", "IDX#TS#*#Invalid", "IDX#TS#Shipment#Invalid", "IDX#TS#TrackingEvent#Complete"}
			if err := s.Requests.CompleteFinish(ctx, stopped); err != nil {
				t.Fatal(err)
			}
			write.crashes.Store(1) // armed: a write of the next call would fail it
			if err := s.Requests.CompleteFinish(ctx, read(t, s, r.ID)); err != nil {
				t.Fatalf("completed again: %v, want no write", err)
			}
			if got := markers(t, s, r.ID); !slices.Equal(got, final) {
				t.Fatalf("markers once completed %v, want %v", got, final)
			}
			for st, want := range map[request.MessageStatus]int{request.Queued: 0, request.Processing: 0, request.Invalid: 1, request.Complete: 1} {
				if n := found(st); n != want {
					t.Errorf("completed: found as %s %d times, want %d", st, n, want)
				}
			}
		})
	}
}

// read is the request as stored.
func read(t *testing.T, s *Adapters, id string) request.Request {
	t.Helper()
	r, err := s.Requests.Request(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
