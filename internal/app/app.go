package app

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
	"github.com/google/uuid"

	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/awsclient"
	"github.com/parcelgate/parcelgate/internal/edd"
	"github.com/parcelgate/parcelgate/internal/httpapi"
	"github.com/parcelgate/parcelgate/internal/logging"
	"github.com/parcelgate/parcelgate/internal/outbox"
	"github.com/parcelgate/parcelgate/internal/project"
	"github.com/parcelgate/parcelgate/internal/sweep"
	"github.com/parcelgate/parcelgate/internal/task"
	"github.com/parcelgate/parcelgate/internal/tracker"
	"github.com/parcelgate/parcelgate/internal/tracking"
	"github.com/parcelgate/parcelgate/internal/webhook"
	"github.com/parcelgate/parcelgate/internal/worker"
)

// Options adjust the wiring; the zero value is production.
type Options struct {
	// Now is the clock; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
	// Sign makes the API able to issue tokens (auth function, dev server).
	Sign bool
	// AWSConfig and AWS make the SES client of Mailer; AWS also adjusts
	// the SDK clients of DynamoBackend (tests of a frozen store).
	AWSConfig aws.Config
	AWS       awsclient.Options
	// Deadline overrides the API's per-request deadline (tests).
	Deadline time.Duration
	// Observe is the API's hook told of every answer (tests).
	Observe func(httpapi.Answered)
	// Mailer makes the report worker's mailer (mail.New): given here, not
	// built by this package, so that only the function that mails links
	// the SES client, whose package init every cold start would pay.
	Mailer func(aws.Config, awsclient.Options) outbox.Mailer
	// Pages renders the public tracking page (trackpage.Pages): given
	// here too, so that only the tracking function links the page's
	// templates (httpapi.Pages says why).
	Pages httpapi.Pages
	// Renderer lays out the report worker's reports (pdf.Renderer), for
	// the same reason: only the report worker links the PDF library.
	Renderer outbox.Renderer
}

// NewLogger returns the JSON logger every process uses: each line of a
// request carries its Lambda request id, trace id and client id.
func NewLogger() *slog.Logger {
	return logging.New(os.Stdout)
}

// App is parcelgate wired: the HTTP API, the queue worker, the sweeper
// and the webhook sender.
type App struct {
	API     *httpapi.API
	Worker  *worker.Worker
	Sweeper sweep.Service
	Sender  webhook.Sender
	// Webhooks, when a webhook queue is configured, also checks for
	// expiring associations on the sweeper's schedule.
	Webhooks *webhook.Service
	// Watches, when a webhook queue is configured and the backend keeps
	// watches, announces stalled and late parcels on the sweeper's
	// schedule.
	Watches *edd.Watcher
	Logger  *slog.Logger
	// Reports generates and mails the report outbox's items.
	Reports outbox.Worker
	// Tasks runs the processing tasks of the task queue.
	Tasks task.Service
}

