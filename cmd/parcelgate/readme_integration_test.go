//go:build integration

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/apitest"
)

// asCLI is set in the environment of the README's shell: the test binary,
// started under that name, is the parcelgate command (TestMain).
const asCLI = "PARCELGATE_TEST_AS_CLI"

// readmeWait bounds how long an example that reads (only GETs) is run
// again until its answer is the one shown: processing is asynchronous.
const readmeWait = 20 * time.Second

// placeholders are what the README asks the reader to fill in from an
// earlier answer: the first answer of the request named gives the value.
var placeholders = []struct{ text, request, field string }{
	{"<projectId>", "POST /v1/projects", "projectId"},
	{"<jobId>", "POST /v1/projects/*/tracking-number-jobs", "jobId"},
	{"<webhookId>", "POST /v1/projects/*/webhooks", "webhookId"},
	{"<nextCursor>", "GET /v1/projects/*/events", "nextCursor"},
	// The export example repeats the srvDateUTC the query above it showed.
	{"2026-12-01T16:50:40.1203698", "POST /v1/data/*/shipment/query", "srvDateUTC"},
}

// TestREADMEExamplesRunAsWritten runs every shell example of README.md,
// in order, with bash and curl against the API on the emulators (through
// a proxy that records each exchange), and checks each answer against
// the comment under it. Only the README's own URLs and the values it asks
// the reader to fill in are replaced.
func TestREADMEExamplesRunAsWritten(t *testing.T) {
	e := apitest.Start(t)
	secret := "readme-" + fmt.Sprint(time.Now().UnixNano())
	for _, id := range []string{"demo", "demo-ops"} {
		if _, err := e.API.Credentials.Create(context.Background(), "demo", id, secret); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	api := startRecordingProxy(t, e)
	hooks := startReceiver(t, filepath.Join(dir, "receiver-status"))
	r := &readmeRun{
		t: t, dir: dir, api: api, hooks: hooks, values: map[string]string{"<secret>": secret},
		replace: []string{
			"http://127.0.0.1:3000", api.url,
			"http://127.0.0.1:9000", hooks.url,
			sesURL, sesEndpoint(),
			"/tmp/receiver-status", filepath.Join(dir, "receiver-status"),
		},
		env: shellEnv(t, dir, secret),
	}
	for _, ex := range readREADME(t) {
		if skipReason(ex) != "" {
			continue
		}
		r.run(ex)
		if t.Failed() {
			t.Fatalf("stopping at README line %d: the examples after it build on it", ex.line)
		}
	}
}

// sesURL is the SES emulator's store as the README names it: the one
// example that asks something other than the API.
const sesURL = "http://127.0.0.1:8005"

func sesEndpoint() string {
	if u := os.Getenv("AWS_ENDPOINT_URL_SESV2"); u != "" {
		return u
	}
	return os.Getenv("AWS_ENDPOINT_URL")
}

// shellEnv is the shell's first environment: parcelgate on the PATH (this
// binary), a home of its own, the secret login reads.
func shellEnv(t *testing.T, dir, secret string) []string {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	shim := "#!/bin/sh\nexec '" + self + "' \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "parcelgate"), []byte(shim), 0o755); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(dir, "home")
	if err := os.Mkdir(home, 0o700); err != nil {
		t.Fatal(err)
	}
	return []string{
		"PATH=" + bin + ":" + os.Getenv("PATH"),
		"HOME=" + home,
		"PARCELGATE_CLIENT_SECRET=" + secret,
		asCLI + "=1",
	}
}

type readmeRun struct {
	t       *testing.T
	dir     string
	api     *recordingProxy
	hooks   *receiver
	values  map[string]string // placeholder → value
	replace []string          // old, new pairs
	env     []string          // the shell's variables after the last command
}

func (r *readmeRun) run(ex readmeExample) {
	t := r.t
	replacer := strings.NewReplacer(r.replace...)
	cmd := replacer.Replace(ex.text)
	for _, p := range placeholders {
		if strings.Contains(cmd, p.text) {
			v, ok := r.values[p.text]
			if !ok {
				t.Fatalf("README line %d uses %s before any answer gave it", ex.line, p.text)
			}
			cmd = strings.ReplaceAll(cmd, p.text, v)
		}
	}
	cmd = strings.ReplaceAll(cmd, "<secret>", r.values["<secret>"])
	isCLI := strings.Contains(ex.text, "parcelgate ")
	answer := append([]string{ex.note}, ex.answer...)
	if isCLI {
		answer = append([]string(nil), ex.answer...)
	}
	for i := range answer {
		answer[i] = replacer.Replace(answer[i])
	}
	x := expect(answer)
	deadline := time.Now().Add(readmeWait)
	for {
		seen := len(r.api.exchanges())
		out := r.shell(ex, cmd)
		got := r.api.exchanges()[seen:]
		problem := ""
		switch {
		case isCLI:
			problem = cliProblem(ex, answer, out, r.dir, r.home())
		case strings.Contains(ex.text, "curl ") && !strings.Contains(ex.text, sesURL):
			problem = answerProblem(x, got)
		}
		if problem == "" {
			r.capture(got)
			r.awaitDeliveries(ex, x.deliveries)
			return
		}
		if !onlyReads(got) || time.Now().After(deadline) {
			t.Errorf("README line %d:\n%s\n%s", ex.line, ex.text, problem)
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (r *readmeRun) home() string {
	for _, kv := range r.env {
		if h, ok := strings.CutPrefix(kv, "HOME="); ok {
			return h
		}
	}
	return ""
}

// shell runs one command with the variables the earlier ones set, keeps
// the variables it sets, and returns what it printed.
func (r *readmeRun) shell(ex readmeExample, cmd string) string {
	t := r.t
	state := filepath.Join(r.dir, "state")
	c := exec.Command("bash", "-c", "set -a\n"+cmd+"\nenv -0 > "+state)
	c.Dir, c.Env = r.dir, r.env
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	if err := c.Run(); err != nil {
		t.Fatalf("README line %d: %v\n%s\nstderr: %s", ex.line, err, cmd, stderr.String())
	}
	data, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}
	r.env = nil
	for _, kv := range strings.Split(strings.TrimSuffix(string(data), "\x00"), "\x00") {
		if !strings.HasPrefix(kv, "_=") && !strings.HasPrefix(kv, "SHLVL=") && !strings.HasPrefix(kv, "PWD=") && !strings.HasPrefix(kv, "OLDPWD=") {
			r.env = append(r.env, kv)
		}
	}
	return stdout.String()
}

// capture keeps the placeholders' values from the answers of one command.
func (r *readmeRun) capture(got []exchange) {
	for _, p := range placeholders {
		if _, ok := r.values[p.text]; ok {
			continue
		}
		for _, x := range got {
			if !requestMatches(p.request, x.method, x.path) {
				continue
			}
			if v, ok := decodeJSON(x.body); ok {
				if s, ok := findString(v, p.field); ok {
					r.values[p.text] = s
				}
			}
		}
	}
}

// awaitDeliveries waits until the receiver got a delivery like each shown.
func (r *readmeRun) awaitDeliveries(ex readmeExample, want []*pattern) {
	for _, p := range want {
		deadline := time.Now().Add(readmeWait)
		for !r.hooks.received(p) {
			if time.Now().After(deadline) {
				r.t.Errorf("README line %d: the receiver got no delivery like %s; it got:\n%s", ex.line, strings.Join(ex.answer, " "), r.hooks.dump())
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
}

// answerProblem says how the answer differs from the one shown, or "".
func answerProblem(x expectation, got []exchange) string {
	if len(got) != 1 {
		return fmt.Sprintf("%d requests reached the API, want 1", len(got))
	}
	a := got[0]
	switch {
	case x.status != 0 && a.status != x.status:
		return fmt.Sprintf("status %d, the README shows %d; body: %s", a.status, x.status, a.body)
	case x.status == 0 && (a.status < 200 || a.status > 299):
		return fmt.Sprintf("status %d, the README shows a success; body: %s", a.status, a.body)
	case x.word != "" && !bytes.Contains(a.body, []byte(x.word)):
		return fmt.Sprintf("the body does not say %s: %s", x.word, a.body)
	}
	if x.body == nil {
		return ""
	}
	v, ok := decodeJSON(a.body)
	if !ok || !x.body.matchesWithin(v) {
		return fmt.Sprintf("the answer is not the one shown:\n%s", a.body)
	}
	return ""
}

// cliProblem compares a command's output (or, for a command writing a
// file, the file) with the lines shown under it: each must be a line of
// the output, in order, spaces aside; the home directory shows as ~.
func cliProblem(ex readmeExample, answer []string, out, dir, home string) string {
	if m := redirect.FindStringSubmatch(ex.text); m != nil {
		data, err := os.ReadFile(filepath.Join(dir, m[1]))
		if err != nil {
			return err.Error()
		}
		out = string(data)
	}
	out = strings.ReplaceAll(out, home, "~")
	lines := strings.Split(out, "\n")
	for _, want := range answer {
		if want == "..." {
			continue
		}
		for len(lines) > 0 && strings.Join(strings.Fields(lines[0]), " ") != strings.Join(strings.Fields(want), " ") {
			lines = lines[1:]
		}
		if len(lines) == 0 {
			return fmt.Sprintf("the output has no line %q in order; it begins:\n%s", want, firstLines(out, 20))
		}
		lines = lines[1:]
	}
	return ""
}

// redirect finds a command's output file: `... > carriers.jsonl`.
var redirect = regexp.MustCompile(`>\s*(\S+)\s*$`)

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], "\n")
}

// onlyReads reports whether a command only read, so that running it again
// until its answer is the one shown changes nothing: GETs, and the
// searches sent as POSTs.
func onlyReads(got []exchange) bool {
	for _, x := range got {
		search := x.method == http.MethodPost && (strings.HasSuffix(x.path, "/query") || x.path == "/v1/tracker")
		if x.method != http.MethodGet && !search {
			return false
		}
	}
	return len(got) > 0
}

// requestMatches reports whether method and path are the request named as
// "METHOD /path/with/*/segments".
func requestMatches(name, method, path string) bool {
	m, pattern, _ := strings.Cut(name, " ")
	if m != method {
		return false
	}
	want, have := strings.Split(pattern, "/"), strings.Split(path, "/")
	if len(want) != len(have) {
		return false
	}
	for i := range want {
		if want[i] != "*" && want[i] != have[i] {
			return false
		}
	}
	return true
}

// findString returns the first string value of key in v, depth first.
func findString(v any, key string) (string, bool) {
	switch v := v.(type) {
	case map[string]any:
		if s, ok := v[key].(string); ok {
			return s, true
		}
		for _, c := range v {
			if s, ok := findString(c, key); ok {
				return s, true
			}
		}
	case []any:
		for _, c := range v {
			if s, ok := findString(c, key); ok {
				return s, true
			}
		}
	}
	return "", false
}

type exchange struct {
	method, path string
	status       int
	body         []byte
}

// recordingProxy passes curl's requests to the API through the test's
// client, which checks them against the OpenAPI document and fails the
// test on any 5xx, and records each exchange.
type recordingProxy struct {
	url string
	mu  sync.Mutex
	log []exchange
}

func startRecordingProxy(t *testing.T, e *apitest.Env) *recordingProxy {
	p := &recordingProxy{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		out, err := http.NewRequestWithContext(req.Context(), req.Method, e.URL+req.URL.RequestURI(), bytes.NewReader(body))
		if err != nil {
			t.Error(err)
			return
		}
		out.Header = req.Header.Clone()
		out.Host = req.Host // links in answers name the address curl used
		resp, err := e.HTTPClient().Do(out)
		if err != nil {
			t.Error(err)
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		answer, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Error(err)
		}
		p.mu.Lock()
		p.log = append(p.log, exchange{method: req.Method, path: req.URL.Path, status: resp.StatusCode, body: answer})
		p.mu.Unlock()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(answer)
	}))
	t.Cleanup(srv.Close)
	p.url = srv.URL
	return p
}

func (p *recordingProxy) exchanges() []exchange {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]exchange(nil), p.log...)
}

// receiver is the README's webhook receiver: /hooks answers the status
// in its status file, any other path 200; it keeps every body.
type receiver struct {
	url    string
	mu     sync.Mutex
	bodies [][]byte
}

func startReceiver(t *testing.T, statusFile string) *receiver {
	r := &receiver{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.bodies = append(r.bodies, body)
		r.mu.Unlock()
		status := http.StatusOK
		if req.URL.Path == "/hooks" {
			data, err := os.ReadFile(statusFile)
			if err == nil {
				_, _ = fmt.Sscan(string(data), &status)
			}
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	r.url = srv.URL
	return r
}

func (r *receiver) received(p *pattern) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, b := range r.bodies {
		if v, ok := decodeJSON(b); ok && p.matches(v) {
			return true
		}
	}
	return false
}

func (r *receiver) dump() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	for _, body := range r.bodies {
		b.Write(body)
		b.WriteByte('\n')
	}
	return b.String()
}
