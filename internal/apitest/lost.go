package apitest

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/parcelgate/parcelgate/internal/queue"
)

// lostSends numbers the messages Lost accepted, for their ids.
var lostSends atomic.Int64

// Lost is a queue that accepts every message and loses it, as a queue
// does that loses a message after the send: the sender sees success and
// nothing ever arrives. It is the same on both backends, so the tests of
// the sweeper, which finishes such work, run on memory and on the stack.
func Lost() queue.SQS { return queue.SQS{Client: lostClient{}, QueueURL: "lost"} }

type lostClient struct{}

func lostID() string { return fmt.Sprintf("lost-%d", lostSends.Add(1)) }

// SendMessage implements queue.Client.
func (lostClient) SendMessage(context.Context, *sqs.SendMessageInput, ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	return &sqs.SendMessageOutput{MessageId: aws.String(lostID())}, nil
}

// SendMessageBatch implements queue.Client.
func (lostClient) SendMessageBatch(_ context.Context, in *sqs.SendMessageBatchInput, _ ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	out := &sqs.SendMessageBatchOutput{}
	for _, e := range in.Entries {
		out.Successful = append(out.Successful, types.SendMessageBatchResultEntry{Id: e.Id, MessageId: aws.String(lostID())})
	}
	return out, nil
}
