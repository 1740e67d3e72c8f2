//go:build integration

package systemtest

// Emulator-only: a processor dying part way through a message request
// is staged by failing one of its writes in the app's DynamoDB client;
// the memory backend cannot fail one write (its finish is one step, and
// messages_test.go delivers a finished request again on both backends).

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/parcelgate/parcelgate/internal/apitest"
	"github.com/parcelgate/parcelgate/internal/sweep"
)

// A message request whose processor died after starting it, its events
// applied but its outcomes not saved, is searched as processing (never as
// queued) and stays open for the sweeper with the deadline of a running
// attempt; its redelivery finishes it, found then as complete only, with
// nothing left open.
func TestMessageRequestCrashedBeforeItsFinishIsProcessingUntilItsRedelivery(t *testing.T) {
	t.Parallel()
	k := &putKiller{attr: "SK", prefix: "RES#"} // its outcomes
	e := apitest.StartWith(t, apitest.Options{APIOptions: []func(*middleware.Stack) error{k.install}})
	_, token := e.Token(t, "acme")
	e.API.Messages.Queue = apitest.Lost() // deliveries are this test's own
	ctx := context.Background()
	n := dhl(8300)
	var accepted struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	e.Call(t, "POST", "/v1/messages", token, map[string]any{"batchReference": "crashed", "messages": []msg{
		event(n, "confirmed", "", nil, e.Clock().Format(time.RFC3339)),
	}}).Want(t, 202).JSON(t, &accepted)
	id := accepted.Data.ID

	found := func(status string) trackerOut {
		t.Helper()
		var out trackerOut
		e.Call(t, "POST", "/v1/tracker", token, crit("messageStatus", status)).Want(t, 200).JSON(t, &out)
		return out
	}
	expect := func(stage, status string) {
		t.Helper()
		for _, st := range []string{"Queued", "Processing", "Complete"} {
			got := ids(found(st))
			if want := st == status; (len(got) == 1 && got[0] == id) != want || len(got) > 1 {
				t.Fatalf("%s: found as %s: %v, want %v", stage, st, got, want)
			}
		}
	}
	expect("received", "Queued")

	k.crashes.Store(1)
	if err := e.API.Messages.Process(ctx, id); !errors.Is(err, errProcessorDied) {
		t.Fatalf("the processor did not die: %v", err)
	}
	k.crashes.Store(0)
	expect("crashed", "Processing")
	out := found("Processing")
	if r := out.Data.Requests[0]; r.RequestStatus != "Processing" || len(r.Payload) != 1 || r.Payload[0].MessageStatus != "Processing" {
		t.Fatalf("crashed request as found %+v", r)
	}
	open := openWork(t, e)
	if len(open) != 1 || open[0].ID != id || !open[0].Due.Equal(sweep.Deadline(sweep.Running, e.Clock())) {
		t.Fatalf("open work %+v, want %s due as a running attempt", open, id)
	}

	if err := e.API.Messages.Process(ctx, id); err != nil {
		t.Fatalf("the redelivery: %v", err)
	}
	expect("redelivered", "Complete")
	if open := openWork(t, e); len(open) != 0 {
		t.Fatalf("finished request still open: %+v", open)
	}
	var res struct {
		Status string `json:"status"`
	}
	e.Call(t, "GET", "/v1/tracking/"+n, "", nil).Want(t, 200).JSON(t, &res)
	if res.Status != "confirmed" {
		t.Fatalf("tracking status %q", res.Status)
	}
}

// facetMarkers lists the tracker's facet markers of a request as stored.
func facetMarkers(t *testing.T, e *apitest.Env, id string) []string {
	t.Helper()
	out, err := dynamodb.NewFromConfig(e.AWS, localChecksums).Query(context.Background(), &dynamodb.QueryInput{
		TableName:              &e.Config.Table,
		KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :sk)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": &types.AttributeValueMemberS{Value: "REQ#" + id}, ":sk": &types.AttributeValueMemberS{Value: "IDX#TS#"},
		},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range out.Items {
		got = append(got, it["SK"].(*types.AttributeValueMemberS).Value)
	}
	return got
}

