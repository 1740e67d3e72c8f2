//go:build integration

package devstack_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/parcelgate/parcelgate/internal/apitest"
	"github.com/parcelgate/parcelgate/internal/devserver"
	"github.com/parcelgate/parcelgate/internal/devstack"
)

// logLines collects a logger's lines, written from many goroutines.
type logLines struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// with returns the lines that contain s.
func (l *logLines) with(s string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, line := range strings.Split(l.b.String(), "\n") {
		if strings.Contains(line, s) {
			out = append(out, line)
		}
	}
	return out
}

// await waits until l has a line containing s; the bound only keeps a
// broken run from hanging.
func (l *logLines) await(t *testing.T, s string) string {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if got := l.with(s); len(got) > 0 {
			return got[0]
		}
	}
	t.Fatalf("no log line says %q", s)
	return ""
}

// ownStack starts emulators of the test's own, whatever AWS_ENDPOINT_URL*
// says: the test kills one of them. The environment points at them until
// the test ends.
func ownStack(t *testing.T, logs *logLines) *devstack.Stack {
	t.Helper()
	for _, v := range []string{"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SQS", devstack.EnvSESEndpoint} {
		t.Setenv(v, "")
	}
	repo, err := devstack.FindRepoDir(".")
	if err != nil {
		t.Fatal(err)
	}
	stack, err := devstack.Up(t.Context(), devstack.Options{RepoDir: repo, StateDir: t.TempDir(), Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := stack.Close(); err != nil {
			t.Errorf("closing the stack: %v", err)
		}
	})
	for _, kv := range stack.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	return stack
}

// The SQS emulator dies (SIGKILL) holding the message of an accepted job:
// the stack restarts it on its port, the queues are re-created, the
// sweeper sends the job again and it completes, with one line about the
// restart and, per queue, one about its outage and one about its return.
func TestSQSEmulatorKilledMidJobIsRestartedAndTheJobCompletes(t *testing.T) {
	logs := &logLines{}
	stack := ownStack(t, logs)
	e := apitest.Start(t)
	recovery := devserver.Recovery{AWS: e.AWS, Template: tmpl, Prefix: strings.TrimSuffix(e.Resources.Tables["Table"], "-Table"), Sweeper: e.App.Sweeper}
	gaveUp := stack.Supervise(t.Context(), devstack.Supervision{Policy: devstack.DefaultRestartPolicy, Recover: recovery.Recover})

	// Three pollers of a queue nobody writes to, logging what they see of
	// the outage.
	pollCtx, stopPolling := context.WithCancel(context.Background())
	waitPollers := devserver.Poll(pollCtx, sqs.NewFromConfig(e.AWS), []devstack.Consumer{{
		Name: "watcher", QueueURL: e.Resources.QueueURLs["WebhookDeadLetterQueue"], QueueARN: e.Resources.QueueARNs["WebhookDeadLetterQueue"],
		Concurrency: 3, Handler: func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
			return events.SQSEventResponse{}, nil
		},
	}}, slog.New(slog.NewJSONHandler(logs, nil)), devstack.PollOptions{})
	defer func() { stopPolling(); waitPollers() }()

	_, token := e.Token(t, "acme")
	var project struct{ ProjectID string }
	e.Call(t, "POST", "/v1/projects", token, map[string]string{"name": "crash"}).Want(t, 201).JSON(t, &project)
	// Held until the emulator is gone, so that only its message could
	// have carried the job.
	e.FailProcessing.Store(true)
	var job struct{ JobID, Status string }
	e.Call(t, "POST", "/v1/projects/"+project.ProjectID+"/tracking-number-jobs", token,
		map[string]any{"action": "ADD", "trackingNumbers": []map[string]string{{"trackingNumber": "3000000016"}}}).Want(t, 202).JSON(t, &job)

	if err := syscall.Kill(-stack.PID(devstack.EmulatorSQS), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	e.FailProcessing.Store(false)

	port := strings.TrimPrefix(stack.SQSEndpoint, "http://127.0.0.1")
	restarted := logs.await(t, "the SQS emulator stopped (signal: killed); restarted on "+port+", queues re-created; "+
		"the messages it held are gone — the sweeper sent the unfinished work again (1 sent)")
	for deadline := time.Now().Add(2 * time.Minute); job.Status != "COMPLETED"; time.Sleep(100 * time.Millisecond) {
		var list struct {
			Items []struct{ JobID, Status string }
		}
		e.Call(t, "GET", "/v1/projects/"+project.ProjectID+"/tracking-number-jobs?jobId="+job.JobID, token, nil).Want(t, 200).JSON(t, &list)
		if len(list.Items) != 1 || list.Items[0].Status == "FAILED" || time.Now().After(deadline) {
			t.Fatalf("job after the restart: %+v", list.Items)
		}
		job.Status = list.Items[0].Status
	}
	logs.await(t, `"msg":"queue reachable again","consumer":"watcher"`)
	for _, what := range []string{`"msg":"queue unreachable`, `"msg":"queue reachable again"`} {
		if got := logs.with(what); len(got) != 1 {
			t.Errorf("%d lines say %s, want one:\n%s", len(got), what, strings.Join(got, "\n"))
		}
	}
	if got := logs.with("stopped"); len(got) != 1 {
		t.Errorf("lines about the emulator stopping: %q, want only %q", got, restarted)
	}
	select {
	case err := <-gaveUp:
		t.Fatalf("supervision gave up: %v", err)
	default:
	}
	t.Logf("restart reported as: %s", restarted)
}
