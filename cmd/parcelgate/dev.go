package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/parcelgate/parcelgate/internal/app"
	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/awsclient"
	"github.com/parcelgate/parcelgate/internal/devserver"
	"github.com/parcelgate/parcelgate/internal/devstack"
	"github.com/parcelgate/parcelgate/internal/mail"
	"github.com/parcelgate/parcelgate/internal/quota"
	"github.com/parcelgate/parcelgate/internal/report/pdf"
	"github.com/parcelgate/parcelgate/internal/samtemplate"
	"github.com/parcelgate/parcelgate/internal/trackpage"
)

// cmdDev runs what `sam local start-api` and Lambda's SQS pollers would,
// against the local stack: every API function's handler on one port.
func cmdDev(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "usage: parcelgate dev [--store dynamodb|memory]\n\nRuns every API function on PARCELGATE_ADDR (default 127.0.0.1:3000) until Ctrl-C,\n"+
			"on the local stack (emulators, table, queues) or, with --store memory, on in-process\n"+
			"stores and queues with no emulator. Data is kept in memory either way.\n"+
			"PARCELGATE_IP_QUOTA (default 600/60s, or off) limits requests per source IP.\n\n")
		fs.PrintDefaults()
	}
	store := fs.String("store", "dynamodb", "the backend: dynamodb (the emulators) or memory (in process, no emulator)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *store != "dynamodb" && *store != "memory" {
		return fmt.Errorf("dev: --store %q: want dynamodb or memory", *store)
	}
	logger := app.NewLogger()
	slog.SetDefault(logger)
	addr := os.Getenv("PARCELGATE_ADDR")
	if addr == "" {
		addr = "127.0.0.1:3000"
	}
	ipQuota, err := devserver.QuotaFromEnv()
	if err != nil {
		return err
	}
	// Fail before starting anything if the port is taken.
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("PARCELGATE_ADDR %s: %w", addr, err)
	}
	defer ln.Close()
	if *store == "memory" {
		return devMemory(ctx, ln, addr, ipQuota, logger)
	}

	stack, err := devstack.Up(ctx, devstack.Options{RepoDir: ".", Logger: logger})
	if err != nil {
		return err
	}
	defer stack.Close()
	env := stack.Env()
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		os.Setenv(k, v)
	}

	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return err
	}
	tmpl, err := samtemplate.Load("template.yaml")
	if err != nil {
		return err
	}
	res, err := devstack.Provision(ctx, awsCfg, tmpl, localPrefix)
	if err != nil {
		return err
	}
	key, err := localSigningKey()
	if err != nil {
		return err
	}
	cfg := app.Config{
		Table:         res.Tables["Table"],
		JobsQueueURL:  res.QueueURLs["JobsQueue"],
		Issuer:        localIssuer,
		Audience:      "parcelgate",
		TokenTTL:      time.Hour,
		PrivateKeyPEM: string(key),
	}
	cfg.WebhookQueueURL = res.QueueURLs["WebhookQueue"]
	cfg.ReportQueueURL, cfg.ReportSender = res.QueueURLs["ReportQueue"], localReportSender
	cfg.TaskQueueURL = res.QueueURLs["TaskQueue"]
	if err := cfg.DevWebhookKnobs(); err != nil {
		return err
	}
	// The pollers wake when the API sends a task (devstack.Bell).
	bell := &devstack.Bell{}
	appCfg := awsCfg.Copy()
	appCfg.APIOptions = append(appCfg.APIOptions, bell.RingOnSend)
	a, err := app.New(ctx, cfg, app.DynamoBackend(appCfg, awsclient.Options{}, cfg), app.Options{Sign: true, Logger: logger, AWSConfig: appCfg, Mailer: mail.New, Pages: trackpage.Pages{}, Renderer: pdf.Renderer{}})
	if err != nil {
		return err
	}
	consumers, err := devserver.Consumers(tmpl, res, a.QueueHandlers())
	if err != nil {
		return err
	}
	timers, err := devserver.Timers(tmpl, a.ScheduledHandlers())
	if err != nil {
		return err
	}
	recorded := map[string]string{app.EnvTable: cfg.Table, app.EnvJobsQueueURL: cfg.JobsQueueURL, app.EnvWebhookQueueURL: cfg.WebhookQueueURL,
		app.EnvReportQueueURL: cfg.ReportQueueURL, app.EnvReportSender: cfg.ReportSender,
		app.EnvTaskQueueURL: cfg.TaskQueueURL}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		recorded[k] = v
	}
	if err := writeDevEnv(recorded); err != nil {
		return err
	}
	defer removeDevEnv()
	if err := writeSAMEnv(tmpl, cfg, stack); err != nil {
		return err
	}
	creds, err := devClients(ctx, a.API.Credentials)
	if err != nil {
		return err
	}

	h, err := devserver.Handler(a, ipQuota)
	if err != nil {
		return err
	}
	pollCtx, stopPolling := context.WithCancel(context.Background())
	waitPollers := devserver.Poll(pollCtx, sqs.NewFromConfig(awsCfg), consumers, logger, devstack.PollOptions{RetryDelay: devRetryDelay, Bell: bell})
	// The sweeper runs as EventBridge would run it, every minute.
	waitTimers := devserver.RunTimers(pollCtx, timers, logger)
	defer func() { stopPolling(); waitPollers(); waitTimers() }()
	// The emulators keep everything in memory: one that stops is
	// restarted and its table or queues re-created (see README, "When
	// an emulator stops").
	recovery := devserver.Recovery{AWS: awsCfg, Template: tmpl, Prefix: localPrefix, Sweeper: a.Sweeper, Bell: bell,
		Clients: func(ctx context.Context) error { return recreateClients(ctx, a.API.Credentials, creds) }}
	gaveUp := stack.Supervise(ctx, devstack.Supervision{Policy: devstack.DefaultRestartPolicy, Recover: recovery.Recover})
	return serveDev(ctx, ln, h, func() { printWelcome(addr, creds, ipQuota) }, gaveUp)
}