// New builds the application from the configuration on backend b.
func New(ctx context.Context, cfg Config, b Backend, opts Options) (*App, error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	logger := opts.Logger
	if logger == nil {
		logger = NewLogger()
	}
	jwks, err := cfg.keySet()
	if err != nil {
		return nil, err
	}
	verifier, err := auth.NewVerifier(jwks, cfg.Issuer, cfg.Audience, now)
	if err != nil {
		return nil, err
	}
	// One process: a member removed is refused at once.
	projects := newProjects(b, &project.Memberships{}, now)
	jobs := newJobs(b, projects, b.JobsQueue, now)
	records := newRecords(b, projects, b.JobsQueue, now)
	messages := newMessages(b, b.JobsQueue, records, now)
	targets := webhook.Targets{AllowLoopback: cfg.WebhookAllowLoopback}
	// One process: the sender's memory of endpoints forgets a change the
	// service makes at once.
	endpoints := &webhook.EndpointCache{}
	webhooks := newWebhooks(b, projects, b.WebhookQueue, targets, endpoints, now)
	sender := newSender(b, b.WebhookQueue, targets, cfg.WebhookRetrySchedule, endpoints, now, logger)
	w := &worker.Worker{Jobs: jobs, Logger: logger}
	var expiring *webhook.Service
	// The watches are kept, and the delivery outcomes counted, whenever
	// the backend keeps them; stalls and lateness are announced only where
	// webhooks can be delivered.
	watcher := newWatcher(b, webhooks, now)
	if watcher != nil {
		messages.Watches = watcher
	}
	var announcing *edd.Watcher
	if cfg.WebhookQueueURL != "" {
		messages.Webhooks = webhooks
		w.JobEvents = webhooks
		expiring = &webhooks
		announcing = watcher
	}
	w.Messages = messages
	w.Imports = records
	// Accounts, licences and processing tasks (weavy-compatible).
	accounts := newAccounts(b, projects, now)
	tasks := newTasks(b, b.TaskQueue, projects, records, now, logger)
	api := &httpapi.API{
		Credentials: auth.Credentials{Store: b.Principals, Now: now},
		JWKS:        jwks,
		Verifier:    verifier,
		Revocations: &auth.Revocations{Store: b.Principals, Now: now},
		Projects:    projects,
		Jobs:        jobs,
		Messages:    messages,
		Tracking:    tracking.Service{Store: b.Tracking},
		Pages:       opts.Pages,
		Estimates:   newEstimator(b, now),
		Tracker:     tracker.Service{Store: b.Requests, Now: now},
		Data:        records,
		Webhooks:    webhooks,
		Accounts:    accounts,
		Tasks:       tasks,
		Analytics:   newAnalytics(b, projects),
		Logger:      logger,
		Deadline:    opts.Deadline,
		Observe:     opts.Observe,
	}
	api.Outbox = newOutbox(b, b.ReportQueue, records, now)
	mailer := b.Mailer
	if mailer == nil {
		if opts.Mailer == nil {
			return nil, errors.New("app.New needs a mailer: Backend.Mailer, or Options.Mailer (mail.New) for the report worker")
		}
		mailer = opts.Mailer(opts.AWSConfig, opts.AWS)
	}
	if opts.Renderer == nil {
		return nil, errors.New("app.New needs Options.Renderer (pdf.Renderer) for the report worker")
	}
	reports := newReports(b, records, api.Tracking, opts.Renderer, mailer, cfg.ReportSender, now, logger)
	if opts.Sign {
		if api.Issuer, err = cfg.signingKey(ctx, nil, now); err != nil {
			return nil, err
		}
	}
	return &App{
		API:      api,
		Worker:   w,
		Sweeper:  newSweeper(b, b.JobsQueue, jobs, messages, records, tasks, now, logger),
		Sender:   sender,
		Webhooks: expiring,
		Watches:  announcing,
		Logger:   logger,
		Reports:  reports,
		Tasks:    tasks,
	}, nil
}

// localDynamoDB skips the CRC32 check of responses when an endpoint other
// than AWS is configured: DynamoDB Local sends a wrong checksum with its
// error responses (a conditional check failing, say), and every one would
// log a warning. It also lifts the client's retry quota there: DynamoDB
// Local answers concurrent writes of one item with 500s ("timed out
// waiting for a lock ... will succeed in actual DynamoDB") that would
// drain the quota and fail whole jobs the real service would finish.
func localDynamoDB(o *dynamodb.Options) {
	if os.Getenv("AWS_ENDPOINT_URL_DYNAMODB") != "" || os.Getenv("AWS_ENDPOINT_URL") != "" {
		o.DisableValidateResponseChecksum = true
		o.Retryer = awsclient.Retryer(func(so *retry.StandardOptions) { so.RateLimiter = ratelimit.None })
	}
}

// newID returns a time-ordered opaque id.
func newID() string { return uuid.Must(uuid.NewV7()).String() }

// QueueHandler handles one SQS batch, as Lambda's event source delivers it.
type QueueHandler = func(context.Context, events.SQSEvent) (events.SQSEventResponse, error)

