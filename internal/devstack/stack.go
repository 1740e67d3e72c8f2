// Package devstack runs parcelgate's AWS dependencies on a developer's
// machine or in CI: it starts DynamoDB Local and an SQS emulator (or uses
// endpoints that are already configured, such as LocalStack), creates the
// tables and queues declared in template.yaml, and polls queues the way
// Lambda's SQS event source mapping does. See ../../../shared/design.md,
// "Local stack".
package devstack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

const (
	defaultDynamoDBPort = 8000
	defaultSQSPort      = 9324
	defaultSESPort      = 8005
	// localRegion is the region the emulators and their ARNs use.
	localRegion = "us-east-1"
)

// EnvSESEndpoint is the standard variable that points aws-sdk-go-v2's SES
// v2 client at another endpoint (its service id is SESv2).
const EnvSESEndpoint = "AWS_ENDPOINT_URL_SESV2"

// endpointVars are the standard variables that point aws-sdk-go-v2 at
// other endpoints. When any is set the user brought their own stack.
var endpointVars = []string{"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SQS"}

// Options configure Up.
type Options struct {
	// RepoDir is the repository root, the directory holding localstack/.
	RepoDir string
	// StateDir receives the emulators' logs; default RepoDir/.parcelgate.
	StateDir string
	// DynamoDBPort and SQSPort are the preferred ports (default 8000 and
	// 9324). A busy port is replaced by a free one, so a test run and a
	// running `make run` can coexist.
	DynamoDBPort, SQSPort int
	// SESPort is the SES v2 emulator's preferred port (default 8005).
	SESPort int
	// Detached starts the emulators in sessions of their own, so they keep
	// running after this process exits (parcelgate stack-up). Close still
	// stops them; a detached stack is stopped later with StopSaved.
	Detached bool
	Logger   *slog.Logger
}

// Stack is a running set of AWS endpoints.
type Stack struct {
	DynamoDBEndpoint string
	SQSEndpoint      string
	SESEndpoint      string // aws-ses-v2-local: GET <SESEndpoint>/store lists the mail sent
	// procs[i] is the current run of emulators[i]; mu guards its
	// elements, which the supervisor replaces.
	procs     []*process
	emulators []*emulator
	mu        sync.Mutex
	logger    *slog.Logger
	// stopSupervising ends Supervise; supervisors are its goroutines.
	stopSupervising context.CancelFunc
	supervisors     sync.WaitGroup
}

// Up returns a stack ready to answer API calls. When any of
// AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_DYNAMODB or AWS_ENDPOINT_URL_SQS is set
// it starts nothing and checks that those endpoints answer; otherwise it
// installs the emulators if needed and starts them on 127.0.0.1.
func Up(ctx context.Context, opts Options) (*Stack, error) {
	logger := orDefault(opts.Logger)
	if ExternalEndpoints() {
		return upExternal(ctx, logger)
	}
	if opts.RepoDir == "" {
		return nil, errors.New("devstack: Options.RepoDir is required")
	}
	// The emulators run in localstack/ and get absolute paths, which a
	// relative RepoDir such as "." would break.
	repo, err := filepath.Abs(opts.RepoDir)
	if err != nil {
		return nil, fmt.Errorf("devstack: %w", err)
	}
	opts.RepoDir = repo
	if opts.StateDir == "" {
		opts.StateDir = filepath.Join(opts.RepoDir, ".parcelgate")
	}
	if err := os.MkdirAll(opts.StateDir, 0o755); err != nil {
		return nil, fmt.Errorf("devstack: %w", err)
	}
	if opts.DynamoDBPort == 0 {
		opts.DynamoDBPort = defaultDynamoDBPort
	}
	if opts.SQSPort == 0 {
		opts.SQSPort = defaultSQSPort
	}
	if opts.SESPort == 0 {
		opts.SESPort = defaultSESPort
	}
	return upEmulators(ctx, opts, logger)
}

// External reports whether the stack uses endpoints from the environment
// rather than emulators it started.
func (s *Stack) External() bool { return len(s.procs) == 0 }

