// Package logging adds to every log line what ties it to one request:
// the Lambda request id, the X-Ray trace id and the caller's client id,
// read from the context the line is logged with. CloudWatch Logs Insights
// can then gather one request's lines, or one client's, and jump to its
// trace.
package logging

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

// New returns the JSON logger every process uses, writing to w.
func New(w io.Writer) *slog.Logger {
	return slog.New(NewHandler(slog.NewJSONHandler(w, nil)))
}

// NewHandler wraps base so that each record whose context carries them
// gets requestId, traceId and clientId at its top level.
func NewHandler(base slog.Handler) slog.Handler {
	return handler{base: base}
}

// handler remembers the With calls made on it, so the request's ids can
// be added ahead of any group when a record is handled.
type handler struct {
	base slog.Handler
	with []func(slog.Handler) slog.Handler
}

func (h handler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.base.Enabled(ctx, level)
}

func (h handler) Handle(ctx context.Context, r slog.Record) error {
	var ids []slog.Attr
	if lc, ok := lambdacontext.FromContext(ctx); ok && lc.AwsRequestID != "" {
		ids = append(ids, slog.String("requestId", lc.AwsRequestID))
	}
	if id := traceID(ctx); id != "" {
		ids = append(ids, slog.String("traceId", id))
	}
	if id := clientID(ctx); id != "" {
		ids = append(ids, slog.String("clientId", id))
	}
	out := h.base
	if len(ids) > 0 {
		out = out.WithAttrs(ids)
	}
	for _, w := range h.with {
		out = w(out)
	}
	return out.Handle(ctx, r)
}

func (h handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return h.and(func(n slog.Handler) slog.Handler { return n.WithAttrs(attrs) })
}

func (h handler) WithGroup(name string) slog.Handler {
	return h.and(func(n slog.Handler) slog.Handler { return n.WithGroup(name) })
}

func (h handler) and(w func(slog.Handler) slog.Handler) slog.Handler {
	return handler{base: h.base, with: append(slices.Clip(h.with), w)}
}

// lambdaTraceKey is the context key aws-lambda-go stores the invocation's
// X-Amzn-Trace-Id header under (a plain string, its choice).
const lambdaTraceKey = "x-amzn-trace-id"

// traceID returns the X-Ray trace id (Root=1-...) of the invocation.
func traceID(ctx context.Context) string {
	header, _ := ctx.Value(lambdaTraceKey).(string)
	for _, part := range strings.Split(header, ";") {
		if root, ok := strings.CutPrefix(part, "Root="); ok {
			return root
		}
	}
	return ""
}

type scopeKey struct{}

// scope holds what is learnt about a request while it is served: the
// client id is known only once its token is verified, deep inside the
// handler chain, but the request's summary line is logged outside it.
type scope struct {
	mu       sync.Mutex
	clientID string
}

// WithScope returns a context whose log lines will carry what SetClientID
// records later, in this context or any derived from it.
func WithScope(ctx context.Context) context.Context {
	return context.WithValue(ctx, scopeKey{}, &scope{})
}

// SetClientID records the caller's client for the lines logged in ctx's
// scope.
func SetClientID(ctx context.Context, id string) {
	if s, ok := ctx.Value(scopeKey{}).(*scope); ok {
		s.mu.Lock()
		s.clientID = id
		s.mu.Unlock()
	}
}

func clientID(ctx context.Context) string {
	s, ok := ctx.Value(scopeKey{}).(*scope)
	if !ok {
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clientID
}