// serveDev serves h on ln until ctx ends, the server fails or gaveUp
// (nil: never) says the stack cannot go on; welcome runs once serving.
func serveDev(ctx context.Context, ln net.Listener, h http.Handler, welcome func(), gaveUp <-chan error) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	welcome()
	select {
	case <-ctx.Done():
	case err := <-errc:
		return err
	case err := <-gaveUp:
		return fmt.Errorf("%w; the dev server stops: once the log says why, start it again with make run (its data was in memory and is gone)", err)
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// localReportSender is the report outbox's sender address locally; the
// SES emulator accepts any.
const localReportSender = "reports@parcelgate.localhost"

// devRetryDelay is how soon a failed queue message is retried locally;
// Lambda would wait the queue's 180 s visibility timeout.
const devRetryDelay = 10 * time.Second

type credential struct{ id, secret string }

// devClients creates the clients of PARCELGATE_DEV_CLIENTS, or one demo
// client with a fresh secret when none are named.
func devClients(ctx context.Context, c auth.Credentials) ([]credential, error) {
	var out []credential
	spec := os.Getenv("PARCELGATE_DEV_CLIENTS")
	if spec == "" {
		secret, err := auth.NewSecret()
		if err != nil {
			return nil, err
		}
		spec = "demo:" + secret
	}
	for _, pair := range strings.Split(spec, ",") {
		id, secret, ok := strings.Cut(strings.TrimSpace(pair), ":")
		if !ok {
			return nil, fmt.Errorf("PARCELGATE_DEV_CLIENTS: %q is not clientId:clientSecret", pair)
		}
		_, err := c.Create(ctx, id, id, secret)
		switch {
		case errors.Is(err, auth.ErrPrincipalExists):
			slog.Info("dev client already exists; its secret is unchanged", "clientId", id)
		case err != nil:
			return nil, fmt.Errorf("PARCELGATE_DEV_CLIENTS %s: %w", id, err)
		default:
			out = append(out, credential{id: id, secret: secret})
		}
	}
	return out, nil
}

// recreateClients creates creds again in a table that lost them.
func recreateClients(ctx context.Context, c auth.Credentials, creds []credential) error {
	for _, cr := range creds {
		if _, err := c.Create(ctx, cr.id, cr.id, cr.secret); err != nil && !errors.Is(err, auth.ErrPrincipalExists) {
			return fmt.Errorf("client %s: %w", cr.id, err)
		}
	}
	return nil
}

func printWelcome(addr string, creds []credential, ipQuota quota.Policy) {
	base := "http://" + addr
	fmt.Printf("\nparcelgate is running. Its data is in memory: stopping it (Ctrl-C) forgets everything.\n\n")
	if len(creds) > 0 {
		c := creds[0]
		fmt.Printf("First client credential:  clientId=%s  clientSecret=%s\n\n", c.id, c.secret)
		fmt.Print(walkthrough(base, c, time.Now().UTC()))
	} else {
		fmt.Printf("More clients: make client ID=<clientId>\n")
	}
	fmt.Printf("\nOpenAPI document: %s/openapi.yaml\n", base)
	fmt.Printf("Per-IP quota: %s (%s=off disables it)\n", ipQuota, devserver.EnvQuota)
	// Scripts wait for this exact line.
	fmt.Printf("listening on %s\n", base)
}

// walkthrough is README's walkthrough with this server's address and
// credential filled in, ready to paste into a shell.
func walkthrough(base string, c credential, now time.Time) string {
	r := strings.NewReplacer("BASE", base, "CLIENT_ID", c.id, "CLIENT_SECRET", c.secret, "TODAY", now.Format(time.DateOnly))
	return r.Replace(`Try it (paste into a shell):

  TOKEN=$(curl -s BASE/v1/auth/token -H 'Content-Type: application/json' \
    -d '{"clientId":"CLIENT_ID","clientSecret":"CLIENT_SECRET"}' | sed 's/.*"accessToken":"\([^"]*\)".*/\1/')
  P=$(curl -s BASE/v1/projects -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d '{"name":"My first project"}' | sed 's/.*"projectId":"\([^"]*\)".*/\1/')
  curl -s BASE/v1/projects/$P/tracking-number-jobs -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' -H 'Idempotency-Key: first-job' \
    -d '{"action":"ADD","trackingNumbers":[{"trackingNumber":"1Z999AA10123456784","carrier":"ups"},{"trackingNumber":"1234567890"}]}'
  curl -s "BASE/v1/projects/$P/tracking-number-jobs" -H "Authorization: Bearer $TOKEN"
  curl -s BASE/v1/messages -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d '{"batchReference":"first","messages":[{"messageType":"TrackingEvent","payload":{"trackingNumber":"612345678901234567890123","status":"confirmed","datetime":"TODAYT10:28:00Z"}}]}'
  sleep 2   # messages are processed from the queue
  curl -s BASE/v1/tracking/612345678901234567890123
  curl -s BASE/v1/tracker -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d '{"search":[{"by":"receivedDate","value":"TODAY"}]}'

More in README.md ("Walkthrough"); make demo loads a few thousand parcels.
`)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// samEnvFile is the env-vars file for `sam local invoke` against the
// running local stack (README, "sam local invoke").
const samEnvFile = "sam-env.json"

// writeSAMEnv writes samEnvFile for the stack now running; it is removed
// with dev.env when the dev server stops.
func writeSAMEnv(tmpl *samtemplate.Template, cfg app.Config, stack *devstack.Stack) error {
	key, err := auth.ParsePrivateKey([]byte(cfg.PrivateKeyPEM))
	if err != nil {
		return err
	}
	jwk, err := auth.PublicJWK(&key.PublicKey)
	if err != nil {
		return err
	}
	jwks, err := json.Marshal(auth.JWKS{Keys: []auth.JWK{jwk}})
	if err != nil {
		return err
	}
	env, err := devserver.SAMEnv(tmpl, devserver.LocalSettings{
		Table: cfg.Table, JobsQueueURL: cfg.JobsQueueURL, WebhookQueueURL: cfg.WebhookQueueURL, TaskQueueURL: cfg.TaskQueueURL,
		DynamoDBURL: stack.DynamoDBEndpoint, SQSURL: stack.SQSEndpoint,
		ReportQueueURL: cfg.ReportQueueURL, ReportSender: cfg.ReportSender, SESURL: stack.SESEndpoint,
		Issuer: cfg.Issuer, Audience: cfg.Audience,
		PublicJWKS: string(jwks), PrivateKeyPEM: cfg.PrivateKeyPEM,
	})
	if err != nil {
		return err
	}
	data, err := json.MarshalIndent(env, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(stateDir, samEnvFile), append(data, '\n'), 0o600)
}
