package devstack

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestEnvFillsOnlyWhatIsMissing(t *testing.T) {
	s := &Stack{DynamoDBEndpoint: "http://127.0.0.1:1", SQSEndpoint: "http://127.0.0.1:2", SESEndpoint: "http://127.0.0.1:3", procs: []*process{{}}}
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	want := []string{
		"AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:1", "AWS_ENDPOINT_URL_SQS=http://127.0.0.1:2", "AWS_ENDPOINT_URL_SESV2=http://127.0.0.1:3",
		"AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
	}
	if got := s.Env(); !slices.Equal(got, want) {
		t.Errorf("Env() = %v, want %v", got, want)
	}
	t.Setenv("AWS_DEFAULT_REGION", "eu-west-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "mine")
	if got := s.Env(); len(got) != 3 {
		t.Errorf("Env() = %v, want only the endpoints", got)
	}
	external := &Stack{}
	if got := external.Env(); len(got) != 0 {
		t.Errorf("external Env() = %v, want nothing: the environment already has it all", got)
	}
}

func TestUpExternalNeedsBothServices(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL", "")
	t.Setenv("AWS_ENDPOINT_URL_DYNAMODB", "")
	t.Setenv("AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:1")
	_, err := Up(t.Context(), Options{})
	if err == nil || !strings.Contains(err.Error(), "real AWS") {
		t.Errorf("Up with only the SQS endpoint: err = %v", err)
	}
}

func TestUpNeedsJava(t *testing.T) {
	for _, v := range endpointVars {
		t.Setenv(v, "")
	}
	t.Setenv("PATH", t.TempDir())
	_, err := Up(t.Context(), Options{RepoDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "openjdk") {
		t.Errorf("Up without java: err = %v", err)
	}
}

func TestPickPortAvoidsBusyPorts(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	busy := l.Addr().(*net.TCPAddr).Port
	got, err := pickPort(busy)
	if err != nil || got == busy || got == 0 {
		t.Errorf("pickPort(%d) = %d, %v", busy, got, err)
	}
}

func TestFindRepoDir(t *testing.T) {
	repo, err := FindRepoDir(".")
	if err != nil {
		t.Fatal(err)
	}
	if !isFile(filepath.Join(repo, "localstack", "DynamoDBLoopback.java")) {
		t.Errorf("FindRepoDir = %s, which has no localstack/DynamoDBLoopback.java", repo)
	}
	if _, err := FindRepoDir(t.TempDir()); err == nil {
		t.Error("FindRepoDir found a checkout in an empty directory")
	}
}

func TestExportLineQuotes(t *testing.T) {
	if got, want := ExportLine("A=it's $HOME"), `export A='it'\''s $HOME'`; got != want {
		t.Errorf("ExportLine = %s, want %s", got, want)
	}
}

func TestStateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stack.env")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	content := fmt.Sprintf("# header\n%s%d test %s\n%s%d gone %s\nexport X='1'\n",
		pidPrefix, os.Getpid(), filepath.Base(self), pidPrefix, os.Getpid(), "not-this-process")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	procs, err := readState(path)
	if err != nil || len(procs) != 2 {
		t.Fatalf("readState = %+v, %v", procs, err)
	}
	if !procs[0].alive() || procs[1].alive() {
		t.Errorf("alive: this process %v, a reused pid %v", procs[0].alive(), procs[1].alive())
	}
	if alive, err := SavedAlive(filepath.Join(t.TempDir(), "none")); alive || err != nil {
		t.Errorf("SavedAlive(missing) = %v, %v", alive, err)
	}
	if err := os.WriteFile(path, []byte(pidPrefix+"12 x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readState(path); err == nil {
		t.Error("readState accepted a malformed pid line")
	}
}

func TestStopSavedStopsProcessGroup(t *testing.T) {
	cmd := exec.Command("sleep", "60")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	// Right after exec, /proc/<pid>/cmdline can still read empty.
	sleeper := savedProcess{pid: cmd.Process.Pid, name: "sleeper", marker: "sleep"}
	for i := 0; i < 100 && !sleeper.alive(); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	path := filepath.Join(t.TempDir(), "stack.env")
	line := pidPrefix + strconv.Itoa(cmd.Process.Pid) + " sleeper sleep\n"
	if err := os.WriteFile(path, []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	stopped, err := StopSaved(path)
	if err != nil || !slices.Equal(stopped, []string{"sleeper"}) {
		t.Fatalf("StopSaved = %v, %v", stopped, err)
	}
	<-done
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("state file still there: %v", err)
	}
}
