package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/parcelgate/parcelgate/internal/account"
	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/awsclient"
	"github.com/parcelgate/parcelgate/internal/data"
	"github.com/parcelgate/parcelgate/internal/dynamo"
	"github.com/parcelgate/parcelgate/internal/edd"
	"github.com/parcelgate/parcelgate/internal/httpapi"
	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/message"
	"github.com/parcelgate/parcelgate/internal/outbox"
	"github.com/parcelgate/parcelgate/internal/project"
	"github.com/parcelgate/parcelgate/internal/queue"
	"github.com/parcelgate/parcelgate/internal/sweep"
	"github.com/parcelgate/parcelgate/internal/task"
	"github.com/parcelgate/parcelgate/internal/tracking"
	"github.com/parcelgate/parcelgate/internal/webhook"
)

// Function is the cold start of one Lambda. Its main asks it for the
// parts that Lambda needs, then for Serve…: each part reads the settings
// it needs, and a setting missing or malformed ends the process with one
// log line ("cold start failed", the function, the variable) before the
// first event. A function that cannot work must not start.
type Function struct {
	Name   string
	Logger *slog.Logger
	Now    func() time.Time

	cfg Config
	aws *aws.Config
	// exit ends the process (os.Exit); tests stop at the failure instead.
	exit func(code int)
}

// Begin starts the cold start of the function in functions/<name>,
// reading its configuration from the environment.
func Begin(name string) *Function {
	logger := NewLogger()
	slog.SetDefault(logger)
	return begin(name, os.Getenv, logger, os.Exit)
}

func begin(name string, getenv func(string) string, logger *slog.Logger, exit func(int)) *Function {
	f := &Function{Name: name, Logger: logger, Now: time.Now, exit: exit}
	cfg, err := ReadConfig(getenv)
	f.check(err)
	f.cfg = cfg
	return f
}

// check ends the cold start when err is set.
func (f *Function) check(err error) {
	if err != nil {
		f.Logger.Error("cold start failed", "function", f.Name, "error", err.Error())
		f.exit(1)
	}
}

func (f *Function) require(value, name, what string) string {
	if value == "" {
		f.check(fmt.Errorf("%s is not set: %s", name, what))
	}
	return value
}

// AWS is the SDK configuration, loaded once.
func (f *Function) AWS() aws.Config {
	if f.aws == nil {
		cfg, err := awsconfig.LoadDefaultConfig(context.Background())
		f.check(err)
		f.aws = &cfg
	}
	return *f.aws
}

// Store is the DynamoDB table.
func (f *Function) Store() *dynamo.Store {
	f.require(f.cfg.Table, EnvTable, "the DynamoDB table's name")
	return newStore(f.AWS(), awsclient.Options{}, f.cfg)
}

// JobsQueue is the queue of job and message tasks.
func (f *Function) JobsQueue() queue.SQS {
	return queue.SQS{Client: awsclient.SQS(f.AWS(), awsclient.Options{}), QueueURL: f.require(f.cfg.JobsQueueURL, EnvJobsQueueURL, "the jobs queue's URL")}
}

// WebhookQueue is the queue of webhook deliveries.
func (f *Function) WebhookQueue() queue.Webhooks {
	return queue.Webhooks{Client: awsclient.SQS(f.AWS(), awsclient.Options{}), QueueURL: f.require(f.cfg.WebhookQueueURL, EnvWebhookQueueURL, "the webhook queue's URL")}
}

// ReportQueue is the queue of the report outbox.
func (f *Function) ReportQueue() queue.Reports {
	return queue.Reports{Client: awsclient.SQS(f.AWS(), awsclient.Options{}), QueueURL: f.require(f.cfg.ReportQueueURL, EnvReportQueueURL, "the report queue's URL")}
}

// TaskQueue is the queue of processing tasks (weavy-compatible).
func (f *Function) TaskQueue() queue.Tasks {
	return queue.Tasks{Client: awsclient.SQS(f.AWS(), awsclient.Options{}), QueueURL: f.require(f.cfg.TaskQueueURL, EnvTaskQueueURL, "the task queue's URL")}
}

// JWKS are the keys that verify access tokens.
func (f *Function) JWKS() auth.JWKS {
	jwks, err := f.cfg.keySet()
	f.check(err)
	return jwks
}