// A message request whose processor died between its finish's two
// writes, its item's update and its facet markers' move, is finished but
// found by no status, its queued markers left; nothing of it is open for
// the sweeper. Its redelivery, or the dead-letter handler after a last
// attempt, finds it finished and moves the markers: it is found as
// complete exactly once, with no open marker left, and delivering it
// again changes nothing more.
func TestMessageRequestCrashedBetweenItsFinishsWritesIsCompletedByItsNextDelivery(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name    string
		deliver func(ctx context.Context, e *apitest.Env, id string) error
	}{
		{"redelivered", func(ctx context.Context, e *apitest.Env, id string) error { return e.API.Messages.Process(ctx, id) }},
		{"dead-lettered", func(ctx context.Context, e *apitest.Env, id string) error {
			return e.API.Messages.Fail(ctx, id, "processing failed on every retry")
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			k := &putKiller{attr: "SK", prefix: "IDX#TS#"} // the finish's marker move
			e := apitest.StartWith(t, apitest.Options{APIOptions: []func(*middleware.Stack) error{k.install}})
			_, token := e.Token(t, "acme")
			e.API.Messages.Queue = apitest.Lost() // deliveries are this test's own
			ctx := context.Background()
			n := dhl(8400)
			var accepted struct {
				Data struct {
					ID string `json:"id"`
				} `json:"data"`
			}
			e.Call(t, "POST", "/v1/messages", token, map[string]any{"batchReference": "crashed-" + c.name, "messages": []msg{
				event(n, "confirmed", "", nil, e.Clock().Format(time.RFC3339)),
			}}).Want(t, 202).JSON(t, &accepted)
			id := accepted.Data.ID
			expect := func(stage, status string) {
				t.Helper()
				for _, st := range []string{"Queued", "Processing", "Complete", "Failed"} {
					var out trackerOut
					e.Call(t, "POST", "/v1/tracker", token, crit("messageStatus", st)).Want(t, 200).JSON(t, &out)
					if got, want := ids(out), st == status; (len(got) == 1 && got[0] == id) != want || len(got) > 1 {
						t.Fatalf("%s: found as %s: %v, want %v", stage, st, got, want)
					}
				}
			}
			open := []string{"IDX#TS#*#Queued", "IDX#TS#TrackingEvent#Queued"}
			final := []string{"IDX#TS#*#Complete", "IDX#TS#TrackingEvent#Complete"}

			k.crashes.Store(1)
			if err := e.API.Messages.Process(ctx, id); !errors.Is(err, errProcessorDied) {
				t.Fatalf("the processor did not die: %v", err)
			}
			k.crashes.Store(0)
			var byID trackerOut
			e.Call(t, "POST", "/v1/tracker", token, crit("id", id)).Want(t, 200).JSON(t, &byID)
			if rs := byID.Data.Requests; len(rs) != 1 || rs[0].RequestStatus != "Complete" {
				t.Fatalf("crashed request by its id %+v, want it finished", rs)
			}
			expect("crashed", "")
			if got := facetMarkers(t, e, id); !slices.Equal(got, open) {
				t.Fatalf("crashed: markers %v, want those as received %v", got, open)
			}
			if open := openWork(t, e); len(open) != 0 {
				t.Fatalf("finished request open for the sweeper: %+v", open)
			}

			if err := c.deliver(ctx, e, id); err != nil {
				t.Fatalf("the next delivery: %v", err)
			}
			expect("completed", "Complete")
			if got := facetMarkers(t, e, id); !slices.Equal(got, final) {
				t.Fatalf("completed: markers %v, want %v", got, final)
			}

			// Delivered again, either way: no marker is put (the killer is
			// armed) and the request is found as before.
			k.crashes.Store(1)
			if err := e.API.Messages.Process(ctx, id); err != nil {
				t.Fatalf("a duplicate delivery: %v", err)
			}
			if err := e.API.Messages.Fail(ctx, id, "processing failed on every retry"); err != nil {
				t.Fatalf("a duplicate dead letter: %v", err)
			}
			if k.crashes.Load() != 1 {
				t.Fatal("a duplicate delivery wrote a marker")
			}
			expect("delivered again", "Complete")
			if got := facetMarkers(t, e, id); !slices.Equal(got, final) {
				t.Fatalf("delivered again: markers %v, want %v", got, final)
			}
		})
	}
}
