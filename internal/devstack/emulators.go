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
	unlockPorts, err := lockFile(filepath.Join(os.TempDir(), "parcelgate-devstack-ports.lock"))
	if err != nil {
		return nil, err
	}
	defer unlockPorts()

	s := &Stack{logger: logger}
	dynamoPort, err := pickPort(opts.DynamoDBPort)
	if err != nil {
		return nil, err
	}
	lib := filepath.Join(dir, dynamoDBLocalDir, "DynamoDBLocal_lib")
	launcher := filepath.Join(dir, "DynamoDBLoopback.java")
	p, err := start(dir, opts, "dynamodb", dynamoPort, launcher, java,
		"-Djava.library.path="+lib,
		"-cp", filepath.Join(dir, dynamoDBLocalDir, "DynamoDBLocal.jar")+string(os.PathListSeparator)+filepath.Join(lib, "*"),
		launcher,
		// -sharedDb: without it DynamoDB Local keeps one database per
		// access key and region, and processes with different fake
		// credentials would not see each other's tables.
		"-inMemory", "-sharedDb", "-port", strconv.Itoa(dynamoPort))
	if err != nil {
		return nil, err
	}
	s.procs = append(s.procs, p)
	s.DynamoDBEndpoint = "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(dynamoPort))

	sqsPort, err := pickPort(opts.SQSPort)
	if err == nil {
		script := filepath.Join(dir, "sqs-server.mjs")
		p, err = start(dir, opts, "sqs", sqsPort, script, node, script, "--port", strconv.Itoa(sqsPort))
	}
	if err != nil {
		return nil, s.abort(err)
	}
	s.procs = append(s.procs, p)
	s.SQSEndpoint = "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(sqsPort))

	sesPort, err := pickPort(opts.SESPort)
	if err == nil {
		script := filepath.Join(dir, "ses-server.mjs")
		p, err = start(dir, opts, "ses", sesPort, script, node, script, "--port", strconv.Itoa(sesPort))
	}
	if err != nil {
		return nil, s.abort(err)
	}
	s.procs = append(s.procs, p)
	s.SESEndpoint = "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(sesPort))

	wait, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	if err := waitDynamoDB(wait, s.DynamoDBEndpoint, s.procs[0]); err != nil {
		return nil, s.abort(s.procs[0].failure(err))
	}
	if err := waitSQS(wait, s.SQSEndpoint, s.procs[1]); err != nil {
		return nil, s.abort(s.procs[1].failure(err))
	}
	if err := waitSES(wait, s.SESEndpoint, s.procs[2]); err != nil {
		return nil, s.abort(s.procs[2].failure(err))
	}
	if err := checkOwner(s.procs[0], dynamoPort); err != nil {
		return nil, s.abort(err)
	}
	if err := checkOwner(s.procs[1], sqsPort); err != nil {
		return nil, s.abort(err)
	}
	if err := checkOwner(s.procs[2], sesPort); err != nil {
		return nil, s.abort(err)
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

// start launches one emulator, script run by bin, with its output in
// StateDir/<name>-<port>.log (the port keeps concurrent stacks' logs apart).
func start(dir string, opts Options, name string, port int, script, bin string, args ...string) (*process, error) {
	logPath := filepath.Join(opts.StateDir, fmt.Sprintf("%s-%d.log", name, port))
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("devstack: %w", err)
	}
	defer logFile.Close()
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
