package app

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
	"github.com/google/uuid"

	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/awsclient"
	"github.com/parcelgate/parcelgate/internal/data"
	"github.com/parcelgate/parcelgate/internal/dynamo"
	"github.com/parcelgate/parcelgate/internal/httpapi"
	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/logging"
	"github.com/parcelgate/parcelgate/internal/message"
	"github.com/parcelgate/parcelgate/internal/project"
	"github.com/parcelgate/parcelgate/internal/queue"
	"github.com/parcelgate/parcelgate/internal/sweep"
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
	// AWS adjusts the SDK clients (tests of a frozen store).
	AWS awsclient.Options
	// Deadline overrides the API's per-request deadline (tests).
	Deadline time.Duration
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
	Logger  *slog.Logger
}

// New builds the application from the configuration.
func New(ctx context.Context, cfg Config, awsCfg aws.Config, opts Options) (*App, error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	logger := opts.Logger
	if logger == nil {
		logger = NewLogger()
	}
	store := &dynamo.Store{Client: awsclient.DynamoDB(awsCfg, opts.AWS, localDynamoDB, dynamo.CountRequests), Table: cfg.Table, TransactItems: cfg.TransactItems}
	jwks, err := cfg.keySet()
	if err != nil {
		return nil, err
	}
	verifier, err := auth.NewVerifier(jwks, cfg.Issuer, cfg.Audience, now)
	if err != nil {
		return nil, err
	}
	projects := project.Service{Store: store, Now: now, NewID: newID}
	q := queue.SQS{Client: awsclient.SQS(awsCfg, opts.AWS), QueueURL: cfg.JobsQueueURL}
	jobs := job.Service{Store: store, Projects: projects, Now: now, NewID: newID, Queue: q}
	records := data.Service{Store: store, Projects: projects, Catalog: data.DefaultCatalog, Now: now, NewID: newID, Imports: store, ImportQueue: q}
	messages := message.Service{Store: store, Tracking: store, Queue: q, Now: now, NewID: newID, Shipments: records}
	targets := webhook.Targets{AllowLoopback: cfg.WebhookAllowLoopback}
	webhookQueue := queue.Webhooks{Client: awsclient.SQS(awsCfg, opts.AWS), QueueURL: cfg.WebhookQueueURL}
	webhooks := webhook.Service{Store: store, Queue: webhookQueue, Jobs: store, Projects: projects, Targets: targets, Now: now, NewID: newID}
	sender := webhook.Sender{Store: store, Queue: webhookQueue, Client: targets.Client(), Schedule: cfg.WebhookRetrySchedule, Now: now, Logger: logger}
	w := &worker.Worker{Jobs: jobs, Logger: logger}
	if cfg.WebhookQueueURL != "" {
		messages.Webhooks = webhooks
		w.JobEvents = webhooks
	}
	w.Messages = messages
	w.Imports = records
	api := &httpapi.API{
		Credentials: auth.Credentials{Store: store, Now: now},
		JWKS:        jwks,
		Verifier:    verifier,
		Projects:    projects,
		Jobs:        jobs,
		Messages:    messages,
		Tracking:    tracking.Service{Store: store},
		Tracker:     tracker.Service{Store: store, Now: now},
		Data:        records,
		Webhooks:    webhooks,
		Logger:      logger,
		Deadline:    opts.Deadline,
	}
	if opts.Sign {
		if api.Issuer, err = cfg.signingKey(ctx, awsCfg, now); err != nil {
			return nil, err
		}
	}
	return &App{
		API:     api,
		Worker:  w,
		Sweeper: sweep.Service{Store: store, Queue: q, Jobs: jobs, Messages: messages, Imports: sweep.FailFunc(records.FailImport), Now: now, Logger: logger},
		Sender:  sender,
		Logger:  logger,
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

// StartQueueFunction is the whole main of a queue Lambda: "processor"
// runs the jobs queue, "dead-letter" its dead-letter queue.
func StartQueueFunction(function string) {
	a, logger := coldStart(function)
	handler, ok := a.QueueHandlers()[function]
	if !ok {
		logger.Error("no queue handler", "function", function)
		os.Exit(1)
	}
	lambda.Start(handler)
}

// coldStart builds the application of a queue or scheduled Lambda from
// its environment, or ends the process: a function that cannot start
// must fail at cold start, not inside a handler.
func coldStart(function string) (*App, *slog.Logger) {
	logger := NewLogger()
	slog.SetDefault(logger)
	ctx := context.Background()
	a, err := func() (*App, error) {
		cfg, err := ConfigFromEnv()
		if err != nil {
			return nil, err
		}
		awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, err
		}
		return New(ctx, cfg, awsCfg, Options{Logger: logger})
	}()
	if err != nil {
		logger.Error("cold start failed", "function", function, "error", err.Error())
		os.Exit(1)
	}
	return a, logger
}

// QueueHandler handles one SQS batch, as Lambda's event source delivers it.
type QueueHandler = func(context.Context, events.SQSEvent) (events.SQSEventResponse, error)

// QueueHandlers maps each queue function (its folder under functions/) to
// its handler; the dev server polls the queues template.yaml connects them to.
func (a *App) QueueHandlers() map[string]QueueHandler {
	return map[string]QueueHandler{
		"processor":      a.Worker.Process,
		"dead-letter":    a.Worker.DeadLetters,
		"webhook-sender": a.sendWebhooks,
	}
}

// ScheduledHandler handles one scheduled EventBridge event.
type ScheduledHandler = func(context.Context, events.EventBridgeEvent) error

// ScheduledHandlers maps each scheduled function (its folder under
// functions/) to its handler; the dev server runs them on the schedules
// template.yaml gives them.
func (a *App) ScheduledHandlers() map[string]ScheduledHandler {
	return map[string]ScheduledHandler{"sweeper": a.sweep}
}

// sweep runs one sweep. Work it could not handle is found again by the
// next run; the error marks the invocation failed, for the alarms.
func (a *App) sweep(ctx context.Context, _ events.EventBridgeEvent) error {
	rep, err := a.Sweeper.Sweep(ctx)
	if rep != (sweep.Report{}) {
		a.Sweeper.Logger.InfoContext(ctx, "swept", "requeued", rep.Requeued, "failed", rep.Failed)
	}
	return err
}

// StartScheduledFunction is the whole main of a scheduled Lambda.
func StartScheduledFunction(function string) {
	a, logger := coldStart(function)
	handler, ok := a.ScheduledHandlers()[function]
	if !ok {
		logger.Error("no scheduled handler", "function", function)
		os.Exit(1)
	}
	lambda.Start(handler)
}

// StartAPIFunction is the whole main of an API Lambda: configuration is
// read and checked once per cold start, then requests are served.
func StartAPIFunction(function string, sign bool) {
	logger := NewLogger()
	slog.SetDefault(logger)
	ctx := context.Background()
	h, err := func() (http.Handler, error) {
		cfg, err := ConfigFromEnv()
		if err != nil {
			return nil, err
		}
		awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, err
		}
		a, err := New(ctx, cfg, awsCfg, Options{Logger: logger, Sign: sign})
		if err != nil {
			return nil, err
		}
		return a.API.Handler(function)
	}()
	if err != nil {
		logger.Error("cold start failed", "function", function, "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(APIGatewayHandler(h))
}

// APIGatewayHandler serves h to API Gateway's proxy events.
func APIGatewayHandler(h http.Handler) func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	return httpadapter.New(withBasePath(h)).ProxyWithContext
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
