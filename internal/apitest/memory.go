//go:build !integration

package apitest

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/parcelgate/parcelgate/internal/app"
	"github.com/parcelgate/parcelgate/internal/devstack"
	"github.com/parcelgate/parcelgate/internal/httpapi"
	"github.com/parcelgate/parcelgate/internal/mail"
	"github.com/parcelgate/parcelgate/internal/memory"
	"github.com/parcelgate/parcelgate/internal/queue/memqueue"
	"github.com/parcelgate/parcelgate/internal/quota"
	"github.com/parcelgate/parcelgate/internal/samtemplate"
)

// backend is what an Env on memory has besides the API: its stores, its
// in-process queues and the mailbox of its mailer.
type backend struct {
	Stores *memory.Backend
	queues *memqueue.Broker
	mailer *mail.Memory
}

// Options adjust an Env; the zero value is what most tests want.
type Options struct {
	// Deadline is passed to app.New.
	Deadline time.Duration
	// Observe is told of every answer of a route, as the deadline
	// wrapper measured it.
	Observe func(httpapi.Answered)
	// Quota is the per-IP quota; the zero value is none, so that tests,
	// all from one address, are not throttled.
	Quota quota.Policy
	// Logs, when set, gets the app's log lines as it logs them deployed
	// (JSON, from Info up) instead of only warnings to stderr: a cost
	// measurement counts their bytes.
	Logs io.Writer
}

// RetryDelay is how soon the in-process queues redeliver a failed
// message: short, the handlers finish before their batch is settled.
const RetryDelay = 50 * time.Millisecond

// start builds the memory backend with in-process queues at the URLs
// the configuration names.
func (e *Env) start(t testing.TB, tmpl *samtemplate.Template, _ Options) (app.Backend, app.Options, *devstack.Resources, func(context.Context, []devstack.Consumer) func()) {
	t.Helper()
	broker, err := memqueue.New(tmpl, memqueue.Options{RetryDelay: RetryDelay, Logger: quietLogger})
	if err != nil {
		t.Fatal(err)
	}
	e.Stores, e.queues, e.mailer = memory.NewBackend(), broker, &mail.Memory{}
	e.Config.JobsQueueURL = memqueue.URL("JobsQueue")
	e.Config.WebhookQueueURL = memqueue.URL("WebhookQueue")
	e.Config.TaskQueueURL = memqueue.URL("TaskQueue")
	e.Config.ReportQueueURL = memqueue.URL("ReportQueue")
	run := func(ctx context.Context, consumers []devstack.Consumer) func() {
		wait, err := broker.Run(ctx, consumers)
		if err != nil {
			t.Fatal(err)
		}
		return wait
	}
	return app.MemoryBackend(e.Stores, broker, e.Config, e.mailer), app.Options{}, broker.Resources(), run
}

// send puts body on the queue at queueURL and returns the message's id.
func (e *Env) send(ctx context.Context, queueURL, body string) (string, error) {
	out, err := e.queues.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &queueURL, MessageBody: &body})
	if err != nil {
		return "", err
	}
	return *out.MessageId, nil
}

// busyQueue names a queue holding a message, or is "" if none does.
func (e *Env) busyQueue() (string, error) { return e.queues.Busy(), nil }

// pause waits until a queue changes, or a little.
func (e *Env) pause() {
	select {
	case <-e.queues.Changed():
	case <-time.After(20 * time.Millisecond):
	}
}

// MailsTo returns the mail sent to address, read from the mailbox of the
// memory backend's mailer.
func (e *Env) MailsTo(t testing.TB, address string) []mail.Sent {
	t.Helper()
	var out []mail.Sent
	for _, m := range e.mailer.Sent() {
		for _, to := range m.To {
			if to == address {
				out = append(out, m)
			}
		}
	}
	return out
}
