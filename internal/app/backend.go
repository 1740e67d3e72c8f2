package app

import (
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/parcelgate/parcelgate/internal/account"
	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/awsclient"
	"github.com/parcelgate/parcelgate/internal/data"
	"github.com/parcelgate/parcelgate/internal/dynamo"
	"github.com/parcelgate/parcelgate/internal/edd"
	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/memory"
	"github.com/parcelgate/parcelgate/internal/message"
	"github.com/parcelgate/parcelgate/internal/outbox"
	"github.com/parcelgate/parcelgate/internal/project"
	"github.com/parcelgate/parcelgate/internal/queue"
	"github.com/parcelgate/parcelgate/internal/request"
	"github.com/parcelgate/parcelgate/internal/sweep"
	"github.com/parcelgate/parcelgate/internal/task"
	"github.com/parcelgate/parcelgate/internal/tracking"
	"github.com/parcelgate/parcelgate/internal/webhook"
)

// Backend is what the services are composed from: one store per port,
// the queues and the mailer. It is chosen once, DynamoDB and SQS
// (DynamoBackend) or memory (MemoryBackend); nothing else in this package
// knows which.
type Backend struct {
	Projects   project.Store
	Principals auth.PrincipalStore
	Jobs       job.Store
	// Tags are the numbers' current tags, which the tracking state holds.
	Tags     job.Tags
	Requests request.Store
	Tracking TrackingStore
	Unmapped message.UnmappedStore
	Records  data.Store
	Imports  data.ImportStore
	Webhooks webhook.Store
	Expiries webhook.ExpiryStore
	Sweep    sweep.Store
	Outbox   outbox.Store
	Accounts account.Store
	Tasks    task.Store
	// Edd is the delivery aggregates and the carriers' dates; Watches
	// the followed parcels' stall and late watches; Outcomes the
	// delivery analytics. A backend without Watches or Outcomes keeps no
	// watches, or answers no analytics.
	Edd      edd.Store
	Watches  edd.WatchStore
	Outcomes edd.OutcomeStore

	// The queues, by the URLs of the configuration: a queue whose URL is
	// not set is one the process never sends to.
	JobsQueue    queue.SQS
	WebhookQueue queue.Webhooks
	ReportQueue  queue.Reports
	TaskQueue    queue.Tasks

	// Mailer sends the report outbox's mail; nil leaves it to
	// Options.Mailer (SES).
	Mailer outbox.Mailer
}

// TrackingStore is a number's shipment, state and events: what the
// tracking reads and the message gateway's writes share.
type TrackingStore interface {
	tracking.Store
	message.Tracking
}

// DynamoBackend is the DynamoDB table of cfg behind every port, and the
// SQS queues of cfg.
func DynamoBackend(awsCfg aws.Config, o awsclient.Options, cfg Config) Backend {
	return dynamoBackend(awsCfg, o, cfg, awsclient.SQS(awsCfg, o))
}

// dynamoBackend is DynamoBackend sending to the queues with sqs.
func dynamoBackend(awsCfg aws.Config, o awsclient.Options, cfg Config, sqs queue.Client) Backend {
	a := dynamo.Open(awsclient.DynamoDB(awsCfg, o, localDynamoDB, dynamo.CountRequests), cfg.Table, dynamo.Options{TransactItems: cfg.TransactItems})
	// One table behind every adapter, so each port sees what the others wrote.
	return Backend{
		Projects: a.Projects, Principals: a.Principals, Jobs: a.Jobs, Tags: a.Tracking, Requests: a.Requests,
		Tracking: a.Tracking, Unmapped: a.Unmapped, Records: a.Records, Imports: a.Imports,
		Webhooks: a.Webhooks, Expiries: a.Expiries, Sweep: a.Sweep, Outbox: a.Outbox, Accounts: a.Accounts, Tasks: a.Tasks,
		Edd: a.Edd, Watches: a.Watches, Outcomes: a.Outcomes,
		JobsQueue:    queue.SQS{Client: sqs, QueueURL: cfg.JobsQueueURL},
		WebhookQueue: queue.Webhooks{Client: sqs, QueueURL: cfg.WebhookQueueURL},
		ReportQueue:  queue.Reports{Client: sqs, QueueURL: cfg.ReportQueueURL},
		TaskQueue:    queue.Tasks{Client: sqs, QueueURL: cfg.TaskQueueURL},
	}
}

// MemoryBackend is the in-memory stores of m behind every port, the
// queues of q (the in-process queues, see memqueue) at the URLs of cfg,
// and mailer.
func MemoryBackend(m *memory.Backend, q queue.Client, cfg Config, mailer outbox.Mailer) Backend {
	return Backend{
		Projects: m.Projects, Principals: m.Principals, Jobs: m.Jobs, Tags: m.Tracking, Requests: m.Requests,
		Tracking: m.Tracking, Unmapped: m.Unmapped, Records: m.Records, Imports: m.Imports,
		Webhooks: m.Webhooks, Expiries: m.Expiries, Sweep: m.Sweep, Outbox: m.Outbox, Accounts: m.Accounts, Tasks: m.Tasks,
		Edd: m.Edd, Watches: m.Watches, Outcomes: m.Outcomes,
		JobsQueue:    queue.SQS{Client: q, QueueURL: cfg.JobsQueueURL},
		WebhookQueue: queue.Webhooks{Client: q, QueueURL: cfg.WebhookQueueURL},
		ReportQueue:  queue.Reports{Client: q, QueueURL: cfg.ReportQueueURL},
		TaskQueue:    queue.Tasks{Client: q, QueueURL: cfg.TaskQueueURL},
		Mailer:       mailer,
	}
}
