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
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/parcelgate/parcelgate/internal/account"
	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/awsclient"
	"github.com/parcelgate/parcelgate/internal/data"
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
	sqs *sqs.Client
	// exit ends the process (os.Exit); tests stop at the failure instead.
	exit func(code int)
	// memberships is the process's one memory of memberships, so that a
	// change any of its services makes is forgotten by all of them.
	memberships project.Memberships
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

// sqsClient is the client of every queue the function sends to, built once:
// each client builds its own HTTP transport and middleware stack, which a
// function sending to two queues would otherwise pay twice at cold start.
func (f *Function) sqsClient() *sqs.Client {
	if f.sqs == nil {
		f.sqs = awsclient.SQS(f.AWS(), awsclient.Options{})
	}
	return f.sqs
}

// Backend is the DynamoDB table behind every port. Its queues are the
// ones the configuration names; a function asks for those it sends to
// (JobsQueue, …), which checks that they are set.
func (f *Function) Backend() Backend {
	f.require(f.cfg.Table, EnvTable, "the DynamoDB table's name")
	return dynamoBackend(f.AWS(), awsclient.Options{}, f.cfg, f.sqsClient())
}

// JobsQueue is the queue of job and message tasks.
func (f *Function) JobsQueue() queue.SQS {
	return queue.SQS{Client: f.sqsClient(), QueueURL: f.require(f.cfg.JobsQueueURL, EnvJobsQueueURL, "the jobs queue's URL")}
}

// WebhookQueue is the queue of webhook deliveries.
func (f *Function) WebhookQueue() queue.Webhooks {
	return queue.Webhooks{Client: f.sqsClient(), QueueURL: f.require(f.cfg.WebhookQueueURL, EnvWebhookQueueURL, "the webhook queue's URL")}
}

// ReportQueue is the queue of the report outbox.
func (f *Function) ReportQueue() queue.Reports {
	return queue.Reports{Client: f.sqsClient(), QueueURL: f.require(f.cfg.ReportQueueURL, EnvReportQueueURL, "the report queue's URL")}
}

