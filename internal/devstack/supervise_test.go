package devstack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestRestartsAllowsMaxStopsPerWindow(t *testing.T) {
	r := restarts{policy: RestartPolicy{Max: 2, Window: 10 * time.Minute}}
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		at   time.Duration
		want bool
	}{
		{0, true},
		{time.Minute, true},
		{2 * time.Minute, false},             // a third stop within ten minutes
		{12*time.Minute + time.Second, true}, // the three before have left the window
		{12*time.Minute + 2*time.Second, true},
		{12*time.Minute + 3*time.Second, false},
		{30 * time.Minute, true}, // a quiet spell forgives everything
	} {
		if got := r.allow(t0.Add(c.at)); got != c.want {
			t.Errorf("stop at +%s: allow = %v, want %v", c.at, got, c.want)
		}
	}
}

// syncBuffer is a log destination the supervisor writes from its goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// standInStack is a stack of one emulator played by a node one-liner that
// listens on a port, as the real ones do; restartScript replaces it on
// restarts when set.
func standInStack(t *testing.T, restartScript string) (*Stack, *syncBuffer) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is needed for this test (the SQS emulator needs it too):", err)
	}
	dir := t.TempDir()
	port := freePort(t)
	listen := fmt.Sprintf("require('net').createServer().listen(%d, '127.0.0.1')", port)
	e := &emulator{name: EmulatorSQS, title: "the stand-in", port: port}
	e.launch = func(restart bool) (*process, error) {
		script := listen
		if restart && restartScript != "" {
			script = restartScript
		}
		return start(dir, Options{StateDir: dir}, "stand-in", port, restart, "stand-in", node, "-e", script)
	}
	e.ready = func(ctx context.Context, p *process) error {
		return waitFor(ctx, "connect", endpoint(port), p, func(context.Context) error {
			c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", fmt.Sprint(port)))
			if err == nil {
				c.Close()
			}
			return err
		})
	}
	logs := &syncBuffer{}
	s := &Stack{logger: slog.New(slog.NewTextHandler(logs, nil))}
	if err := s.launch(e); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if err := e.up(ctx, s.procs[0]); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, logs
}

// kill stops the emulator's current run as a crash would, and waits for
// the exit.
func kill(t *testing.T, s *Stack) {
	t.Helper()
	p := s.proc(0)
	if err := syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.done
}

// recovered records Recover's calls on a channel.
func recovered() (func(context.Context, Emulator) (string, error), <-chan Emulator) {
	calls := make(chan Emulator, 10)
	return func(_ context.Context, e Emulator) (string, error) {
		calls <- e
		return "queues re-created", nil
	}, calls
}

func receive[T any](t *testing.T, c <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(time.Minute):
		t.Fatalf("no %s", what)
		panic("unreachable")
	}
}

func TestSuperviseRestartsAStoppedEmulatorOnItsPort(t *testing.T) {
	s, logs := standInStack(t, "")
	recover, calls := recovered()
	gaveUp := s.Supervise(t.Context(), Supervision{Policy: DefaultRestartPolicy, Recover: recover})
	first := s.proc(0)
	kill(t, s)
	if e := receive(t, calls, "recovery after the restart"); e != EmulatorSQS {
		t.Errorf("recovered %q", e)
	}
	port := s.emulators[0].port
	if next := s.proc(0); next == first || next.exited() || checkOwner(next, port) != nil {
		t.Fatalf("after the restart: run %p (first %p), exited %v, owner %v", next, first, next.exited(), checkOwner(next, port))
	}
	want := fmt.Sprintf("the stand-in stopped (signal: killed); restarted on :%d, queues re-created", port)
	if got := logs.String(); strings.Count(got, "\n") != 1 || !strings.Contains(got, want) {
		t.Errorf("logged %q, want one line saying %q", got, want)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close after a restart: %v", err)
	}
	select {
	case err := <-gaveUp:
		t.Errorf("gave up: %v", err)
	default:
	}
}

func TestSuperviseGivesUpOnTooManyStops(t *testing.T) {
	s, _ := standInStack(t, "")
	recover, calls := recovered()
	frozen := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	gaveUp := s.Supervise(t.Context(), Supervision{Policy: RestartPolicy{Max: 2, Window: time.Hour}, Recover: recover,
		Now: func() time.Time { return frozen }})
	for range 2 {
		kill(t, s)
		receive(t, calls, "recovery after the restart")
	}
	kill(t, s)
	err := receive(t, gaveUp, "giving up after the third stop")
	if !strings.Contains(err.Error(), "the stand-in stopped (signal: killed), more than 2 times in 1h0m0s: not restarting it again") ||
		strings.Contains(err.Error(), "\n") {
		t.Errorf("gave up with %q", err)
	}
	if !s.proc(0).exited() {
		t.Error("restarted after giving up")
	}
}

func TestSuperviseGivesUpWhenTheRestartFails(t *testing.T) {
	s, _ := standInStack(t, "process.exit(3)")
	recover, calls := recovered()
	gaveUp := s.Supervise(t.Context(), Supervision{Policy: DefaultRestartPolicy, Recover: recover})
	kill(t, s)
	err := receive(t, gaveUp, "giving up on a restart that fails")
	if !strings.Contains(err.Error(), "did not start again") || !strings.Contains(err.Error(), "exit status 3") {
		t.Errorf("gave up with %q", err)
	}
	if len(calls) != 0 {
		t.Error("recovered an emulator that did not start")
	}
}

func TestSuperviseGivesUpWhenRecoveryFails(t *testing.T) {
	s, _ := standInStack(t, "")
	gaveUp := s.Supervise(t.Context(), Supervision{Policy: DefaultRestartPolicy, Recover: func(context.Context, Emulator) (string, error) {
		return "", errors.New("no table for you")
	}})
	kill(t, s)
	if err := receive(t, gaveUp, "giving up on a failed recovery"); !strings.Contains(err.Error(), "no table for you") {
		t.Errorf("gave up with %q", err)
	}
}

// Close stops the emulators without the supervisor taking that for a crash.
func TestCloseIsNoCrash(t *testing.T) {
	s, logs := standInStack(t, "")
	recover, calls := recovered()
	gaveUp := s.Supervise(t.Context(), Supervision{Policy: DefaultRestartPolicy, Recover: recover})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if len(calls) != 0 || len(gaveUp) != 0 || logs.String() != "" {
		t.Errorf("after Close: %d recoveries, %d give-ups, log %q", len(calls), len(gaveUp), logs.String())
	}
}
