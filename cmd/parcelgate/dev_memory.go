package main

import (
	"context"
	"log/slog"
	"net"
	"time"

	"github.com/parcelgate/parcelgate/internal/app"
	"github.com/parcelgate/parcelgate/internal/devserver"
	"github.com/parcelgate/parcelgate/internal/mail"
	"github.com/parcelgate/parcelgate/internal/memory"
	"github.com/parcelgate/parcelgate/internal/queue/memqueue"
	"github.com/parcelgate/parcelgate/internal/quota"
	"github.com/parcelgate/parcelgate/internal/report/pdf"
	"github.com/parcelgate/parcelgate/internal/samtemplate"
	"github.com/parcelgate/parcelgate/internal/trackpage"
)

// devMemory serves the whole API on ln from the memory backend: stores,
// queues (memqueue, delivering to the same handlers) and a mailer that
// keeps the report outbox's mail, all in this process. No emulator, Java
// or Node is started; no table or queue outlives it.
func devMemory(ctx context.Context, ln net.Listener, addr string, ipQuota quota.Policy, logger *slog.Logger) error {
	tmpl, err := samtemplate.Load("template.yaml")
	if err != nil {
		return err
	}
	key, err := localSigningKey()
	if err != nil {
		return err
	}
	broker, err := memqueue.New(tmpl, memqueue.Options{RetryDelay: devRetryDelay, Logger: logger})
	if err != nil {
		return err
	}
	cfg := app.Config{
		JobsQueueURL:    memqueue.URL("JobsQueue"),
		WebhookQueueURL: memqueue.URL("WebhookQueue"),
		ReportQueueURL:  memqueue.URL("ReportQueue"),
		TaskQueueURL:    memqueue.URL("TaskQueue"),
		ReportSender:    localReportSender,
		Issuer:          localIssuer,
		Audience:        "parcelgate",
		TokenTTL:        time.Hour,
		PrivateKeyPEM:   string(key),
	}
	if err := cfg.DevWebhookKnobs(); err != nil {
		return err
	}
	a, err := app.New(ctx, cfg, app.MemoryBackend(memory.NewBackend(), broker, cfg, &mail.Memory{}), app.Options{Sign: true, Logger: logger, Pages: trackpage.Pages{}, Renderer: pdf.Renderer{}})
	if err != nil {
		return err
	}
	consumers, err := devserver.Consumers(tmpl, broker.Resources(), a.QueueHandlers())
	if err != nil {
		return err
	}
	timers, err := devserver.Timers(tmpl, a.ScheduledHandlers())
	if err != nil {
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
	runCtx, stop := context.WithCancel(context.Background())
	waitQueues, err := broker.Run(runCtx, consumers)
	if err != nil {
		stop()
		return err
	}
	waitTimers := devserver.RunTimers(runCtx, timers, logger)
	defer func() { stop(); waitQueues(); waitTimers() }()
	return serveDev(ctx, ln, h, func() { printWelcome(addr, creds, ipQuota) }, nil)
}
