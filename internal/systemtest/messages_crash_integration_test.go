//go:build integration

package systemtest

// Emulator-only: a processor dying between a message request's start and
// its finish is staged by failing the put of its outcomes in the app's
// DynamoDB client; the memory backend cannot fail one write.

import (
	"context"
	"errors"
	"testing"
	"time"

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
