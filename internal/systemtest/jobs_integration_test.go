//go:build integration

package systemtest

// Emulator-only: a message sent twice through the SQS client.

import (
	"context"
	"encoding/json"
	"reflect"
	"sync"
	"testing"

	"github.com/parcelgate/parcelgate/internal/apitest"
	"github.com/parcelgate/parcelgate/internal/queue"
)

// The same task delivered twice, at once and again after completion,
// gives one set of outcomes and counts.
func TestJobDuplicateDeliveryIdempotent(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, token := e.Token(t, "acme")
	p := createProject(t, e, token, "dupes")
	first := submit(t, e, token, p.ProjectID, "ADD", numbers(dhl(1), dhl(2)))
	await(t, e, token, p.ProjectID, first.JobID, "COMPLETED")

	// dhl(1) is now associated: a new job's outcomes depend on the state
	// its first delivery saw, which later deliveries must not re-decide.
	e.FailProcessing.Store(true)
	j := submit(t, e, token, p.ProjectID, "ADD", numbers(dhl(1), dhl(3), badDHL(4), dhl(3)))
	q := queue.SQS{Client: e.SQS(), QueueURL: e.Config.JobsQueueURL}
	if err := q.EnqueueJob(context.Background(), j.JobID); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := e.App.API.Jobs.Process(context.Background(), j.JobID); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	e.FailProcessing.Store(false)
	done := await(t, e, token, p.ProjectID, j.JobID, "COMPLETED")
	want := counts{Total: 4, Renewed: 1, Added: 1, Invalid: 1, Duplicate: 1}
	if done.Counts != want {
		t.Fatalf("counts %+v, want %+v", done.Counts, want)
	}
	before := report(t, e, token, p.ProjectID, j.JobID)
	again, err := json.Marshal(queue.Task{Kind: queue.KindJob, ID: j.JobID})
	if err != nil {
		t.Fatal(err)
	}
	e.AwaitHandled(t, e.Send(t, e.Config.JobsQueueURL, string(again)))
	after := report(t, e, token, p.ProjectID, j.JobID)
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("redelivery changed the report:\n%+v\n%+v", before, after)
	}
}