// QueueHandlers maps each queue function (its folder under functions/) to
// its handler; the dev server polls the queues template.yaml connects them to.
func (a *App) QueueHandlers() map[string]QueueHandler {
	return map[string]QueueHandler{
		"processor":      a.Worker.Process,
		"dead-letter":    a.Worker.DeadLetters,
		"webhook-sender": SendWebhooks(a.Sender, a.Logger),
		"report-worker":  RunReports(a.Reports, a.Logger),
		"task-worker":    RunTasks(a.Tasks, a.Logger),
	}
}

// ScheduledHandler handles one scheduled EventBridge event.
type ScheduledHandler = func(context.Context, events.EventBridgeEvent) error

// ScheduledHandlers maps each scheduled function (its folder under
// functions/) to its handler; the dev server runs them on the schedules
// template.yaml gives them.
func (a *App) ScheduledHandlers() map[string]ScheduledHandler {
	return map[string]ScheduledHandler{"sweeper": Sweep(a.Sweeper, a.Webhooks, a.Watches)}
}

// Sweep is the sweeper's handler: one sweep per event, then, when
// expiring is set (a webhook queue is configured), the check for expiring
// associations (the tracking_number.expiring events), and when watches
// is, the check for stalled and late parcels (tracking.stalled,
// tracking.late). All are minute-grained upkeep of the table, so they
// share the schedule and the function rather than add a second one. Work
// any could not handle is found again by the next run; the error marks the invocation failed, for
// the alarms.
func Sweep(s sweep.Service, expiring *webhook.Service, watches *edd.Watcher) ScheduledHandler {
	return func(ctx context.Context, _ events.EventBridgeEvent) error {
		rep, err := s.Sweep(ctx)
		if rep != (sweep.Report{}) {
			s.Logger.InfoContext(ctx, "swept", "requeued", rep.Requeued, "failed", rep.Failed)
		}
		if expiring != nil {
			n, xerr := expiring.CheckExpiring(ctx)
			if n > 0 {
				s.Logger.InfoContext(ctx, "expiring associations announced", "count", n)
			}
			err = errors.Join(err, xerr)
		}
		if watches != nil {
			rep, werr := watches.Check(ctx)
			if rep != (edd.Report{}) {
				s.Logger.InfoContext(ctx, "stalled and late parcels announced", "stalled", rep.Stalled, "late", rep.Late)
			}
			err = errors.Join(err, werr)
		}
		return err
	}
}

// APIGatewayHandler serves h to API Gateway's proxy events.
func APIGatewayHandler(h http.Handler) func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	proxy := httpadapter.New(withBasePath(h)).ProxyWithContext
	return func(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return proxy(httpapi.WithArrival(ctx, arrival(req.RequestContext.RequestTimeEpoch, time.Now())), req)
	}
}

// arrival is when API Gateway received the request (its requestTimeEpoch,
// in milliseconds), so that the request's deadline counts a cold start and
// the gateway's own time, as the gateway's limit does. A stamp that cannot
// be the request's (none, one in the future, one older than the gateway
// would wait: a replayed event, a skewed clock) counts from invoked, the
// invocation's start.
func arrival(epochMillis int64, invoked time.Time) time.Time {
	t := time.UnixMilli(epochMillis)
	if epochMillis <= 0 || t.After(invoked) || invoked.Sub(t) >= httpapi.GatewayLimit {
		return invoked
	}
	return t
}

// withBasePath tells the handlers the path prefix clients use, which
// API Gateway strips from the path a Lambda sees: its request context's
// path is the one the client asked for (/prod/v1/... on execute-api's own
// domain). The header is always replaced, so a client cannot choose the
// links a cached public answer carries.
func withBasePath(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		prefix := ""
		if rc, ok := core.GetAPIGatewayContextFromContext(r.Context()); ok && strings.HasSuffix(rc.Path, r.URL.Path) {
			prefix = strings.TrimSuffix(rc.Path, r.URL.Path)
		}
		r.Header.Set(httpapi.BasePathHeader, prefix)
		h.ServeHTTP(w, r)
	})
}
