package devstack

import (
	"context"
	"strings"
	"sync"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
)

// Bell wakes idle pollers when a message is sent, so a task sent by the
// local API is picked up at once rather than after the pollers' idle pause
// (Lambda's event source mapping long-polls, which the SQS emulator cannot
// do; see Poll). Pollers still poll every idlePause without it: messages
// sent by other processes, or becoming visible again, are found then.
type Bell struct {
	mu   sync.Mutex
	rung chan struct{}
}

// Ring wakes every poller waiting on the bell.
func (b *Bell) Ring() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.rung != nil {
		close(b.rung)
		b.rung = nil
	}
}

// next returns a channel closed at the next Ring. A poller takes it before
// it receives, so a message sent while it receives still wakes it.
func (b *Bell) next() <-chan struct{} {
	if b == nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.rung == nil {
		b.rung = make(chan struct{})
	}
	return b.rung
}

// RingOnSend is an aws.Config API option: every SQS message sent through a
// client made from the config rings b once the queue has accepted it.
func (b *Bell) RingOnSend(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("devstackBell", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
		out, md, err := next.HandleInitialize(ctx, in)
		if err == nil && awsmiddleware.GetServiceID(ctx) == "SQS" && strings.HasPrefix(awsmiddleware.GetOperationName(ctx), "SendMessage") {
			b.Ring()
		}
		return out, md, err
	}), middleware.After)
}
