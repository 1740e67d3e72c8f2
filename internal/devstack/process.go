package devstack

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// stopGrace is how long an emulator gets to exit after SIGTERM before it is
// killed.
const stopGrace = 10 * time.Second

// process is an emulator started by this package, leader of its own
// process group.
type process struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	// marker is a word of the command line (the script's file name) that
	// identifies the process, so a stale state file never makes StopSaved
	// signal a process that merely reused the pid.
	marker string
	// stdin is our end of the child's stdin, nil for detached processes.
	// The emulators exit when it closes, which also happens when this
	// process dies without running Close.
	stdin   io.Closer
	done    chan struct{} // closed once cmd.Wait returned
	waitErr error
	// keepLog is set once the process failed: its log is then kept for
	// inspection, while a clean stop removes it (ports vary, so logs
	// would otherwise pile up).
	keepLog bool
}

// exited reports whether the process has already exited.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop terminates the process group and waits for the process to exit.
func (p *process) stop() error {
	if p.exited() {
		return p.failure(fmt.Errorf("exited before the stack was closed: %v", p.waitErr))
	}
	if p.stdin != nil {
		p.stdin.Close() // only a signal to the child; Wait closes it too
	}
	if err := syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("devstack: stop %s: %w", p.name, err)
	}
	select {
	case <-p.done:
	case <-time.After(stopGrace):
		if err := syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("devstack: kill %s: %w", p.name, err)
		}
		<-p.done
	}
	if !p.keepLog {
		os.Remove(p.logPath) // best effort; a leftover log is harmless
	}
	return nil
}

// failure wraps err with the emulator's name and the end of its log, which
// usually says what went wrong (port in use, Java too old, …).
func (p *process) failure(err error) error {
	p.keepLog = true
	return fmt.Errorf("devstack: %s emulator: %w\nlast lines of %s:\n%s", p.name, err, p.logPath, logTail(p.logPath, 20))
}

// logTail returns the last n lines of the file at path.
func logTail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(cannot read log: %v)", err)
	}
	lines := bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}

// lockFile takes an exclusive lock on path, creating it, and returns the
// function that releases it.
func lockFile(path string) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("devstack: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("devstack: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("devstack: lock %s: %w", path, err)
	}
	return func() { f.Close() }, nil // closing the file releases the lock
}
