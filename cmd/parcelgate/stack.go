package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/parcelgate/parcelgate/internal/devstack"
	"github.com/parcelgate/parcelgate/internal/samtemplate"
)

// exitError is the exit status of the command `parcelgate stack` ran;
// main exits with the same status, so `make test` fails when the tests do.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// cmdStack runs `parcelgate stack -- CMD [ARG...]`: CMD with a fresh local
// stack, which is stopped when CMD exits.
func cmdStack(ctx context.Context, args []string) error {
	fl := flag.NewFlagSet("stack", flag.ContinueOnError)
	fl.Usage = func() {
		fmt.Fprintln(fl.Output(), "usage: parcelgate stack -- CMD [ARG...]\n\n"+
			"Starts the local stack, runs CMD with AWS_ENDPOINT_URL_* (and PARCELGATE_STACK=1)\n"+
			"pointing at it, stops the stack and exits with CMD's status.")
	}
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() == 0 {
		fl.Usage()
		return &exitError{code: 2}
	}
	repo, err := devstack.FindRepoDir(".")
	if err != nil {
		return err
	}
	stack, err := devstack.Up(ctx, devstack.Options{RepoDir: repo})
	if err != nil {
		return err
	}
	runErr := run(ctx, fl.Args(), append(stack.Env(), "PARCELGATE_STACK=1"))
	closeErr := stack.Close()
	if runErr != nil {
		if closeErr != nil {
			fmt.Fprintln(os.Stderr, "parcelgate:", closeErr)
		}
		return runErr
	}
	return closeErr
}

// run runs argv with env added to ours, its output streamed to ours. When
// ctx ends (Ctrl-C, SIGTERM) the command gets SIGTERM and some time to
// clean up, as it would from a terminal.
func run(ctx context.Context, argv, env []string) error {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		return err
	}
	if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return &exitError{code: 128 + int(ws.Signal())} // as shells report it
	}
	return &exitError{code: exit.ExitCode()}
}

// cmdStackUp starts the emulators in the background and prints the
// environment that reaches them; cmdStackDown stops them.
func cmdStackUp(ctx context.Context, args []string) error {
	if err := noArgs("stack-up", args); err != nil {
		return err
	}
	if devstack.ExternalEndpoints() {
		return errors.New("stack-up: AWS_ENDPOINT_URL* is set, so those endpoints are the stack; unset them to start the emulators")
	}
	repo, err := devstack.FindRepoDir(".")
	if err != nil {
		return err
	}
	state := devstack.StateFile(filepath.Join(repo, stateDir))
	if alive, err := devstack.SavedAlive(state); err != nil || alive {
		return errors.Join(err, fmt.Errorf("stack-up: a stack is already running (%s); `parcelgate stack-down` stops it", state))
	}
	stack, err := devstack.Up(ctx, devstack.Options{RepoDir: repo, Detached: true})
	if err != nil {
		return err
	}
	if err := stack.Save(state); err != nil {
		return errors.Join(err, stack.Close())
	}
	// Only shell goes to stdout, so `eval "$(parcelgate stack-up)"` works.
	fmt.Printf("# The emulators run in the background until `parcelgate stack-down`.\n# To use them: eval this output, or . %s\n", state)
	for _, kv := range stack.Env() {
		fmt.Println(devstack.ExportLine(kv))
	}
	return nil
}

func cmdStackDown(_ context.Context, args []string) error {
	if err := noArgs("stack-down", args); err != nil {
		return err
	}
	repo, err := devstack.FindRepoDir(".")
	if err != nil {
		return err
	}
	state := devstack.StateFile(filepath.Join(repo, stateDir))
	stopped, err := devstack.StopSaved(state)
	if errors.Is(err, fs.ErrNotExist) {
		fmt.Printf("no stack was started with stack-up (%s does not exist)\n", state)
		return nil
	}
	if err != nil {
		return err
	}
	if len(stopped) == 0 {
		fmt.Printf("nothing recorded in %s was still running; removed it\n", state)
		return nil
	}
	fmt.Printf("stopped %s\n", strings.Join(stopped, ", "))
	return nil
}

// cmdProvision creates template.yaml's table and queues in the stack that
// AWS_ENDPOINT_URL* points at (LocalStack, or `parcelgate stack-up`).
// It refuses to run without those variables: real deployments are made by
// SAM, never by this command.
func cmdProvision(ctx context.Context, args []string) error {
	fl := flag.NewFlagSet("provision", flag.ContinueOnError)
	prefix := fl.String("prefix", localPrefix, "name prefix: resources are named `PREFIX`-<LogicalID>")
	template := fl.String("template", "", "SAM template (default: template.yaml at the repository root)")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if !devstack.ExternalEndpoints() {
		return errors.New("provision: set AWS_ENDPOINT_URL (LocalStack: http://127.0.0.1:4566) or eval the output of `parcelgate stack-up` first")
	}
	if *template == "" {
		repo, err := devstack.FindRepoDir(".")
		if err != nil {
			return err
		}
		*template = filepath.Join(repo, "template.yaml")
	}
	tmpl, err := samtemplate.Load(*template)
	if err != nil {
		return err
	}
	stack, err := devstack.Up(ctx, devstack.Options{})
	if err != nil {
		return err
	}
	if err := stack.Setenv(); err != nil {
		return err
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return fmt.Errorf("provision: %w", err)
	}
	res, err := devstack.Provision(ctx, cfg, tmpl, *prefix)
	if err != nil {
		return err
	}
	for _, id := range sortedKeys(res.Tables) {
		fmt.Printf("table %s: %s\n", id, res.Tables[id])
	}
	for _, id := range sortedKeys(res.QueueURLs) {
		fmt.Printf("queue %s: %s\n", id, res.QueueURLs[id])
	}
	return nil
}

func noArgs(name string, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("%s takes no arguments, got %q", name, args)
	}
	return nil
}
