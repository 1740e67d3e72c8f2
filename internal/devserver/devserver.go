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
	"os"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/parcelgate/parcelgate/internal/app"
	"github.com/parcelgate/parcelgate/internal/devstack"
	"github.com/parcelgate/parcelgate/internal/httpapi"
	"github.com/parcelgate/parcelgate/internal/quota"
	"github.com/parcelgate/parcelgate/internal/samtemplate"
)

// Handler serves every API route, the OpenAPI document included, under
// the per-IP quota q, as the WAF web ACL does in AWS (quota.Policy{} for
// none).
func Handler(a *app.App, q quota.Policy) (http.Handler, error) {
	h, err := a.API.Handler()
	if err != nil {
		return nil, err
	}
	if q.Enabled() {
		h = quota.NewLimiter(q, nil).Middleware(h)
	}
	return arrived(h), nil
}

// arrived dates each request as the server received it, before anything
// else ran: the request's deadline counts from then, as in AWS it counts
// from API Gateway's arrival.
func arrived(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(httpapi.WithArrival(r.Context(), time.Now())))
	})
}

// EnvQuota is the dev server's per-IP quota: requests/window (default
// quota.Default) or "off".
const EnvQuota = "PARCELGATE_IP_QUOTA"

// QuotaFromEnv reads EnvQuota.
func QuotaFromEnv() (quota.Policy, error) {
	q, err := quota.Parse(os.Getenv(EnvQuota))
	if err != nil {
		return q, fmt.Errorf("%s: %w", EnvQuota, err)
	}
	return q, nil
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
				Concurrency: min(q.MaximumConcurrency, maxLocalConcurrency),
			})
		}
	}
	return out, nil
}

// maxLocalConcurrency bounds the batches of one queue run at once here.
// Lambda starts with five; a function whose template sets ScalingConfig's
// MaximumConcurrency runs that many, up to this, so that what depends on
// batches running side by side (webhook deliveries to a slow receiver
// beside a fast one) behaves here as it does deployed. Functions without
// it keep one poller, the behaviour their tests were written against.
const maxLocalConcurrency = 5

// Poll runs the consumers until ctx ends, each with Concurrency pollers
// (at least one); the returned wait blocks until they have stopped.
func Poll(ctx context.Context, client *sqs.Client, consumers []devstack.Consumer, logger *slog.Logger, opts devstack.PollOptions) (wait func()) {
	var wg sync.WaitGroup
	for _, c := range consumers {
		copts := opts
		copts.Reach = &devstack.Reachability{} // one report per queue, not per poller
		if c.Concurrency > 1 {
			// Another poller would receive a message whose short
			// visibility ran out while a handler still runs it: the
			// queue's own timeout (sized for the function) applies.
			copts.RetryDelay = 0
		}
		for range max(c.Concurrency, 1) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := devstack.Poll(ctx, client, c, logger, copts); err != nil && ctx.Err() == nil {
					logger.Error("poller stopped", "consumer", c.Name, "error", err.Error())
				}
			}()
		}
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

// LocalSettings are the values that point a function at the local stack.
type LocalSettings struct {
	Table, JobsQueueURL       string
	WebhookQueueURL           string
	TaskQueueURL              string
	DynamoDBURL, SQSURL       string
	Issuer, Audience          string
	PublicJWKS, PrivateKeyPEM string
	// Report outbox: its queue, the sender address and the SES emulator.
	ReportQueueURL, ReportSender, SESURL string
}

// SAMEnv is an env-vars file for `sam local invoke --env-vars`: for every
// function of tmpl, each variable it declares, set for the local stack.
// SAM ignores variables a function does not declare, so a variable of the
// template this does not know is an error rather than a silent gap.
func SAMEnv(tmpl *samtemplate.Template, s LocalSettings) (map[string]map[string]string, error) {
	values := map[string]string{
		"PARCELGATE_TABLE":                     s.Table,
		"PARCELGATE_JOBS_QUEUE_URL":            s.JobsQueueURL,
		"PARCELGATE_WEBHOOK_QUEUE_URL":         s.WebhookQueueURL,
		"PARCELGATE_TASK_QUEUE_URL":            s.TaskQueueURL,
		"PARCELGATE_JWT_ISSUER":                s.Issuer,
		"PARCELGATE_JWT_AUDIENCE":              s.Audience,
		"PARCELGATE_JWT_PUBLIC_JWKS":           s.PublicJWKS,
		"PARCELGATE_JWT_PRIVATE_KEY":           s.PrivateKeyPEM,
		"PARCELGATE_JWT_PRIVATE_KEY_PARAMETER": "", // the key itself is given
		"AWS_ENDPOINT_URL_DYNAMODB":            s.DynamoDBURL,
		"AWS_ENDPOINT_URL_SQS":                 s.SQSURL,
		"PARCELGATE_REPORT_QUEUE_URL":          s.ReportQueueURL,
		"PARCELGATE_REPORT_SENDER":             s.ReportSender,
		"AWS_ENDPOINT_URL_SESV2":               s.SESURL,
	}
	out := map[string]map[string]string{}
	for _, f := range tmpl.Functions() {
		env := map[string]string{}
		for _, name := range f.Environment {
			v, ok := values[name]
			if !ok {
				return nil, fmt.Errorf("%s declares %s, which the local env-vars file does not know: add it to devserver.SAMEnv", f.LogicalID, name)
			}
			env[name] = v
		}
		out[f.LogicalID] = env
	}
	return out, nil
}
