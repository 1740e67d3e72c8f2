//go:build integration

package systemtest

// Emulator-only: a processor dying between an association's two table
// writes is staged by failing the second in the app's DynamoDB client;
// the memory backend writes both at once.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/parcelgate/parcelgate/internal/apitest"
)

var errProcessorDied = errors.New("processor died")

// putKiller fails the puts of the items its key attribute's prefix names,
// alone or in a batch, while it has crashes left: the processor dies
// before that write.
type putKiller struct {
	attr, prefix string
	crashes      atomic.Int32
}

func (k *putKiller) install(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("putKiller", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
		if k.puts(in.Parameters) && k.crashes.Add(-1) >= 0 {
			return middleware.InitializeOutput{}, middleware.Metadata{}, errProcessorDied
		}
		return next.HandleInitialize(ctx, in)
	}), middleware.Before)
}

// puts reports whether the operation puts an item k names.
func (k *putKiller) puts(params any) bool {
	var items []map[string]types.AttributeValue
	switch in := params.(type) {
	case *dynamodb.PutItemInput:
		items = append(items, in.Item)
	case *dynamodb.BatchWriteItemInput:
		for _, ws := range in.RequestItems {
			for _, w := range ws {
				if w.PutRequest != nil {
					items = append(items, w.PutRequest.Item)
				}
			}
		}
	}
	return slices.ContainsFunc(items, func(it map[string]types.AttributeValue) bool {
		v, _ := it[k.attr].(*types.AttributeValueMemberS)
		return v != nil && strings.HasPrefix(v.Value, k.prefix)
	})
}

// notifiedOf posts an event for every number and returns those the
// project is told of.
func notifiedOf(t *testing.T, e *apitest.Env, token, projectID, ref string, ns []string) []string {
	t.Helper()
	ms := make([]msg, len(ns))
	for i, n := range ns {
		ms[i] = event(n, "confirmed", "", nil, e.Clock().Format(time.RFC3339))
		ms[i].ExternalReference = fmt.Sprintf("%s-%d", ref, i)
	}
	e.Call(t, "POST", "/v1/messages", token, map[string]any{"batchReference": ref, "messages": ms}).Want(t, 202)
	e.AwaitIdle(t)
	var feed struct {
		Items []struct {
			Type string `json:"type"`
			Data struct {
				TrackingNumber string `json:"trackingNumber"`
			} `json:"data"`
		} `json:"items"`
	}
	e.Call(t, "GET", "/v1/projects/"+projectID+"/events?limit=100", token, nil).Want(t, 200).JSON(t, &feed)
	var out []string
	for _, it := range feed.Items {
		if it.Type == "tracking.updated" && slices.Contains(ns, it.Data.TrackingNumber) {
			out = append(out, it.Data.TrackingNumber)
		}
	}
	slices.Sort(out)
	return out
}

// A job whose processor died between an addition's two writes is
// completed by its next delivery; one given up on instead takes its
// claims back, so its numbers are neither listed nor notified, and a
// later job adds them.
func TestJobCrashedBetweenAnAssociationsWrites(t *testing.T) {
	t.Parallel()
	k := &putKiller{attr: "PK", prefix: "ASSOC#"} // an association
	e := apitest.StartWith(t, apitest.Options{APIOptions: []func(*middleware.Stack) error{k.install}})
	_, token := e.Token(t, "acme")
	e.API.Jobs.Queue = apitest.Lost() // deliveries are this test's own
	ctx := context.Background()
	for _, giveUp := range []bool{false, true} {
		p := createProject(t, e, token, fmt.Sprintf("crashed-%v", giveUp))
		ns := []string{dhl(8100), dhl(8101), dhl(8102)}
		if giveUp {
			ns = []string{dhl(8200), dhl(8201), dhl(8202)}
		}
		j := submit(t, e, token, p.ProjectID, "ADD", numbers(ns...))
		k.crashes.Store(1)
		if err := e.API.Jobs.Process(ctx, j.JobID); !errors.Is(err, errProcessorDied) {
			t.Fatalf("the processor did not die: %v", err)
		}
		k.crashes.Store(0)
		if listed := associations(t, e, token, p.ProjectID); len(listed) == len(ns) {
			t.Fatalf("every association written despite the crash: %v", listed)
		}
		if giveUp {
			if err := e.API.Jobs.Fail(ctx, j.JobID, "gave up"); err != nil {
				t.Fatal(err)
			}
			await(t, e, token, p.ProjectID, j.JobID, "FAILED")
		} else if err := e.API.Jobs.Process(ctx, j.JobID); err != nil {
			t.Fatal(err)
		}
		var listed []string
		for n := range associations(t, e, token, p.ProjectID) {
			listed = append(listed, n)
		}
		slices.Sort(listed)
		notified := notifiedOf(t, e, token, p.ProjectID, fmt.Sprintf("crash-%v", giveUp), ns)
		if !slices.Equal(listed, notified) {
			t.Fatalf("listed %v, notified %v", listed, notified)
		}
		if !giveUp {
			if r := report(t, e, token, p.ProjectID, j.JobID); r.Counts != (counts{Total: 3, Added: 3}) {
				t.Fatalf("report after the redelivery %+v", r.Counts)
			}
			continue
		}
		again := submit(t, e, token, p.ProjectID, "ADD", numbers(ns...))
		if err := e.API.Jobs.Process(ctx, again.JobID); err != nil {
			t.Fatal(err)
		}
		if r := report(t, e, token, p.ProjectID, again.JobID); r.Counts.Added+r.Counts.Renewed != 3 {
			t.Fatalf("a later job after the failed one: %+v", r.Counts)
		}
	}
}
