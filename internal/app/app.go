package app

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
	"github.com/google/uuid"

	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/dynamo"
	"github.com/parcelgate/parcelgate/internal/httpapi"
	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/message"
	"github.com/parcelgate/parcelgate/internal/project"
	"github.com/parcelgate/parcelgate/internal/queue"
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
}

// NewLogger returns the JSON logger every process uses.
func NewLogger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(os.Stdout, nil))
}

// App is parcelgate wired: the HTTP API, the queue worker and the
// webhook sender.
type App struct {
	API    *httpapi.API
	Worker *worker.Worker
	Sender webhook.Sender
	Logger *slog.Logger
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
	store := &dynamo.Store{Client: dynamodb.NewFromConfig(awsCfg, localDynamoDB), Table: cfg.Table}
	jwks, err := cfg.keySet()
	if err != nil {
		return nil, err
	}
	verifier, err := auth.NewVerifier(jwks, cfg.Issuer, cfg.Audience, now)
	if err != nil {
		return nil, err
	}
	projects := project.Service{Store: store, Now: now, NewID: newID}
	q := queue.SQS{Client: sqs.NewFromConfig(awsCfg), QueueURL: cfg.JobsQueueURL}
	jobs := job.Service{Store: store, Projects: projects, Now: now, NewID: newID, Queue: q}
	messages := message.Service{Store: store, Tracking: store, Queue: q, Now: now, NewID: newID}
	targets := webhook.Targets{AllowLoopback: cfg.WebhookAllowLoopback}
	webhookQueue := queue.Webhooks{Client: sqs.NewFromConfig(awsCfg), QueueURL: cfg.WebhookQueueURL}
	webhooks := webhook.Service{Store: store, Queue: webhookQueue, Jobs: store, Projects: projects, Targets: targets, Now: now, NewID: newID}
	sender := webhook.Sender{Store: store, Queue: webhookQueue, Client: targets.Client(), Schedule: cfg.WebhookRetrySchedule, Now: now, Logger: logger}
	w := &worker.Worker{Jobs: jobs, Messages: messages, Logger: logger}
	if cfg.WebhookQueueURL != "" {
		messages.Webhooks = webhooks
		w.Messages = messages
		w.JobEvents = webhooks
	}
	api := &httpapi.API{
		Credentials: auth.Credentials{Store: store, Now: now},
		JWKS:        jwks,
		Verifier:    verifier,
		Projects:    projects,
		Jobs:        jobs,
		Messages:    messages,
		Tracking:    tracking.Service{Store: store},
		Tracker:     tracker.Service{Store: store, Now: now},
		Webhooks:    webhooks,
		Logger:      logger,
	}
	if opts.Sign {
		if api.Issuer, err = cfg.signingKey(ctx, awsCfg, now); err != nil {
			return nil, err
		}
	}
	return &App{API: api, Worker: w, Sender: sender, Logger: logger}, nil
}

// localDynamoDB skips the CRC32 check of responses when an endpoint other
// than AWS is configured: DynamoDB Local sends a wrong checksum with its
// error responses (a conditional check failing, say), and every one would
// log a warning.
func localDynamoDB(o *dynamodb.Options) {
	if os.Getenv("AWS_ENDPOINT_URL_DYNAMODB") != "" || os.Getenv("AWS_ENDPOINT_URL") != "" {
		o.DisableValidateResponseChecksum = true
	}
}

// newID returns a time-ordered opaque id.
func newID() string { return uuid.Must(uuid.NewV7()).String() }

// StartQueueFunction is the whole main of a queue Lambda: "processor"
// runs the jobs queue, "dead-letter" its dead-letter queue.
func StartQueueFunction(function string) {
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
	handler, ok := a.QueueHandlers()[function]
	if !ok {
		logger.Error("no queue handler", "function", function)
		os.Exit(1)
	}
	lambda.Start(handler)
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
	lambda.Start(httpadapter.New(h).ProxyWithContext)
}