// Verifier checks the access tokens of protected routes.
func (f *Function) Verifier() *auth.Verifier {
	f.require(f.cfg.Issuer, EnvIssuer, "the issuer of access tokens")
	v, err := auth.NewVerifier(f.JWKS(), f.cfg.Issuer, f.cfg.Audience, f.Now)
	f.check(err)
	return v
}

// Revocations refuses the tokens of credentials no longer live, reading
// them from store at most once per credential and auth.RevocationBound.
func (f *Function) Revocations(store *dynamo.Store) *auth.Revocations {
	return &auth.Revocations{Store: store, Now: f.Now}
}

// Issuer signs access tokens with the private key: the environment's, or
// the SSM parameter's that read reads (in AWS).
func (f *Function) Issuer(read ReadParameter) *auth.Issuer {
	iss, err := f.cfg.signingKey(context.Background(), read, f.Now)
	f.check(err)
	return iss
}

// Projects is the project service.
func (f *Function) Projects(store *dynamo.Store) project.Service {
	return newProjects(store, f.Now)
}

// Jobs is the job service; q may be nil for a function that never queues
// a job (reads, processing).
func (f *Function) Jobs(store *dynamo.Store, projects project.Service, q job.Queue) job.Service {
	return newJobs(store, projects, q, f.Now)
}

// Records is the data exchange's record service; q is nil for a
// function that never starts or continues an import.
func (f *Function) Records(store *dynamo.Store, projects project.Service, q data.ImportQueue) data.Service {
	return newRecords(store, projects, q, f.Now)
}

// Messages is the message service; q may be nil for a function that
// never queues a request, shipments nil for one that never applies one.
func (f *Function) Messages(store *dynamo.Store, q message.Queue, shipments message.ShipmentRecords) message.Service {
	return newMessages(store, q, shipments, f.Now)
}

// Webhooks is the webhook service, delivering to public addresses only.
func (f *Function) Webhooks(store *dynamo.Store, projects project.Service, q queue.Webhooks) webhook.Service {
	return newWebhooks(store, projects, q, webhook.Targets{}, f.Now)
}

// Accounts is the service of a project's accounts and licences.
func (f *Function) Accounts(store *dynamo.Store, projects project.Service) account.Service {
	return newAccounts(store, projects, f.Now)
}

// Tasks queues and runs a project's processing tasks.
func (f *Function) Tasks(store *dynamo.Store, q queue.Tasks, projects project.Service, records data.Service) task.Service {
	return newTasks(store, q, projects, records, f.Now, f.Logger)
}

// Outbox takes report outbox requests.
func (f *Function) Outbox(store *dynamo.Store, q queue.Reports, records data.Service) outbox.Service {
	return newOutbox(store, q, records, f.Now)
}

// Reports generates the outbox's reports and mails them with SES from
// the configured sender address.
func (f *Function) Reports(store *dynamo.Store, records data.Service, mailer outbox.Mailer) outbox.Worker {
	from := f.require(f.cfg.ReportSender, EnvReportSender, "the address report mails are sent from")
	return newReports(store, records, tracking.Service{Store: store}, mailer, from, f.Now, f.Logger)
}

// Sender delivers webhook events to public addresses, retrying on
// webhook.DefaultSchedule.
func (f *Function) Sender(store *dynamo.Store, q queue.Webhooks) webhook.Sender {
	return newSender(store, q, webhook.Targets{}, nil, f.Now, f.Logger)
}

// ServeAPI serves the function's routes to API Gateway.
func (f *Function) ServeAPI(api *httpapi.API) {
	if api.Logger == nil {
		api.Logger = f.Logger
	}
	h, err := api.Handler(f.Name)
	f.check(err)
	lambda.Start(APIGatewayHandler(h))
}

// ServeQueue handles the batches of the function's SQS event source.
func (f *Function) ServeQueue(h QueueHandler) { lambda.Start(h) }

// ServeSchedule handles the function's scheduled events.
func (f *Function) ServeSchedule(h ScheduledHandler) { lambda.Start(h) }

// The parts, built the same way for a Function and for New.

func newStore(awsCfg aws.Config, o awsclient.Options, cfg Config) *dynamo.Store {
	return &dynamo.Store{Client: awsclient.DynamoDB(awsCfg, o, localDynamoDB, dynamo.CountRequests), Table: cfg.Table, TransactItems: cfg.TransactItems}
}

