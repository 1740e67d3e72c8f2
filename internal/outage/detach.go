package outage

import (
	"context"
	"time"
)

// detachLimit bounds a clean-up outside a request (a worker), where no
// answer is due: long enough for a few store calls, short enough that a
// frozen store cannot hold the worker.
const detachLimit = 5 * time.Second

type answerByKey struct{}

// WithAnswerBy records that an answer to ctx's caller is due at t: a
// clean-up started with Detach ends by then, so it never delays the answer.
func WithAnswerBy(ctx context.Context, t time.Time) context.Context {
	return context.WithValue(ctx, answerByKey{}, t)
}

// Detach returns the context of a clean-up after a failed call (undo a
// half-done write, release a lease): not cancelled with ctx, since it runs
// precisely when ctx has run out, but ending when the answer is due
// (WithAnswerBy) or after detachLimit. A clean-up cut short leaves what the
// sweeper or a TTL removes later; its caller must say so where it matters.
func Detach(ctx context.Context) (context.Context, context.CancelFunc) {
	end := time.Now().Add(detachLimit)
	if by, ok := ctx.Value(answerByKey{}).(time.Time); ok && by.Before(end) {
		end = by
	}
	return context.WithDeadline(context.WithoutCancel(ctx), end)
}
