package devstack

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// A detached stack (parcelgate stack-up) is recorded in a state file that is
// also a shell script: `. .parcelgate/stack.env` sets the environment, and
// the `# pid` comments tell StopSaved what to stop.
//
//	# pid 4242 dynamodb DynamoDBLoopback.java
//	export AWS_ENDPOINT_URL_DYNAMODB='http://127.0.0.1:8000'
const pidPrefix = "# pid "

// StateFile is where a detached stack in stateDir is recorded.
func StateFile(stateDir string) string { return filepath.Join(stateDir, "stack.env") }

// Save records the stack in the state file at path.
func (s *Stack) Save(path string) error {
	var b strings.Builder
	b.WriteString("# Written by `parcelgate stack-up`; `parcelgate stack-down` stops these processes.\n")
	for _, p := range s.procs {
		fmt.Fprintf(&b, "%s%d %s %s\n", pidPrefix, p.cmd.Process.Pid, p.name, p.marker)
	}
	for _, kv := range s.Env() {
		b.WriteString(ExportLine(kv) + "\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("devstack: %w", err)
	}
	return nil
}

// ExportLine turns NAME=value into a POSIX shell export statement.
func ExportLine(kv string) string {
	name, value, _ := strings.Cut(kv, "=")
	return "export " + name + "='" + strings.ReplaceAll(value, "'", `'\''`) + "'"
}

type savedProcess struct {
	pid    int
	name   string
	marker string
}

func readState(path string) ([]savedProcess, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []savedProcess
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), pidPrefix)
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 3 {
			return nil, fmt.Errorf("%s: malformed line %q", path, sc.Text())
		}
		pid, err := strconv.Atoi(f[0])
		if err != nil || pid <= 1 {
			return nil, fmt.Errorf("%s: malformed line %q", path, sc.Text())
		}
		out = append(out, savedProcess{pid: pid, name: f[1], marker: f[2]})
	}
	return out, nil
}

// alive reports whether the saved process still runs. Where /proc exists
// it also checks the command line, so a reused pid does not count.
func (p savedProcess) alive() bool {
	if syscall.Kill(p.pid, 0) != nil {
		return false
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p.pid))
	if err != nil {
		return !isDir("/proc/self")
	}
	return bytes.Contains(cmdline, []byte(p.marker))
}

func isDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

// SavedAlive reports whether any process recorded at path still runs.
func SavedAlive(path string) (bool, error) {
	procs, err := readState(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("devstack: %w", err)
	}
	for _, p := range procs {
		if p.alive() {
			return true, nil
		}
	}
	return false, nil
}

// StopSaved stops the processes recorded at path (each leads its own
// session, so its whole process group goes) and removes the file. It
// returns the names of the processes it stopped.
func StopSaved(path string) ([]string, error) {
	procs, err := readState(path)
	if err != nil {
		return nil, fmt.Errorf("devstack: %w", err)
	}
	var stopped []string
	var errs []error
	for _, p := range procs {
		if !p.alive() {
			continue
		}
		if err := terminateGroup(p); err != nil {
			errs = append(errs, err)
			continue
		}
		stopped = append(stopped, p.name)
	}
	if len(errs) == 0 {
		errs = append(errs, os.Remove(path))
	}
	return stopped, errors.Join(errs...)
}

func terminateGroup(p savedProcess) error {
	sig := syscall.SIGTERM
	deadline := time.Now().Add(stopGrace)
	for p.alive() {
		if time.Now().After(deadline) {
			sig = syscall.SIGKILL
		}
		if err := syscall.Kill(-p.pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("devstack: stop %s (pid %d): %w", p.name, p.pid, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return nil
}
