//go:build integration

package systemtest

// Emulator-only: a processor that crashed after applying a job's outcomes
// and before recording its end is staged by rewriting the job's raw item,
// which no store port can do (and the memory backend has no items).

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parcelgate/parcelgate/internal/apitest"
	"github.com/parcelgate/parcelgate/internal/queue"
)

func associations(t *testing.T, e *apitest.Env, token, projectID string) map[string]associationOut {
	t.Helper()
	var pg listOut[associationOut]
	e.Call(t, "GET", "/v1/projects/"+projectID+"/tracking-numbers?limit=100", token, nil).Want(t, 200).JSON(t, &pg)
	out := map[string]associationOut{}
	for _, a := range pg.Items {
		out[a.TrackingNumber] = a
	}
	return out
}

// crashBeforeFinish puts a completed job back as a processor that crashed
// after applying its outcomes, before recording its end, leaves it.
func crashBeforeFinish(t *testing.T, e *apitest.Env, jobID string) {
	t.Helper()
	ddb := dynamodb.NewFromConfig(e.AWS, localChecksums)
	if _, err := ddb.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
		TableName:                 &e.Config.Table,
		Key:                       map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "REQ#" + jobID}, "SK": &types.AttributeValueMemberS{Value: "REQ"}},
		UpdateExpression:          aws.String("SET #s = :s REMOVE completedAt"),
		ExpressionAttributeNames:  map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": &types.AttributeValueMemberS{Value: "IN_PROGRESS"}},
	}); err != nil {
		t.Fatal(err)
	}
}

// A job delivered again after such a crash, later, makes exactly the same
// changes: the times of its associations do not move, and it never undoes
// what a job decided after it changed.
func TestJobRedeliveryKeepsAssociationTimes(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, token := e.Token(t, "acme")
	p := createProject(t, e, token, "redelivered")
	first := submit(t, e, token, p.ProjectID, "ADD", numbers(dhl(1)))
	await(t, e, token, p.ProjectID, first.JobID, "COMPLETED")
	e.Advance(20 * time.Minute)
	j := submit(t, e, token, p.ProjectID, "ADD", numbers(dhl(1), dhl(2), dhl(3)))
	await(t, e, token, p.ProjectID, j.JobID, "COMPLETED")
	before := associations(t, e, token, p.ProjectID)
	beforeReport := report(t, e, token, p.ProjectID, j.JobID)
	if beforeReport.Counts != (counts{Total: 3, Renewed: 1, Added: 2}) || len(before) != 3 || before[dhl(1)].JobID != j.JobID {
		t.Fatalf("counts %+v, associations %+v", beforeReport.Counts, before)
	}

	crashBeforeFinish(t, e, j.JobID)
	e.Advance(10 * time.Minute)
	if err := (queue.SQS{Client: e.SQS(), QueueURL: e.Config.JobsQueueURL}).EnqueueJob(context.Background(), j.JobID); err != nil {
		t.Fatal(err)
	}
	await(t, e, token, p.ProjectID, j.JobID, "COMPLETED")
	if after := associations(t, e, token, p.ProjectID); !reflect.DeepEqual(before, after) {
		t.Fatalf("the redelivery moved associations:\nbefore %+v\nafter  %+v", before, after)
	}
	if afterReport := report(t, e, token, p.ProjectID, j.JobID); !reflect.DeepEqual(beforeReport.Results, afterReport.Results) || afterReport.Counts != beforeReport.Counts {
		t.Fatalf("the redelivery changed the report:\n%+v\n%+v", beforeReport, afterReport)
	}

	// A later job renews dhl(1); the first redelivered job again after
	// it must not move that renewal back.
	e.Advance(20 * time.Minute)
	later := submit(t, e, token, p.ProjectID, "ADD", numbers(dhl(1)))
	await(t, e, token, p.ProjectID, later.JobID, "COMPLETED")
	renewed := associations(t, e, token, p.ProjectID)
	if renewed[dhl(1)].JobID != later.JobID || renewed[dhl(1)].ExpiresAt == before[dhl(1)].ExpiresAt {
		t.Fatalf("the later renewal %+v", renewed[dhl(1)])
	}
	crashBeforeFinish(t, e, j.JobID)
	if err := e.API.Jobs.Process(context.Background(), j.JobID); err != nil {
		t.Fatal(err)
	}
	if after := associations(t, e, token, p.ProjectID); !reflect.DeepEqual(renewed, after) {
		t.Fatalf("redelivering an earlier job undid a later one:\nbefore %+v\nafter  %+v", renewed, after)
	}
}
