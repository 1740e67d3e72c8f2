package main

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/parcelgate/parcelgate/internal/app"
	"github.com/parcelgate/parcelgate/internal/auth"
)

// Files the local stack keeps in .parcelgate/ (git-ignored).
const (
	stateDir       = ".parcelgate"
	devEnvFile     = "dev.env"
	signingKeyFile = "jwt-signing-key.pem"
	localIssuer    = "urn:parcelgate:local"
	localPrefix    = "parcelgate"
)

// localSigningKey returns the local stack's signing key, made on first use
// and kept, so tokens survive a restart of the dev server.
func localSigningKey() ([]byte, error) {
	path := filepath.Join(stateDir, signingKeyFile)
	data, err := os.ReadFile(path)
	if err == nil {
		_, err = auth.ParsePrivateKey(data)
		return data, err
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	key, err := auth.GenerateKey()
	if err != nil {
		return nil, err
	}
	data, err = auth.EncodePrivateKey(key)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return nil, err
	}
	return data, os.WriteFile(path, data, 0o600)
}

// devPIDKey records in dev.env which process serves the local stack; it
// is not an environment variable.
const devPIDKey = "PARCELGATE_DEV_PID"

// errNoLocalStack is what a command meant for the local stack says when
// none runs, instead of a connection error from a dead endpoint.
var errNoLocalStack = errors.New("no local stack running: start one with make run")

// writeDevEnv records how to reach the running local stack, for the
// client command and for scripts, with this process's id: the record
// counts only while that process and its endpoints are alive.
func writeDevEnv(env map[string]string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s=%d\n", devPIDKey, os.Getpid())
	for _, k := range sortedKeys(env) {
		fmt.Fprintf(&b, "%s=%s\n", k, env[k])
	}
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(stateDir, devEnvFile), []byte(b.String()), 0o600)
}

// removeDevEnv forgets the local stack when the dev server stops.
func removeDevEnv() {
	_ = os.Remove(filepath.Join(stateDir, devEnvFile))
	_ = os.Remove(filepath.Join(stateDir, samEnvFile))
}

// useLocalStack points this process at the local stack recorded in dir's
// dev.env when it should: with local (the --local flag), or when
// PARCELGATE_TABLE is not set. A PARCELGATE_TABLE of the caller's own
// means a deployed table, reached through the normal AWS configuration
// chain, whatever runs locally. The record counts only while the dev
// server that wrote it and its DynamoDB endpoint are alive, so a leftover
// file never sends a command to a dead or unrelated endpoint.
func useLocalStack(dir string, local bool) error {
	if !local && os.Getenv(app.EnvTable) != "" {
		return nil
	}
	env, err := runningLocalStack(dir)
	if err != nil {
		return err
	}
	if env == nil {
		if local {
			return errNoLocalStack
		}
		return fmt.Errorf("%w (or set %s to use a deployed table)", errNoLocalStack, app.EnvTable)
	}
	for _, k := range sortedKeys(env) {
		// --local wins over the environment's table; nothing else is
		// replaced, so AWS_ENDPOINT_URL of a LocalStack user still counts.
		if _, set := os.LookupEnv(k); !set || (local && k == app.EnvTable) {
			if err := os.Setenv(k, env[k]); err != nil {
				return err
			}
		}
	}
	return nil
}

// runningLocalStack returns the variables recorded in dir's dev.env, or
// nil when no dev server is running there.
func runningLocalStack(dir string) (map[string]string, error) {
	f, err := os.Open(filepath.Join(dir, devEnvFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			env[k] = v
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	pid, err := strconv.Atoi(env[devPIDKey])
	delete(env, devPIDKey)
	if err != nil || !devServerAlive(pid) || !endpointAnswers(env["AWS_ENDPOINT_URL_DYNAMODB"]) {
		return nil, nil
	}
	return env, nil
}

// devServerAlive reports whether pid is a running parcelgate process; a
// reused pid of another program does not count where /proc tells.
func devServerAlive(pid int) bool {
	if pid <= 1 || syscall.Kill(pid, 0) != nil {
		return false
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return true
	}
	return strings.Contains(string(cmdline), "parcelgate")
}

// endpointAnswers reports whether something accepts connections at the
// endpoint URL. An empty endpoint (LocalStack through AWS_ENDPOINT_URL,
// checked when used) passes.
func endpointAnswers(endpoint string) bool {
	if endpoint == "" {
		return true
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return false
	}
	c, err := net.DialTimeout("tcp", u.Host, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}