// Env returns the environment variables a process needs to use the stack
// through aws-sdk-go-v2: the emulators' endpoints, and a region and
// placeholder credentials when the environment has none (the emulators and
// LocalStack accept any).
func (s *Stack) Env() []string {
	var env []string
	if !s.External() {
		env = append(env, "AWS_ENDPOINT_URL_DYNAMODB="+s.DynamoDBEndpoint, "AWS_ENDPOINT_URL_SQS="+s.SQSEndpoint,
			EnvSESEndpoint+"="+s.SESEndpoint)
	}
	if os.Getenv("AWS_REGION") == "" && os.Getenv("AWS_DEFAULT_REGION") == "" {
		env = append(env, "AWS_REGION="+localRegion)
	}
	if os.Getenv("AWS_ACCESS_KEY_ID") == "" {
		env = append(env, "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test")
	}
	return env
}

// Close stops the emulators this stack started and waits for them to exit.
// It reports an emulator that had already died, since whatever used it
// probably failed because of that.
func (s *Stack) Close() error {
	s.stopSupervision()
	var errs []error
	for _, p := range s.procs {
		errs = append(errs, p.stop())
	}
	return errors.Join(errs...)
}

// Setenv applies Env to this process, so that config.LoadDefaultConfig,
// here and in code under test, reaches the stack.
func (s *Stack) Setenv() error {
	for _, kv := range s.Env() {
		name, value, _ := strings.Cut(kv, "=")
		if err := os.Setenv(name, value); err != nil {
			return fmt.Errorf("devstack: %w", err)
		}
	}
	return nil
}

// ExternalEndpoints reports whether AWS_ENDPOINT_URL,
// AWS_ENDPOINT_URL_DYNAMODB or AWS_ENDPOINT_URL_SQS is set, in which case Up
// starts nothing and uses them.
func ExternalEndpoints() bool {
	for _, v := range endpointVars {
		if os.Getenv(v) != "" {
			return true
		}
	}
	return false
}

// upExternal uses the endpoints configured in the environment. Both
// services must resolve to a configured endpoint: falling back to real AWS
// for one of them would send a local test run to a real account.
func upExternal(ctx context.Context, logger *slog.Logger) (*Stack, error) {
	s := &Stack{
		DynamoDBEndpoint: firstSet("AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL"),
		SQSEndpoint:      firstSet("AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL"),
		SESEndpoint:      firstSet(EnvSESEndpoint, "AWS_ENDPOINT_URL"),
		logger:           logger,
	}
	if s.DynamoDBEndpoint == "" || s.SQSEndpoint == "" {
		return nil, errors.New("devstack: set AWS_ENDPOINT_URL, or both AWS_ENDPOINT_URL_DYNAMODB and AWS_ENDPOINT_URL_SQS; " +
			"with only one of them the other service would be real AWS")
	}
	probe, cancel := context.WithTimeout(ctx, externalProbeTimeout)
	defer cancel()
	if err := waitDynamoDB(probe, s.DynamoDBEndpoint, nil); err != nil {
		return nil, fmt.Errorf("devstack: DynamoDB endpoint from the environment: %w", err)
	}
	if err := waitSQS(probe, s.SQSEndpoint, nil); err != nil {
		return nil, fmt.Errorf("devstack: SQS endpoint from the environment: %w", err)
	}
	logger.Info("using AWS endpoints from the environment", "dynamodb", s.DynamoDBEndpoint, "sqs", s.SQSEndpoint)
	return s, nil
}

// FindRepoDir returns the closest directory at or above dir that holds
// template.yaml and localstack/package.json: the repository root, wherever
// in it a command or test runs.
func FindRepoDir(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("devstack: %w", err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if isFile(filepath.Join(d, "template.yaml")) && isFile(filepath.Join(d, "localstack", "package.json")) {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("devstack: no parcelgate checkout (template.yaml and localstack/) at or above %s", dir)
		}
	}
}

func isFile(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

func firstSet(names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return ""
}

// orDefault returns l, or a JSON logger on stderr: parcelgate logs JSON
// everywhere, as Lambda's log tooling expects.
func orDefault(l *slog.Logger) *slog.Logger {
	if l != nil {
		return l
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, nil))
}
