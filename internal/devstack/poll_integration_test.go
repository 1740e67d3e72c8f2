//go:build integration

package devstack_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/parcelgate/parcelgate/internal/devstack"
)

// retryDelay keeps failed messages' retries quick; see PollOptions.
const retryDelay = time.Second

type handlerFunc = func(context.Context, events.SQSEvent) (events.SQSEventResponse, error)

// poll runs Poll on the queue until the test ends. Every delivered record
// is sent on the returned channel before handle sees it.
func poll(t *testing.T, res *devstack.Resources, queue string, reportFailures bool, handle handlerFunc) <-chan events.SQSMessage {
	t.Helper()
	seen := make(chan events.SQSMessage, 100)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	c := devstack.Consumer{
		Name:                    t.Name(),
		QueueURL:                res.QueueURLs[queue],
		QueueARN:                res.QueueARNs[queue],
		BatchSize:               10,
		ReportBatchItemFailures: reportFailures,
		Handler: func(ctx context.Context, e events.SQSEvent) (events.SQSEventResponse, error) {
			for _, r := range e.Records {
				seen <- r
			}
			return handle(ctx, e)
		},
	}
	logger := slog.New(slog.NewJSONHandler(t.Output(), nil))
	go func() {
		done <- devstack.Poll(ctx, sqs.NewFromConfig(awsCfg), c, logger, devstack.PollOptions{RetryDelay: retryDelay})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Poll: %v", err)
		}
	})
	return seen
}

