//go:build integration

package apitest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/parcelgate/parcelgate/internal/app"
	"github.com/parcelgate/parcelgate/internal/awsclient"
	"github.com/parcelgate/parcelgate/internal/devserver"
	"github.com/parcelgate/parcelgate/internal/devstack"
	"github.com/parcelgate/parcelgate/internal/httpapi"
	"github.com/parcelgate/parcelgate/internal/mail"
	"github.com/parcelgate/parcelgate/internal/outbox"
	"github.com/parcelgate/parcelgate/internal/quota"
	"github.com/parcelgate/parcelgate/internal/samtemplate"
)

// RequireStack fails the whole test binary, loudly, when the local stack
// is not reachable: integration tests never skip. Call it from TestMain.
func RequireStack() {
	for _, v := range []string{"AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SQS"} {
		endpoint := os.Getenv(v)
		if endpoint == "" {
			endpoint = os.Getenv("AWS_ENDPOINT_URL")
		}
		if endpoint == "" {
			fmt.Fprintf(os.Stderr, "integration tests need the local stack: %s is not set; run them with `make test`\n", v)
			os.Exit(1)
		}
		host := endpoint
		if u, err := parseHost(endpoint); err == nil {
			host = u
		}
		conn, err := net.DialTimeout("tcp", host, 2*time.Second)
		if err != nil {
			fmt.Fprintf(os.Stderr, "integration tests need the local stack: %s=%s is not reachable (%v); run them with `make test`\n", v, endpoint, err)
			os.Exit(1)
		}
		conn.Close()
	}
}

func parseHost(endpoint string) (string, error) {
	req, err := http.NewRequest(http.MethodGet, endpoint, nil)
	if err != nil {
		return "", err
	}
	return req.URL.Host, nil
}

// backend is what an Env on the local stack has besides the API: the SDK
// configuration of the stack and its fresh table and queues.
type backend struct {
	AWS       aws.Config
	Resources *devstack.Resources
}

// Options adjust an Env; the zero value is what most tests want.
type Options struct {
	// AWS and Deadline are passed to app.New (tests of a frozen store):
	// the table and queues are provisioned on the local stack all the same.
	AWS      awsclient.Options
	Deadline time.Duration
	// Observe is told of every answer of a route, as the deadline
	// wrapper measured it.
	Observe func(httpapi.Answered)
	// APIOptions are added to the app's AWS clients (benchmarks count
	// what the app asks of DynamoDB with them).
	APIOptions []func(*middleware.Stack) error
	// Quota is the per-IP quota; the zero value is none, so that tests
	// and benchmarks, all from one address, are not throttled.
	Quota quota.Policy
	// Logs, when set, gets the app's log lines as it logs them deployed
	// (JSON, from Info up) instead of only warnings to stderr: a cost
	// measurement counts their bytes.
	Logs io.Writer
}

// RetryDelay is how soon the pollers redeliver a failed message.
const RetryDelay = 2 * time.Second

// start provisions a fresh table and queues on the local stack and
// returns the backend on them, and what runs their pollers.
func (e *Env) start(t testing.TB, tmpl *samtemplate.Template, opts Options) (app.Backend, app.Options, *devstack.Resources, func(context.Context, []devstack.Consumer) func()) {
	t.Helper()
	ctx := context.Background()
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	res, err := devstack.Provision(ctx, awsCfg, tmpl, "t"+randomHex(6))
	if err != nil {
		t.Fatalf("provisioning the local stack: %v", err)
	}
	e.AWS, e.Resources = awsCfg, res
	e.Config.Table = res.Tables["Table"]
	e.Config.JobsQueueURL = res.QueueURLs["JobsQueue"]
	e.Config.WebhookQueueURL = res.QueueURLs["WebhookQueue"]
	e.Config.TaskQueueURL = res.QueueURLs["TaskQueue"]
	e.Config.ReportQueueURL = res.QueueURLs["ReportQueue"]
	// The pollers wake when the app sends a task, as the dev server's do.
	bell := &devstack.Bell{}
	appCfg := awsCfg.Copy()
	appCfg.APIOptions = append(appCfg.APIOptions, bell.RingOnSend)
	appCfg.APIOptions = append(appCfg.APIOptions, opts.APIOptions...)
	run := func(ctx context.Context, consumers []devstack.Consumer) func() {
		return devserver.Poll(ctx, sqs.NewFromConfig(awsCfg), consumers, quietLogger, devstack.PollOptions{RetryDelay: RetryDelay, Bell: bell})
	}
	return app.DynamoBackend(appCfg, opts.AWS, e.Config), app.Options{AWSConfig: appCfg, AWS: opts.AWS, Mailer: mail.New}, res, run
}