func newProjects(store *dynamo.Store, now func() time.Time) project.Service {
	return project.Service{Store: store, Now: now, NewID: newID}
}

func newJobs(store *dynamo.Store, projects project.Service, q job.Queue, now func() time.Time) job.Service {
	return job.Service{Store: store, Projects: projects, Now: now, NewID: newID, Queue: q, Tags: store}
}

// newRecords is the record service; q (the jobs queue) runs the imports
// that cannot finish within a request, and may be nil where none is
// started or continued.
func newRecords(store *dynamo.Store, projects project.Service, q data.ImportQueue, now func() time.Time) data.Service {
	return data.Service{Store: store, Projects: projects, Catalog: data.DefaultCatalog, Now: now, NewID: newID, Imports: store, ImportQueue: q}
}

func newMessages(store *dynamo.Store, q message.Queue, shipments message.ShipmentRecords, now func() time.Time) message.Service {
	return message.Service{Store: store, Tracking: store, Queue: q, Now: now, NewID: newID, Shipments: shipments, Unmapped: store, Associations: store,
		Deliveries: newEdd(store), Estimates: newEstimator(store, now),
		CarrierDates: newEdd(store).Store}
}

func newWebhooks(store *dynamo.Store, projects project.Service, q queue.Webhooks, targets webhook.Targets, now func() time.Time) webhook.Service {
	return webhook.Service{Store: store, Expiry: store, Queue: q, Jobs: store, Projects: projects, Targets: targets, Now: now, NewID: newID}
}

// newSender is the webhook sender; schedule nil is webhook.DefaultSchedule.
func newSender(store *dynamo.Store, q queue.Webhooks, targets webhook.Targets, schedule []time.Duration, now func() time.Time, logger *slog.Logger) webhook.Sender {
	return webhook.Sender{Store: store, Queue: q, Client: targets.Client(), Schedule: schedule, Now: now, Logger: logger}
}

func newSweeper(store *dynamo.Store, q sweep.Queue, jobs job.Service, messages message.Service, records data.Service, tasks task.Service, now func() time.Time, logger *slog.Logger) sweep.Service {
	return sweep.Service{Store: store, Queue: q, Jobs: jobs, Messages: messages, Imports: sweep.FailFunc(records.FailImport),
		TaskQueue: tasks.Queue, Tasks: tasks, Now: now, Logger: logger}
}

func newOutbox(store *dynamo.Store, q queue.Reports, records data.Service, now func() time.Time) outbox.Service {
	return outbox.Service{Store: store, Queue: q, Records: records, Catalog: data.DefaultCatalog, Now: now, NewID: newID}
}

func newReports(store *dynamo.Store, records data.Service, tr tracking.Service, mailer outbox.Mailer, from string, now func() time.Time, logger *slog.Logger) outbox.Worker {
	return outbox.Worker{Store: store, Records: records, Catalog: data.DefaultCatalog, Tracking: tr, Mailer: mailer, From: from, Now: now, NewID: newID, Logger: logger}
}

func newAccounts(store *dynamo.Store, projects project.Service, now func() time.Time) account.Service {
	return account.Service{Store: store, Projects: projects, Catalog: data.DefaultCatalog, Now: now}
}

func newTasks(store *dynamo.Store, q queue.Tasks, projects project.Service, records data.Service, now func() time.Time, logger *slog.Logger) task.Service {
	shipments, _ := data.DefaultCatalog.Entity("shipment")
	return task.Service{
		Store: store, Queue: q, Projects: projects,
		Runners: task.Runners(shipments, store, store, store, records, now), Now: now, NewID: newID, Logger: logger,
	}
}

// Estimator estimates deliveries for readers of tracking resources.
func (f *Function) Estimator(store *dynamo.Store) edd.Estimator {
	return newEstimator(store, f.Now)
}

func newEstimator(store *dynamo.Store, now func() time.Time) edd.Estimator {
	return edd.Estimator{Service: newEdd(store), Subscribers: store, Now: now}
}

// newEdd learns and estimates delivery times from the table's delivery
// aggregates.
func newEdd(store *dynamo.Store) edd.Service {
	return edd.Service{Store: &dynamo.EddStore{Client: store.Client, Table: store.Table}, Resources: tracking.Service{Store: store}}
}
