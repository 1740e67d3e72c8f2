package devstack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// startTimeout bounds how long an emulator may take to answer its first
// API call. DynamoDB Local's first start (JVM, compiling the launcher)
// takes a few seconds; a loaded CI machine can be much slower.
const startTimeout = 90 * time.Second

func upEmulators(ctx context.Context, opts Options, logger *slog.Logger) (*Stack, error) {
	java, err := exec.LookPath("java")
	if err != nil {
		return nil, errors.New("devstack: java not found on PATH: DynamoDB Local needs a Java 17+ runtime " +
			"(Debian/Ubuntu: apt-get install openjdk-17-jre-headless), or set AWS_ENDPOINT_URL to use LocalStack")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, errors.New("devstack: node not found on PATH: the SQS emulator needs Node.js 20+ with npm " +
			"(Debian/Ubuntu: apt-get install nodejs npm), or set AWS_ENDPOINT_URL to use LocalStack")
	}
	// One Up at a time per checkout: concurrent `go test` packages would
	// otherwise run npm ci over each other and race for the same ports.
	unlock, err := lockFile(filepath.Join(opts.RepoDir, ".parcelgate", "devstack.lock"))
	if err != nil {
		return nil, err
	}
	defer unlock()
	dir := filepath.Join(opts.RepoDir, "localstack")
	if err := install(ctx, dir, opts.StateDir, logger); err != nil {
		return nil, err
	}

	// One stack starts at a time on this machine, from choosing its ports
	// until its emulators answer: checkouts side by side (parallel CI
	// jobs, worktrees) would otherwise choose the same free ports.
	unlockPorts, err := lockFile(portsLock())
	if err != nil {
		return nil, err
	}
	defer unlockPorts()

	s := &Stack{logger: logger}
	dynamoPort, err := pickPort(opts.DynamoDBPort)
	if err != nil {
		return nil, err
	}
	s.DynamoDBEndpoint = endpoint(dynamoPort)
	lib := filepath.Join(dir, dynamoDBLocalDir, "DynamoDBLocal_lib")
	launcher := filepath.Join(dir, "DynamoDBLoopback.java")
	err = s.launch(&emulator{name: EmulatorDynamoDB, title: "DynamoDB Local", port: dynamoPort,
		launch: func(restart bool) (*process, error) {
			return start(dir, opts, "dynamodb", dynamoPort, restart, launcher, java,
				"-Djava.library.path="+lib,
				"-cp", filepath.Join(dir, dynamoDBLocalDir, "DynamoDBLocal.jar")+string(os.PathListSeparator)+filepath.Join(lib, "*"),
				launcher,
				// -sharedDb: without it DynamoDB Local keeps one database per
				// access key and region, and processes with different fake
				// credentials would not see each other's tables.
				"-inMemory", "-sharedDb", "-port", strconv.Itoa(dynamoPort))
		},
		ready: func(ctx context.Context, p *process) error { return waitDynamoDB(ctx, s.DynamoDBEndpoint, p) },
	})
	if err != nil {
		return nil, err
	}

	sqsPort, err := pickPort(opts.SQSPort)
	if err != nil {
		return nil, s.abort(err)
	}
	s.SQSEndpoint = endpoint(sqsPort)
	sqsScript := filepath.Join(dir, "sqs-server.mjs")
	err = s.launch(&emulator{name: EmulatorSQS, title: "the SQS emulator", port: sqsPort,
		launch: func(restart bool) (*process, error) {
			return start(dir, opts, "sqs", sqsPort, restart, sqsScript, node, sqsScript, "--port", strconv.Itoa(sqsPort))
		},
		ready: func(ctx context.Context, p *process) error { return waitSQS(ctx, s.SQSEndpoint, p) },
	})
	if err != nil {
		return nil, s.abort(err)
	}

	sesPort, err := pickPort(opts.SESPort)
	if err != nil {
		return nil, s.abort(err)
	}
	s.SESEndpoint = endpoint(sesPort)
	sesScript := filepath.Join(dir, "ses-server.mjs")
	err = s.launch(&emulator{name: EmulatorSES, title: "the SES emulator", port: sesPort,
		launch: func(restart bool) (*process, error) {
			return start(dir, opts, "ses", sesPort, restart, sesScript, node, sesScript, "--port", strconv.Itoa(sesPort))
		},
		ready: func(ctx context.Context, p *process) error { return waitSES(ctx, s.SESEndpoint, p) },
	})
	if err != nil {
		return nil, s.abort(err)
	}

	wait, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	for i, e := range s.emulators {
		if err := e.up(wait, s.procs[i]); err != nil {
			return nil, s.abort(err)
		}
	}
	logger.Info("local stack up", "dynamodb", s.DynamoDBEndpoint, "sqs", s.SQSEndpoint, "ses", s.SESEndpoint, "logs", opts.StateDir)
	return s, nil
}

// abort stops what Up started and returns err, which says what went
// wrong; an emulator that already died is not reported a second time.
func (s *Stack) abort(err error) error {
	errs := []error{err}
	for _, p := range s.procs {
		if !p.exited() {
			errs = append(errs, p.stop())
		}
	}
	return errors.Join(errs...)
}

// launch starts e and adds it to the stack.
func (s *Stack) launch(e *emulator) error {
	p, err := e.launch(false)
	if err != nil {
		return err
	}
	s.emulators = append(s.emulators, e)
	s.procs = append(s.procs, p)
	return nil
}

func endpoint(port int) string { return "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }

// start launches one emulator, script run by bin, with its output in
// StateDir/<name>-<port>.log (the port keeps concurrent stacks' logs apart).
// A restart appends to the log, which ends with why the previous run
// stopped; a first start replaces a previous stack's log.
func start(dir string, opts Options, name string, port int, restart bool, script, bin string, args ...string) (*process, error) {
	logPath := filepath.Join(opts.StateDir, fmt.Sprintf("%s-%d.log", name, port))
	flags := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
	if restart {
		flags = os.O_CREATE | os.O_WRONLY | os.O_APPEND
	}
	logFile, err := os.OpenFile(logPath, flags, 0o644)
	if err != nil {
		return nil, fmt.Errorf("devstack: %w", err)
	}
	defer logFile.Close()
	if restart {
		fmt.Fprintf(logFile, "\n--- %s: restarted after the run above stopped ---\n", time.Now().Format(time.RFC3339))
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Env = os.Environ()
	p := &process{name: name, cmd: cmd, logPath: logPath, marker: filepath.Base(script), done: make(chan struct{})}
	if opts.Detached {
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	} else {
		// Own process group: a terminal's Ctrl-C reaches the command
		// using the stack first, and the stack is stopped after it.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		cmd.Env = append(cmd.Env, "PARCELGATE_EXIT_ON_STDIN_EOF=1")
		if p.stdin, err = cmd.StdinPipe(); err != nil {
			return nil, fmt.Errorf("devstack: %s: %w", name, err)
		}
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("devstack: start %s: %w", name, err)
	}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// portsLock is the lock file of the ports of every stack on this machine.
func portsLock() string { return filepath.Join(os.TempDir(), "parcelgate-devstack-ports.lock") }

// pickPort returns preferred when it is free on 127.0.0.1, else a free
// port chosen by the kernel.
func pickPort(preferred int) (int, error) {
	for _, port := range []int{preferred, 0} {
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			continue
		}
		addr := l.Addr().(*net.TCPAddr)
		if err := l.Close(); err != nil {
			return 0, fmt.Errorf("devstack: %w", err)
		}
		return addr.Port, nil
	}
	return 0, errors.New("devstack: no free TCP port on 127.0.0.1")
}
