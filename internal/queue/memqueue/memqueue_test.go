package memqueue

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/parcelgate/parcelgate/internal/devstack"
	"github.com/parcelgate/parcelgate/internal/samtemplate"
)

const testTemplate = `Resources:
  Work:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 180
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt Dead.Arn
        maxReceiveCount: 3
  Dead:
    Type: AWS::SQS::Queue
`

func broker(t *testing.T) *Broker {
	t.Helper()
	path := filepath.Join(t.TempDir(), "template.yaml")
	if err := os.WriteFile(path, []byte(testTemplate), 0o600); err != nil {
		t.Fatal(err)
	}
	tmpl, err := samtemplate.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(tmpl, Options{RetryDelay: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// record keeps what a handler saw, in order.
type record struct {
	mu   sync.Mutex
	seen []events.SQSMessage
}

func (r *record) add(ev events.SQSEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen = append(r.seen, ev.Records...)
}

func (r *record) bodies() map[string][]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string][]string{}
	for _, m := range r.seen {
		out[m.Body] = append(out[m.Body], m.Attributes["ApproximateReceiveCount"])
	}
	return out
}

func run(t *testing.T, b *Broker, cs ...devstack.Consumer) {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	wait, err := b.Run(ctx, cs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop(); wait() })
}

func awaitIdle(t *testing.T, b *Broker) {
	t.Helper()
	bound := time.After(10 * time.Second)
	for b.Busy() != "" {
		select {
		case <-b.Changed():
		case <-bound:
			t.Fatalf("queue %s does not settle", b.Busy())
		}
	}
}

func send(t *testing.T, b *Broker, id, body string, delay int32) {
	t.Helper()
	if _, err := b.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(URL(id)), MessageBody: aws.String(body), DelaySeconds: delay}); err != nil {
		t.Fatal(err)
	}
}

// A reported failure comes back alone, its receive count raised; after
// maxReceiveCount receives it goes to the dead-letter queue's consumer.
func TestPartialFailureRetriesThenDeadLetters(t *testing.T) {
	b := broker(t)
	var work, dead record
	res := b.Resources()
	run(t, b,
		devstack.Consumer{Name: "work", QueueURL: res.QueueURLs["Work"], QueueARN: res.QueueARNs["Work"], ReportBatchItemFailures: true,
			Handler: func(_ context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
				work.add(ev)
				var resp events.SQSEventResponse
				for _, m := range ev.Records {
					if m.Body == "bad" {
						resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
					}
				}
				return resp, nil
			}},
		devstack.Consumer{Name: "dead", QueueURL: res.QueueURLs["Dead"], QueueARN: res.QueueARNs["Dead"],
			Handler: func(_ context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
				dead.add(ev)
				return events.SQSEventResponse{}, nil
			}},
	)
	if _, err := b.SendMessageBatch(context.Background(), &sqs.SendMessageBatchInput{QueueUrl: aws.String(URL("Work")), Entries: []types.SendMessageBatchRequestEntry{
		{Id: aws.String("1"), MessageBody: aws.String("good")}, {Id: aws.String("2"), MessageBody: aws.String("bad")},
	}}); err != nil {
		t.Fatal(err)
	}
	awaitIdle(t, b)
	got := work.bodies()
	if len(got["good"]) != 1 || len(got["bad"]) != 3 || got["bad"][2] != "3" {
		t.Fatalf("work queue deliveries %v, want good once and bad 3 times (counts 1..3)", got)
	}
	if d := dead.bodies(); len(d) != 1 || len(d["bad"]) != 1 {
		t.Fatalf("dead-letter deliveries %v, want bad once", d)
	}
}

// A failed invocation, or one whose response names a message not in the
// batch, keeps the whole batch.
func TestFailedInvocationKeepsTheBatch(t *testing.T) {
	for name, h := range map[string]func(context.Context, events.SQSEvent) (events.SQSEventResponse, error){
		"error": func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
			return events.SQSEventResponse{}, errors.New("down")
		},
		"panic": func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) { panic("broken") },
		"unknown id": func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
			return events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{{ItemIdentifier: "nope"}}}, nil
		},
	} {
		t.Run(name, func(t *testing.T) {
			b := broker(t)
			var work, dead record
			res := b.Resources()
			run(t, b,
				devstack.Consumer{Name: "work", QueueURL: res.QueueURLs["Work"], QueueARN: res.QueueARNs["Work"], ReportBatchItemFailures: true,
					Handler: func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
						work.add(ev)
						return h(ctx, ev)
					}},
				devstack.Consumer{Name: "dead", QueueURL: res.QueueURLs["Dead"], QueueARN: res.QueueARNs["Dead"],
					Handler: func(_ context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
						dead.add(ev)
						return events.SQSEventResponse{}, nil
					}},
			)
			send(t, b, "Work", "a", 0)
			awaitIdle(t, b)
			if got := work.bodies(); len(got["a"]) != 3 {
				t.Fatalf("deliveries %v, want 3", got)
			}
			if got := dead.bodies(); len(got["a"]) != 1 {
				t.Fatalf("dead letters %v, want a once", got)
			}
		})
	}
}

// A delayed message is not delivered before its delay; the queue is busy
// meanwhile.
func TestDelayedMessageWaits(t *testing.T) {
	b := broker(t)
	var work record
	res := b.Resources()
	delivered := make(chan time.Time, 1)
	run(t, b, devstack.Consumer{Name: "work", QueueURL: res.QueueURLs["Work"], QueueARN: res.QueueARNs["Work"],
		Handler: func(_ context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
			work.add(ev)
			delivered <- time.Now()
			return events.SQSEventResponse{}, nil
		}})
	sent := time.Now()
	send(t, b, "Work", "later", 1)
	if b.Busy() != "Work" {
		t.Fatal("a delayed message leaves its queue idle")
	}
	if at := <-delivered; at.Sub(sent) < time.Second {
		t.Fatalf("delivered after %v, before its 1 s delay", at.Sub(sent))
	}
	awaitIdle(t, b)
}

func TestRefusesBadSends(t *testing.T) {
	b := broker(t)
	if _, err := b.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(URL("Nope")), MessageBody: aws.String("x")}); err == nil {
		t.Error("sent to a queue that does not exist")
	}
	if _, err := b.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(URL("Work")), MessageBody: aws.String("x"), DelaySeconds: 901}); err == nil {
		t.Error("accepted a delay over 15 minutes")
	}
	if _, err := b.SendMessageBatch(context.Background(), &sqs.SendMessageBatchInput{QueueUrl: aws.String(URL("Work"))}); err == nil {
		t.Error("accepted an empty batch")
	}
	if b.Busy() != "" {
		t.Error("a refused send left a message")
	}
}
