package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parcelgate/parcelgate/internal/app"
)

// writeRecord writes a dev.env as the dev server would, for pid and a
// DynamoDB endpoint.
func writeRecord(t *testing.T, pid int, endpoint string) string {
	t.Helper()
	dir := t.TempDir()
	body := fmt.Sprintf("%s=%d\nAWS_ENDPOINT_URL_DYNAMODB=%s\nAWS_ACCESS_KEY_ID=test\n%s=parcelgate-Table\n", devPIDKey, pid, endpoint, app.EnvTable)
	if err := os.WriteFile(filepath.Join(dir, devEnvFile), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// listening returns an endpoint that accepts connections while the test runs.
func listening(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return "http://" + ln.Addr().String()
}

// closedEndpoint returns an endpoint nothing listens on.
func closedEndpoint(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

func clearAWSEnv(t *testing.T) {
	for _, k := range []string{app.EnvTable, "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ACCESS_KEY_ID"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
}

func TestUseLocalStackAppliesARunningStack(t *testing.T) {
	clearAWSEnv(t)
	endpoint := listening(t)
	// The test binary (parcelgate.test) stands in for the dev server.
	dir := writeRecord(t, os.Getpid(), endpoint)
	if err := useLocalStack(dir, false); err != nil {
		t.Fatal(err)
	}
	if os.Getenv("AWS_ENDPOINT_URL_DYNAMODB") != endpoint || os.Getenv(app.EnvTable) != "parcelgate-Table" {
		t.Fatalf("local settings not applied: %s %s", os.Getenv("AWS_ENDPOINT_URL_DYNAMODB"), os.Getenv(app.EnvTable))
	}
	if _, set := os.LookupEnv(devPIDKey); set {
		t.Error("the dev server's pid leaked into the environment")
	}
}

func TestUseLocalStackLeavesAnAWSTableAlone(t *testing.T) {
	clearAWSEnv(t)
	t.Setenv(app.EnvTable, "parcelgate-Table-1ABC")
	dir := writeRecord(t, os.Getpid(), listening(t))
	if err := useLocalStack(dir, false); err != nil {
		t.Fatal(err)
	}
	if v, set := os.LookupEnv("AWS_ENDPOINT_URL_DYNAMODB"); set {
		t.Fatalf("a command for AWS was pointed at the local stack: %s", v)
	}
	if os.Getenv(app.EnvTable) != "parcelgate-Table-1ABC" {
		t.Fatal("the caller's table was replaced")
	}
}

func TestUseLocalStackWithLocalFlagWinsOverTheTable(t *testing.T) {
	clearAWSEnv(t)
	t.Setenv(app.EnvTable, "parcelgate-Table-1ABC")
	dir := writeRecord(t, os.Getpid(), listening(t))
	if err := useLocalStack(dir, true); err != nil {
		t.Fatal(err)
	}
	if os.Getenv(app.EnvTable) != "parcelgate-Table" || os.Getenv("AWS_ENDPOINT_URL_DYNAMODB") == "" {
		t.Fatal("--local did not select the local stack")
	}
}

func TestUseLocalStackRefusesAStoppedStack(t *testing.T) {
	deadPID := func() int {
		// A pid far above any pid_max is never running.
		return 1 << 30
	}
	cases := map[string]struct {
		dir   func(t *testing.T) string
		local bool
	}{
		"no record":                     {func(t *testing.T) string { return t.TempDir() }, false},
		"no record, --local":            {func(t *testing.T) string { return t.TempDir() }, true},
		"dev server gone":               {func(t *testing.T) string { return writeRecord(t, deadPID(), listening(t)) }, false},
		"dev server gone, --local":      {func(t *testing.T) string { return writeRecord(t, deadPID(), listening(t)) }, true},
		"endpoint closed":               {func(t *testing.T) string { return writeRecord(t, os.Getpid(), closedEndpoint(t)) }, false},
		"pid of another program":        {func(t *testing.T) string { return writeRecord(t, 1, listening(t)) }, true},
		"malformed pid in a stale file": {func(t *testing.T) string { return writeRecord(t, 0, listening(t)) }, true},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			clearAWSEnv(t)
			err := useLocalStack(c.dir(t), c.local)
			if !errors.Is(err, errNoLocalStack) || !strings.Contains(err.Error(), "no local stack running: start one with make run") {
				t.Fatalf("got %v", err)
			}
			if v, set := os.LookupEnv("AWS_ENDPOINT_URL_DYNAMODB"); set {
				t.Fatalf("endpoint of a stopped stack applied: %s", v)
			}
		})
	}
}
