package devstack

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// checkOwner fails unless the socket listening on port belongs to the
// emulator p. Two stacks starting at the same moment could otherwise pick
// the same port: the second emulator fails to bind (some stay alive
// without a port) while its stack's readiness probe is answered by the
// other stack's emulator, and both report "up" wired to one database.
// Where /proc is missing (macOS) the machine-wide port lock is all there is.
func checkOwner(p *process, port int) error {
	inodes, err := listeningInodes(port)
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return fmt.Errorf("who listens on port %d: %w", port, err)
	}
	if len(inodes) == 0 {
		return fmt.Errorf("nothing listens on 127.0.0.1:%d although it answered", port)
	}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", p.cmd.Process.Pid))
	if err != nil {
		return fmt.Errorf("its sockets: %w", err)
	}
	for _, fd := range fds {
		link, err := os.Readlink(filepath.Join(fmt.Sprintf("/proc/%d/fd", p.cmd.Process.Pid), fd.Name()))
		if err == nil && inodes[link] {
			return nil
		}
	}
	return fmt.Errorf("port %d answers, but not from the emulator this stack started (pid %d): "+
		"another stack took the port; start again", port, p.cmd.Process.Pid)
}

// listeningInodes returns the socket inodes ("socket:[N]") listening on
// port, from /proc/net/tcp and tcp6.
func listeningInodes(port int) (map[string]bool, error) {
	out := map[string]bool{}
	hexPort := fmt.Sprintf(":%04X", port)
	found := false
	for _, name := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(name)
		if err != nil {
			continue
		}
		found = true
		sc := bufio.NewScanner(f)
		sc.Scan() // header
		for sc.Scan() {
			cols := strings.Fields(sc.Text())
			const listen = "0A"
			if len(cols) < 10 || cols[3] != listen || !strings.HasSuffix(cols[1], hexPort) {
				continue
			}
			if _, err := strconv.ParseUint(cols[9], 10, 64); err == nil {
				out["socket:["+cols[9]+"]"] = true
			}
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return nil, err
		}
	}
	if !found {
		return nil, os.ErrNotExist
	}
	return out, nil
}
