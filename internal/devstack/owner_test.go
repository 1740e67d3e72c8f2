package devstack

import (
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// startChild runs a node one-liner as an emulator stand-in.
func startChild(t *testing.T, script string) *process {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is needed for this test (the SQS emulator needs it too):", err)
	}
	cmd := exec.Command(node, "-e", script)
	p := &process{name: "stand-in", cmd: cmd, logPath: filepath.Join(t.TempDir(), "log"), done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.waitErr = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-p.done })
	return p
}

func freePort(t *testing.T) int {
	t.Helper()
	port, err := pickPort(0)
	if err != nil {
		t.Fatal(err)
	}
	return port
}

func waitListening(t *testing.T, port int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port))); err == nil {
			c.Close()
			return
		}
	}
	t.Fatalf("nothing listens on %d", port)
}

func TestCheckOwnerAcceptsTheEmulatorsOwnSocket(t *testing.T) {
	port := freePort(t)
	p := startChild(t, "require('net').createServer().listen("+strconv.Itoa(port)+", '127.0.0.1')")
	waitListening(t, port)
	if err := checkOwner(p, port); err != nil {
		t.Errorf("checkOwner on the child's own port: %v", err)
	}
}

// Another stack's emulator on the port: the check must name the clash
// instead of letting this stack report "up".
func TestCheckOwnerRefusesAPortHeldByAnotherProcess(t *testing.T) {
	other, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	port := other.Addr().(*net.TCPAddr).Port
	p := startChild(t, "setTimeout(() => {}, 60000)")
	err = checkOwner(p, port)
	if err == nil || !strings.Contains(err.Error(), "another stack took the port") {
		t.Errorf("checkOwner on a port another process holds: err = %v", err)
	}
}