// TaskQueue is the queue of processing tasks (weavy-compatible).
func (f *Function) TaskQueue() queue.Tasks {
	return queue.Tasks{Client: f.sqsClient(), QueueURL: f.require(f.cfg.TaskQueueURL, EnvTaskQueueURL, "the task queue's URL")}
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
func (f *Function) Revocations(b Backend) *auth.Revocations {
	return &auth.Revocations{Store: b.Principals, Now: f.Now}
}

// Issuer signs access tokens with the private key: the environment's, or
// the SSM parameter's that read reads (in AWS).
func (f *Function) Issuer(read ReadParameter) *auth.Issuer {
	iss, err := f.cfg.signingKey(context.Background(), read, f.Now)
	f.check(err)
	return iss
}

// Projects is the project service, keeping the memberships it read for
// project.MembershipBound.
func (f *Function) Projects(b Backend) project.Service {
	return newProjects(b, &f.memberships, f.Now)
}

// Jobs is the job service; q may be nil for a function that never queues
// a job (reads, processing).
func (f *Function) Jobs(b Backend, projects project.Service, q job.Queue) job.Service {
	return newJobs(b, projects, q, f.Now)
}

// Records is the data exchange's record service; q is nil for a
// function that never starts or continues an import.
func (f *Function) Records(b Backend, projects project.Service, q data.ImportQueue) data.Service {
	return newRecords(b, projects, q, f.Now)
}

// Messages is the message service; q may be nil for a function that
// never queues a request, shipments nil for one that never applies one.
func (f *Function) Messages(b Backend, q message.Queue, shipments message.ShipmentRecords) message.Service {
	return newMessages(b, q, shipments, f.Now)
}

// Webhooks is the webhook service, delivering to public addresses only.
func (f *Function) Webhooks(b Backend, projects project.Service, q queue.Webhooks) webhook.Service {
	return newWebhooks(b, projects, q, webhook.Targets{}, nil, f.Now)
}

// Accounts is the service of a project's accounts and licences.
func (f *Function) Accounts(b Backend, projects project.Service) account.Service {
	return newAccounts(b, projects, f.Now)
}

// Tasks queues and runs a project's processing tasks.
func (f *Function) Tasks(b Backend, q queue.Tasks, projects project.Service, records data.Service) task.Service {
	return newTasks(b, q, projects, records, f.Now, f.Logger)
}

// Outbox takes report outbox requests.
func (f *Function) Outbox(b Backend, q queue.Reports, records data.Service) outbox.Service {
	return newOutbox(b, q, records, f.Now)
}

// Reports generates the outbox's reports with renderer and mails them
// from the configured sender address.
func (f *Function) Reports(b Backend, records data.Service, renderer outbox.Renderer, mailer outbox.Mailer) outbox.Worker {
	from := f.require(f.cfg.ReportSender, EnvReportSender, "the address report mails are sent from")
	return newReports(b, records, tracking.Service{Store: b.Tracking}, renderer, mailer, from, f.Now, f.Logger)
}

// Sender delivers webhook events to public addresses, retrying on
// webhook.DefaultSchedule; it reads each endpoint at most once per
// webhook.EndpointsFor.
func (f *Function) Sender(b Backend, q queue.Webhooks) webhook.Sender {
	return newSender(b, q, webhook.Targets{}, nil, &webhook.EndpointCache{}, f.Now, f.Logger)
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

func newProjects(b Backend, memberships *project.Memberships, now func() time.Time) project.Service {
	return project.Service{Store: b.Projects, Now: now, NewID: newID, Memberships: memberships}
}

func newJobs(b Backend, projects project.Service, q job.Queue, now func() time.Time) job.Service {
	return job.Service{Store: b.Jobs, Projects: projects, Now: now, NewID: newID, Queue: q, Tags: b.Tags}
}

// newRecords is the record service; q (the jobs queue) runs the imports
// that cannot finish within a request, and may be nil where none is
// started or continued.
func newRecords(b Backend, projects project.Service, q data.ImportQueue, now func() time.Time) data.Service {
	return data.Service{Store: b.Records, Projects: projects, Catalog: data.DefaultCatalog, Now: now, NewID: newID, Imports: b.Imports, ImportQueue: q}
}

func newMessages(b Backend, q message.Queue, shipments message.ShipmentRecords, now func() time.Time) message.Service {
	return message.Service{Store: b.Requests, Tracking: b.Tracking, Queue: q, Now: now, NewID: newID, Shipments: shipments, Unmapped: b.Unmapped, Associations: b.Jobs,
		Deliveries: newEdd(b), Estimates: newEstimator(b, now), CarrierDates: b.Edd}
}

// newWebhooks is the webhook service; endpoints is the memory of the
// sender in the same process, nil where there is none.
func newWebhooks(b Backend, projects project.Service, q webhook.Queue, targets webhook.Targets, endpoints *webhook.EndpointCache, now func() time.Time) webhook.Service {
	return webhook.Service{Store: b.Webhooks, Expiry: b.Expiries, Queue: q, Jobs: b.Jobs, Projects: projects, Targets: targets, Now: now, NewID: newID,
		Listeners: &webhook.Listeners{}, Endpoints: endpoints}
}

// newSender is the webhook sender; schedule nil is webhook.DefaultSchedule.
func newSender(b Backend, q webhook.Queue, targets webhook.Targets, schedule []time.Duration, endpoints *webhook.EndpointCache, now func() time.Time, logger *slog.Logger) webhook.Sender {
	return webhook.Sender{Store: b.Webhooks, Queue: q, Client: targets.Client(), Schedule: schedule, Now: now, Logger: logger, Endpoints: endpoints}
}

func newSweeper(b Backend, q sweep.Queue, jobs job.Service, messages message.Service, records data.Service, tasks task.Service, now func() time.Time, logger *slog.Logger) sweep.Service {
	return sweep.Service{Store: b.Sweep, Queue: q, Jobs: jobs, Messages: messages, Imports: sweep.FailFunc(records.FailImport),
		TaskQueue: tasks.Queue, Tasks: tasks, Now: now, Logger: logger}
}

func newOutbox(b Backend, q outbox.Queue, records data.Service, now func() time.Time) outbox.Service {
	return outbox.Service{Store: b.Outbox, Queue: q, Records: records, Catalog: data.DefaultCatalog, Now: now, NewID: newID}
}

func newReports(b Backend, records data.Service, tr tracking.Service, renderer outbox.Renderer, mailer outbox.Mailer, from string, now func() time.Time, logger *slog.Logger) outbox.Worker {
	return outbox.Worker{Store: b.Outbox, Records: records, Catalog: data.DefaultCatalog, Tracking: tr, Renderer: renderer, Mailer: mailer, From: from, Now: now, NewID: newID, Logger: logger}
}

func newAccounts(b Backend, projects project.Service, now func() time.Time) account.Service {
	return account.Service{Store: b.Accounts, Projects: projects, Catalog: data.DefaultCatalog, Now: now}
}

func newTasks(b Backend, q task.Queue, projects project.Service, records data.Service, now func() time.Time, logger *slog.Logger) task.Service {
	shipments := func() *data.Entity {
		e, _ := data.DefaultCatalog.Entity("shipment")
		return e
	}
	return task.Service{
		Store: b.Tasks, Queue: q, Projects: projects,
		Runners: task.Runners(shipments, b.Records, b.Jobs, b.Tracking, records, now), Now: now, NewID: newID, Logger: logger,
	}
}

// Estimator estimates deliveries for readers of tracking resources.
func (f *Function) Estimator(b Backend) edd.Estimator {
	return newEstimator(b, f.Now)
}

func newEstimator(b Backend, now func() time.Time) edd.Estimator {
	return edd.Estimator{Service: newEdd(b), Now: now}
}

// newEdd learns and estimates delivery times from the backend's delivery
// aggregates.
func newEdd(b Backend) edd.Service {
	return edd.Service{Store: b.Edd, Resources: tracking.Service{Store: b.Tracking}}
}