// SQS returns a client of the test's queues.
func (e *Env) SQS() *sqs.Client { return sqs.NewFromConfig(e.AWS) }

// send puts body on the queue at queueURL and returns the message's id.
func (e *Env) send(ctx context.Context, queueURL, body string) (string, error) {
	out, err := e.SQS().SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &queueURL, MessageBody: &body})
	if err != nil {
		return "", err
	}
	return *out.MessageId, nil
}

// busyQueue names a queue holding a message, or is "" if none does.
func (e *Env) busyQueue() (string, error) {
	names := []sqstypes.QueueAttributeName{
		sqstypes.QueueAttributeNameApproximateNumberOfMessages,
		sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
		sqstypes.QueueAttributeNameApproximateNumberOfMessagesDelayed,
	}
	for id, url := range e.Resources.QueueURLs {
		out, err := e.SQS().GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: names})
		if err != nil {
			return "", err
		}
		for _, n := range names {
			if v := out.Attributes[string(n)]; v != "0" {
				return id, nil
			}
		}
	}
	return "", nil
}

// pause waits a little before the queues are asked again.
func (e *Env) pause() { time.Sleep(20 * time.Millisecond) }

// sesMail is a mail as the SES emulator (aws-ses-v2-local) keeps it.
type sesMail struct {
	MessageID   string   `json:"messageId"`
	From        string   `json:"from"`
	ReplyTo     []string `json:"replyTo"`
	Destination struct {
		To []string `json:"to"`
	} `json:"destination"`
	Subject string `json:"subject"`
	Body    struct {
		HTML string `json:"html"`
		Text string `json:"text"`
	} `json:"body"`
	Attachments []struct {
		Content     string `json:"content"` // base64
		ContentType string `json:"contentType"`
		Filename    string `json:"filename"`
	} `json:"attachments"`
}

// MailsTo returns the mail sent to address, read from the SES emulator's
// store.
func (e *Env) MailsTo(t testing.TB, address string) []mail.Sent {
	t.Helper()
	endpoint := os.Getenv("AWS_ENDPOINT_URL_SESV2")
	if endpoint == "" {
		t.Fatal("AWS_ENDPOINT_URL_SESV2 is not set: run with `make test`, which starts the SES emulator")
	}
	resp, err := http.Get(endpoint + "/store")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var store struct {
		Emails []sesMail `json:"emails"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&store); err != nil {
		t.Fatal(err)
	}
	var out []mail.Sent
	for _, m := range store.Emails {
		for _, to := range m.Destination.To {
			if to != address {
				continue
			}
			sent := mail.Sent{MessageID: m.MessageID, Mail: outbox.Mail{From: m.From, To: m.Destination.To, ReplyTo: m.ReplyTo, Subject: m.Subject, Text: m.Body.Text, HTML: m.Body.HTML}}
			for _, a := range m.Attachments {
				data, err := base64.StdEncoding.DecodeString(a.Content)
				if err != nil {
					t.Fatalf("attachment %s: %v", a.Filename, err)
				}
				sent.Attachments = append(sent.Attachments, outbox.MailAttachment{Name: a.Filename, ContentType: a.ContentType, Data: data})
			}
			out = append(out, sent)
		}
	}
	return out
}