func send(t *testing.T, url string, bodies ...string) {
	t.Helper()
	client := sqs.NewFromConfig(awsCfg)
	for _, b := range bodies {
		_, err := client.SendMessage(t.Context(), &sqs.SendMessageInput{
			QueueUrl:          aws.String(url),
			MessageBody:       aws.String(b),
			MessageAttributes: map[string]sqstypes.MessageAttributeValue{"kind": {DataType: aws.String("String"), StringValue: aws.String("test")}},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// collect returns the records delivered within d.
func collect(seen <-chan events.SQSMessage, d time.Duration) []events.SQSMessage {
	var out []events.SQSMessage
	timeout := time.After(d)
	for {
		select {
		case r := <-seen:
			out = append(out, r)
		case <-timeout:
			return out
		}
	}
}

// until returns the records delivered until done says the wanted ones are
// in, failing the test after timeout.
func until(t *testing.T, seen <-chan events.SQSMessage, timeout time.Duration, done func([]events.SQSMessage) bool) []events.SQSMessage {
	t.Helper()
	var out []events.SQSMessage
	deadline := time.After(timeout)
	for !done(out) {
		select {
		case r := <-seen:
			out = append(out, r)
		case <-deadline:
			t.Fatalf("after %s, deliveries: %v", timeout, bodies(out))
		}
	}
	return out
}

func bodies(rs []events.SQSMessage) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Body + "#" + r.Attributes["ApproximateReceiveCount"]
	}
	return out
}

func count(rs []events.SQSMessage, body string) int {
	n := 0
	for _, r := range rs {
		if r.Body == body {
			n++
		}
	}
	return n
}

// waitEmpty fails the test unless the queue ends up with no messages,
// visible or in flight.
func waitEmpty(t *testing.T, url string) {
	t.Helper()
	client := sqs.NewFromConfig(awsCfg)
	var attrs map[string]string
	for range 20 {
		out, err := client.GetQueueAttributes(t.Context(), &sqs.GetQueueAttributesInput{
			QueueUrl: aws.String(url),
			AttributeNames: []sqstypes.QueueAttributeName{
				sqstypes.QueueAttributeNameApproximateNumberOfMessages, sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		attrs = out.Attributes
		if attrs["ApproximateNumberOfMessages"] == "0" && attrs["ApproximateNumberOfMessagesNotVisible"] == "0" {
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Errorf("queue %s still holds messages: %v", url, attrs)
}

func succeed(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
	return events.SQSEventResponse{}, nil
}

func TestPollDeliversAndDeletes(t *testing.T) {
	res := provision(t)
	queue, _, _ := jobsQueue(t)
	send(t, res.QueueURLs[queue], "one", "two", "three")
	got := until(t, poll(t, res, queue, false, succeed), 20*time.Second, func(rs []events.SQSMessage) bool { return len(rs) >= 3 })
	arn := res.QueueARNs[queue]
	for _, r := range got {
		if r.EventSource != "aws:sqs" || r.EventSourceARN != arn || r.AWSRegion != strings.Split(arn, ":")[3] {
			t.Errorf("record source %q %q %q, want aws:sqs %s", r.EventSource, r.EventSourceARN, r.AWSRegion, arn)
		}
		if r.MessageId == "" || r.ReceiptHandle == "" || r.Md5OfBody != md5Hex(r.Body) {
			t.Errorf("record ids: %+v", r)
		}
		if r.Attributes["ApproximateReceiveCount"] != "1" || r.Attributes["SentTimestamp"] == "" {
			t.Errorf("record attributes: %v", r.Attributes)
		}
		if a := r.MessageAttributes["kind"]; a.DataType != "String" || aws.ToString(a.StringValue) != "test" {
			t.Errorf("message attribute kind = %+v", a)
		}
	}
	waitEmpty(t, res.QueueURLs[queue])
	if extra := collect(poll(t, res, queue, false, succeed), 2*retryDelay); len(extra) > 0 {
		t.Errorf("handled messages delivered again: %v", bodies(extra))
	}
}

func TestPollPartialBatchFailureRetriesOnlyFailed(t *testing.T) {
	res := provision(t)
	queue, _, _ := jobsQueue(t)
	send(t, res.QueueURLs[queue], "ok-1", "fail-once", "ok-2")
	handle := func(_ context.Context, e events.SQSEvent) (events.SQSEventResponse, error) {
		var resp events.SQSEventResponse
		for _, r := range e.Records {
			if r.Body == "fail-once" && r.Attributes["ApproximateReceiveCount"] == "1" {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
			}
		}
		return resp, nil
	}
	seen := poll(t, res, queue, true, handle)
	got := until(t, seen, 20*time.Second, func(rs []events.SQSMessage) bool { return count(rs, "fail-once") >= 2 })
	got = append(got, collect(seen, 2*retryDelay)...)
	if count(got, "ok-1") != 1 || count(got, "ok-2") != 1 || count(got, "fail-once") != 2 {
		t.Errorf("deliveries %v, want ok-1 and ok-2 once, fail-once twice", bodies(got))
	}
	waitEmpty(t, res.QueueURLs[queue])
}

func TestPollFailingHandlerDeadLetters(t *testing.T) {
	res := provision(t)
	queue, dlq, maxReceives := jobsQueue(t)
	send(t, res.QueueURLs[queue], "doomed")
	fail := func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
		return events.SQSEventResponse{}, errors.New("always fails")
	}
	seen := poll(t, res, queue, true, fail)

	client := sqs.NewFromConfig(awsCfg)
	deadline := time.Now().Add(time.Duration(maxReceives)*retryDelay + 30*time.Second)
	var dead []sqstypes.Message
	for len(dead) == 0 && time.Now().Before(deadline) {
		out, err := client.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(res.QueueURLs[dlq]), WaitTimeSeconds: 2})
		if err != nil {
			t.Fatal(err)
		}
		dead = out.Messages
	}
	if len(dead) != 1 || aws.ToString(dead[0].Body) != "doomed" {
		t.Fatalf("dead-letter queue holds %+v, want the doomed message", dead)
	}
	if got := collect(seen, retryDelay); count(got, "doomed") != maxReceives {
		t.Errorf("handler saw the message %d times (%v), want maxReceiveCount = %d", count(got, "doomed"), bodies(got), maxReceives)
	}
}
