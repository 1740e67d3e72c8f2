package devstack

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

func TestSQSEventHasLambdaShape(t *testing.T) {
	msgs := []types.Message{{
		MessageId:     aws.String("m-1"),
		ReceiptHandle: aws.String("rh-1"),
		Body:          aws.String("hello"),
		MD5OfBody:     aws.String("5d41402abc4b2a76b9719d911017c592"),
		Attributes:    map[string]string{"ApproximateReceiveCount": "1", "SentTimestamp": "1700000000000"},
		MessageAttributes: map[string]types.MessageAttributeValue{
			"kind": {DataType: aws.String("String"), StringValue: aws.String("event")},
		},
		MD5OfMessageAttributes: aws.String("abc"),
	}, {MessageId: aws.String("m-2"), Body: aws.String("")}}
	e := sqsEvent(msgs, "arn:aws:sqs:eu-west-1:123456789012:jobs")
	got, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	// The record as Lambda delivers it, field for field.
	want := `{"Records":[` +
		`{"messageId":"m-1","receiptHandle":"rh-1","body":"hello","md5OfBody":"5d41402abc4b2a76b9719d911017c592",` +
		`"md5OfMessageAttributes":"abc","attributes":{"ApproximateReceiveCount":"1","SentTimestamp":"1700000000000"},` +
		`"messageAttributes":{"kind":{"stringValue":"event","stringListValues":[],"binaryListValues":[],"dataType":"String"}},` +
		`"eventSourceARN":"arn:aws:sqs:eu-west-1:123456789012:jobs","eventSource":"aws:sqs","awsRegion":"eu-west-1"},` +
		`{"messageId":"m-2","receiptHandle":"","body":"","md5OfBody":"","md5OfMessageAttributes":"","attributes":{},"messageAttributes":{},` +
		`"eventSourceARN":"arn:aws:sqs:eu-west-1:123456789012:jobs","eventSource":"aws:sqs","awsRegion":"eu-west-1"}]}`
	if string(got) != want {
		t.Errorf("event =\n%s\nwant\n%s", got, want)
	}
}

func TestFailures(t *testing.T) {
	e := events.SQSEvent{Records: []events.SQSMessage{{MessageId: "a"}, {MessageId: "b"}}}
	failed, err := BatchFailures(events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{{ItemIdentifier: "b"}}}, e)
	if err != nil || len(failed) != 1 || !failed["b"] {
		t.Errorf("failures = %v, %v", failed, err)
	}
	for _, id := range []string{"", "c"} {
		resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{{ItemIdentifier: id}}}
		if _, err := BatchFailures(resp, e); err == nil {
			t.Errorf("failures accepted item identifier %q", id)
		}
	}
}

func TestInvokeRecoversPanics(t *testing.T) {
	_, err := Invoke(context.Background(), func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
		panic("boom")
	}, events.SQSEvent{})
	if err == nil {
		t.Error("a panicking handler did not fail the invocation")
	}
	want := errors.New("handler error")
	if _, err := Invoke(context.Background(), func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
		return events.SQSEventResponse{}, want
	}, events.SQSEvent{}); !errors.Is(err, want) {
		t.Errorf("invoke = %v, want %v", err, want)
	}
}

func TestPollValidatesConsumer(t *testing.T) {
	err := Poll(context.Background(), sqs.New(sqs.Options{}), Consumer{Name: "x", QueueURL: "http://q"}, nil, PollOptions{})
	if err == nil {
		t.Error("Poll accepted a consumer without QueueARN and Handler")
	}
}
