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

// crashEnv is an API whose DynamoDB client fails the puts its killer
// names, with one event accepted for acme; its deliveries are the test's
// own.
type crashEnv struct {
	*apitest.Env
	token, id string
}

func startCrashable(t *testing.T, k *putKiller, batch, number string) crashEnv {
	t.Helper()
	e := apitest.StartWith(t, apitest.Options{APIOptions: []func(*middleware.Stack) error{k.install}})
	_, token := e.Token(t, "acme")
	e.API.Messages.Queue = apitest.Lost()
	var accepted struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	e.Call(t, "POST", "/v1/messages", token, map[string]any{"batchReference": batch, "messages": []msg{
		event(number, "confirmed", "", nil, e.Clock().Format(time.RFC3339)),
	}}).Want(t, 202).JSON(t, &accepted)
	return crashEnv{Env: e, token: token, id: accepted.Data.ID}
}

// found is the tracker's answer to a search by message status.
func (c crashEnv) found(t *testing.T, status string) trackerOut {
	t.Helper()
	var out trackerOut
	c.Call(t, "POST", "/v1/tracker", c.token, crit("messageStatus", status)).Want(t, 200).JSON(t, &out)
	return out
}

// expect checks that the request is found once by status and by no other
// status ("": by none).
func (c crashEnv) expect(t *testing.T, stage, status string) {
	t.Helper()
	for _, st := range []string{"Queued", "Processing", "Complete", "Failed"} {
		got := ids(c.found(t, st))
		if want := st == status; (len(got) == 1 && got[0] == c.id) != want || len(got) > 1 {
			t.Fatalf("%s: found as %s: %v, want %v", stage, st, got, want)
		}
	}
}

// A message request whose processor died after starting it, its events
// applied but its outcomes not saved, is searched as processing (never as
// queued) and stays open for the sweeper with the deadline of a running
// attempt; its redelivery finishes it, found then as complete only, with
// nothing left open.
func TestMessageRequestCrashedBeforeItsFinishIsProcessingUntilItsRedelivery(t *testing.T) {
	t.Parallel()
	k := &putKiller{attr: "SK", prefix: "RES#"} // its outcomes
	n := dhl(8300)
	c := startCrashable(t, k, "crashed", n)
	ctx := context.Background()
	c.expect(t, "received", "Queued")

	k.crashes.Store(1)
	if err := c.API.Messages.Process(ctx, c.id); !errors.Is(err, errProcessorDied) {
		t.Fatalf("the processor did not die: %v", err)
	}
	k.crashes.Store(0)
	c.expect(t, "crashed", "Processing")
	out := c.found(t, "Processing")
	if r := out.Data.Requests[0]; r.RequestStatus != "Processing" || len(r.Payload) != 1 || r.Payload[0].MessageStatus != "Processing" {
		t.Fatalf("crashed request as found %+v", r)
	}
	open := openWork(t, c.Env)
	if len(open) != 1 || open[0].ID != c.id || !open[0].Due.Equal(sweep.Deadline(sweep.Running, c.Clock())) {
		t.Fatalf("open work %+v, want %s due as a running attempt", open, c.id)
	}

	if err := c.API.Messages.Process(ctx, c.id); err != nil {
		t.Fatalf("the redelivery: %v", err)
	}
	c.expect(t, "redelivered", "Complete")
	if open := openWork(t, c.Env); len(open) != 0 {
		t.Fatalf("finished request still open: %+v", open)
	}
	var res struct {
		Status string `json:"status"`
	}
	c.Call(t, "GET", "/v1/tracking/"+n, "", nil).Want(t, 200).JSON(t, &res)
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
	const reason = "processing failed on every retry"
	for _, d := range []struct {
		name    string
		deliver func(ctx context.Context, e *apitest.Env, id string) error
	}{
		{"redelivered", func(ctx context.Context, e *apitest.Env, id string) error { return e.API.Messages.Process(ctx, id) }},
		{"dead-lettered", func(ctx context.Context, e *apitest.Env, id string) error {
			return e.API.Messages.Fail(ctx, id, reason)
		}},
	} {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			k := &putKiller{attr: "SK", prefix: "IDX#TS#"} // the finish's marker move
			c := startCrashable(t, k, "crashed-"+d.name, dhl(8400))
			ctx := context.Background()
			open := []string{"IDX#TS#*#Queued", "IDX#TS#TrackingEvent#Queued"}
			final := []string{"IDX#TS#*#Complete", "IDX#TS#TrackingEvent#Complete"}

			k.crashes.Store(1)
			if err := c.API.Messages.Process(ctx, c.id); !errors.Is(err, errProcessorDied) {
				t.Fatalf("the processor did not die: %v", err)
			}
			k.crashes.Store(0)
			var byID trackerOut
			c.Call(t, "POST", "/v1/tracker", c.token, crit("id", c.id)).Want(t, 200).JSON(t, &byID)
			if rs := byID.Data.Requests; len(rs) != 1 || rs[0].RequestStatus != "Complete" {
				t.Fatalf("crashed request by its id %+v, want it finished", rs)
			}
			c.expect(t, "crashed", "")
			if got := facetMarkers(t, c.Env, c.id); !slices.Equal(got, open) {
				t.Fatalf("crashed: markers %v, want those as received %v", got, open)
			}
			if work := openWork(t, c.Env); len(work) != 0 {
				t.Fatalf("finished request open for the sweeper: %+v", work)
			}

			if err := d.deliver(ctx, c.Env, c.id); err != nil {
				t.Fatalf("the next delivery: %v", err)
			}
			c.expect(t, "completed", "Complete")
			if got := facetMarkers(t, c.Env, c.id); !slices.Equal(got, final) {
				t.Fatalf("completed: markers %v, want %v", got, final)
			}

			// Delivered again, either way: no marker is put (the killer is
			// armed) and the request is found as before.
			k.crashes.Store(1)
			if err := c.API.Messages.Process(ctx, c.id); err != nil {
				t.Fatalf("a duplicate delivery: %v", err)
			}
			if err := c.API.Messages.Fail(ctx, c.id, reason); err != nil {
				t.Fatalf("a duplicate dead letter: %v", err)
			}
			if k.crashes.Load() != 1 {
				t.Fatal("a duplicate delivery wrote a marker")
			}
			c.expect(t, "delivered again", "Complete")
			if got := facetMarkers(t, c.Env, c.id); !slices.Equal(got, final) {
				t.Fatalf("delivered again: markers %v, want %v", got, final)
			}
		})
	}
}
