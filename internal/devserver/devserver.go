// Package devserver is what `sam local start-api` plus Lambda's SQS event
// sources would be, in one process: every API function's handler on one
// port, the queue functions fed by pollers and the scheduled functions run
// on their schedules, all wired from template.yaml. The dev server and the integration tests both run it.
package devserver

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/parcelgate/parcelgate/internal/app"
	"github.com/parcelgate/parcelgate/internal/devstack"
	"github.com/parcelgate/parcelgate/internal/openapi"
	"github.com/parcelgate/parcelgate/internal/samtemplate"
)

// Handler serves every API route and the OpenAPI document.
func Handler(a *app.App) (http.Handler, error) {
	h, err := a.API.Handler()
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /openapi.yaml", openapi.Handler())
	mux.Handle("/", h)
	return mux, nil
}

// Folder maps a template logical id to its folder under functions/:
// ProcessorFunction → processor, DeadLetterFunction → dead-letter.
func Folder(logicalID string) string {
	name := strings.TrimSuffix(logicalID, "Function")
	var b strings.Builder
	for i, r := range name {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('-')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Consumers pairs every SQS event of the template with the handler of its
// function, on the provisioned queues.
func Consumers(tmpl *samtemplate.Template, res *devstack.Resources, handlers map[string]app.QueueHandler) ([]devstack.Consumer, error) {
	var out []devstack.Consumer
	for _, f := range tmpl.Functions() {
		for _, q := range f.Queues {
			h, ok := handlers[Folder(f.LogicalID)]
			if !ok {
				return nil, fmt.Errorf("%s reads queue %s but has no queue handler", f.LogicalID, q.QueueLogicalID)
			}
			url, ok := res.QueueURLs[q.QueueLogicalID]
			if !ok {
				return nil, fmt.Errorf("%s reads queue %s, which was not provisioned", f.LogicalID, q.QueueLogicalID)
			}
			out = append(out, devstack.Consumer{
				Name: f.LogicalID, QueueURL: url, QueueARN: res.QueueARNs[q.QueueLogicalID],
				BatchSize: q.BatchSize, ReportBatchItemFailures: q.ReportBatchItemFailures, Handler: h,
			})
		}
	}
	return out, nil
}

// Poll runs the consumers until ctx ends; the returned wait blocks until
// they have stopped.
func Poll(ctx context.Context, client *sqs.Client, consumers []devstack.Consumer, logger *slog.Logger, opts devstack.PollOptions) (wait func()) {
	var wg sync.WaitGroup
	for _, c := range consumers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := devstack.Poll(ctx, client, c, logger, opts); err != nil && ctx.Err() == nil {
				logger.Error("poller stopped", "consumer", c.Name, "error", err.Error())
			}
		}()
	}
	return wg.Wait
}

// Timer is a scheduled function with its rate, as EventBridge would run it.
type Timer struct {
	Name    string
	Rate    time.Duration
	Handler app.ScheduledHandler
}

// Timers pairs every Schedule event of the template with the handler of
// its function.
func Timers(tmpl *samtemplate.Template, handlers map[string]app.ScheduledHandler) ([]Timer, error) {
	var out []Timer
	for _, f := range tmpl.Functions() {
		for _, s := range f.Schedules {
			h, ok := handlers[Folder(f.LogicalID)]
			if !ok {
				return nil, fmt.Errorf("%s runs on a schedule but has no scheduled handler", f.LogicalID)
			}
			out = append(out, Timer{Name: f.LogicalID, Rate: s.Rate, Handler: h})
		}
	}
	return out, nil
}

// RunTimers invokes each timer's handler every Rate until ctx ends, with
// an event shaped as EventBridge's scheduled events; the returned wait
// blocks until they have stopped. An invocation that fails is logged.
func RunTimers(ctx context.Context, timers []Timer, logger *slog.Logger) (wait func()) {
	var wg sync.WaitGroup
	for _, t := range timers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tick := time.NewTicker(t.Rate)
			defer tick.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case now := <-tick.C:
					ev := events.EventBridgeEvent{Version: "0", DetailType: "Scheduled Event", Source: "aws.events", Time: now.UTC(), Detail: []byte("{}")}
					if err := t.Handler(ctx, ev); err != nil && ctx.Err() == nil {
						logger.Error("scheduled function failed", "function", t.Name, "error", err.Error())
					}
				}
			}
		}()
	}
	return wg.Wait
}
