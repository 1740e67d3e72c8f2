package coldstart

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/auth"
)

// BenchmarkColdStart runs each function's bootstrap, built as the
// Makefile builds it (for the host's OS and architecture), under a
// minimal Lambda Runtime API and times exec to its first
// GET /2018-06-01/runtime/invocation/next: the Go runtime, package
// initialisation and the function's wiring. Every start of a function is
// paired with a start of the hello-world baseline (testdata/hello: the
// AWS configuration loaded and the DynamoDB and SQS clients built, as
// every function must; for a function that links another AWS service,
// that service's client too), so the machine's load weighs on both alike;
// both are cached in 4 KiB pages (rewrite), so neither starts from larger
// page-cache folios by chance. Metrics per function: ms/start and hello-ms are the medians, x-hello
// their ratio (the aim is at most 1.3); cpu-x-hello is the ratio of the
// median CPU time (user + system) the process used, which a loaded
// machine disturbs less than the wall clock. More samples than the
// default one second gives: -benchtime=40x.
func BenchmarkColdStart(b *testing.B) {
	bins := build(b)
	api := newRuntimeAPI(b)
	env := environment(b, api.addr)
	for _, fn := range bins.functions {
		hello := bins.hello[fn]
		// One start each first, uncounted: the page cache then holds both
		// binaries, so the samples compare start work, not disk reads.
		api.start(b, hello, env)
		api.start(b, bins.path(fn), env)
		b.Run(fn, func(b *testing.B) {
			var fnTimes, helloTimes, fnCPU, helloCPU []time.Duration
			for range b.N {
				wall, cpu := api.start(b, hello, env)
				helloTimes, helloCPU = append(helloTimes, wall), append(helloCPU, cpu)
				wall, cpu = api.start(b, bins.path(fn), env)
				fnTimes, fnCPU = append(fnTimes, wall), append(fnCPU, cpu)
			}
			f, h := median(fnTimes), median(helloTimes)
			b.ReportMetric(ms(f), "ms/start")
			b.ReportMetric(ms(h), "hello-ms")
			b.ReportMetric(float64(f)/float64(h), "x-hello")
			b.ReportMetric(float64(median(fnCPU))/float64(median(helloCPU)), "cpu-x-hello")
		})
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// bootstraps are the built binaries: the functions, and each one's
// baseline.
type bootstraps struct {
	dir       string
	functions []string
	hello     map[string]string
}

func (bs bootstraps) path(fn string) string { return filepath.Join(bs.dir, fn) }

// moreClients are the AWS services a function may link beyond DynamoDB,
// SQS and those the configuration loader links, each with the build tag
// of the baseline that builds its client too.
var moreClients = map[string]string{
	"github.com/aws/aws-sdk-go-v2/service/ssm":   "coldstart_ssm",
	"github.com/aws/aws-sdk-go-v2/service/sesv2": "coldstart_ses",
}

// build compiles every function of the Makefile's FUNCTIONS and the
// hello-world baselines with the flags of the Makefile's LAMBDA_BUILD.
func build(b *testing.B) bootstraps {
	b.Helper()
	root := moduleRoot(b)
	makefile, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		b.Fatal(err)
	}
	functions, flags := makeBuild(b, string(makefile))
	dir := b.TempDir()
	args := append([]string{"build"}, flags...)
	args = append(args, "-o", dir+string(filepath.Separator))
	for _, fn := range functions {
		args = append(args, "./functions/"+fn)
	}
	goCommand(b, root, args...)
	bins := bootstraps{dir: dir, functions: functions, hello: map[string]string{}}
	for _, fn := range functions {
		tags := baselineTags(b, root, fn)
		name := strings.Join(append([]string{"hello"}, tags...), "-")
		bins.hello[fn] = filepath.Join(dir, name)
		if _, err := os.Stat(bins.hello[fn]); err == nil {
			continue
		}
		args := append([]string{"build"}, withTags(flags, tags)...)
		goCommand(b, root, append(args, "-o", bins.hello[fn], "./internal/coldstart/testdata/hello")...)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	for _, e := range entries {
		rewrite(b, filepath.Join(dir, e.Name()))
	}
	return bins
}

// rewrite copies bin into a fresh file 4 KiB at a time. The linker writes
// its output through a memory mapping, which leaves the file cached partly
// in 4 KiB pages and partly in larger folios, in a mix that changes from
// build to build (5 % to 25 % of a bootstrap's resident pages in larger
// folios, on one machine); a process runs from larger folios with fewer
// page faults, so the mix, not the code, moved the ratios between runs.
// Written 4 KiB at a time, every bootstrap and baseline is cached in 4 KiB
// pages, as on a kernel whose page cache has no larger folios.
func rewrite(b *testing.B, bin string) {
	b.Helper()
	data, err := os.ReadFile(bin)
	if err != nil {
		b.Fatal(err)
	}
	tmp := bin + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		b.Fatal(err)
	}
	const page = 4096
	for len(data) > 0 {
		n := min(page, len(data))
		if _, err := f.Write(data[:n]); err != nil {
			b.Fatal(err)
		}
		data = data[n:]
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp, bin); err != nil {
		b.Fatal(err)
	}
}

// baselineTags are the build tags of fn's baseline: one for each AWS
// service beyond the baseline's that fn links. A service the baseline
// cannot build fails the benchmark, which would otherwise count that
// client's start as the function's own.
func baselineTags(b *testing.B, root, fn string) []string {
	b.Helper()
	var tags []string
	for _, pkg := range strings.Fields(goCommand(b, root, "list", "-deps", "./functions/"+fn)) {
		service, ok := strings.CutPrefix(pkg, "github.com/aws/aws-sdk-go-v2/service/")
		if !ok || strings.Contains(service, "/") {
			continue
		}
		switch tag, known := moreClients[pkg]; {
		case known:
			tags = append(tags, tag)
		case !slices.Contains([]string{"dynamodb", "sqs", "signin", "sso", "ssooidc", "sts"}, service):
			b.Fatalf("%s links the AWS SDK's %s, whose client the baseline does not build (moreClients)", fn, service)
		}
	}
	slices.Sort(tags)
	return tags
}

// withTags is flags with tags added to its -tags list.
func withTags(flags, tags []string) []string {
	out := slices.Clone(flags)
	for i := range out {
		if out[i] == "-tags" && i+1 < len(out) && len(tags) > 0 {
			out[i+1] += "," + strings.Join(tags, ",")
			return out
		}
	}
	if len(tags) > 0 {
		out = append(out, "-tags", strings.Join(tags, ","))
	}
	return out
}

// goCommand runs the go command in root for the host, and returns its
// output.
func goCommand(b *testing.B, root string, args ...string) string {
	b.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH)
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		b.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return string(out)
}

var (
	functionsLine = regexp.MustCompile(`(?m)^FUNCTIONS := (.+)$`)
	buildLine     = regexp.MustCompile(`(?m)^LAMBDA_BUILD = .*\$\(GO\) build (.+) -o `)
)

// makeBuild reads the function list and the go build flags from the
// Makefile, so the benchmark builds what `make build` ships.
func makeBuild(b *testing.B, makefile string) (functions, flags []string) {
	b.Helper()
	fm, bm := functionsLine.FindStringSubmatch(makefile), buildLine.FindStringSubmatch(makefile)
	if fm == nil || bm == nil {
		b.Fatal("the Makefile has no FUNCTIONS list or LAMBDA_BUILD line")
	}
	// The flags are shell words; only -ldflags='…' is quoted.
	for _, w := range regexp.MustCompile(`\S+='[^']*'|\S+`).FindAllString(bm[1], -1) {
		flags = append(flags, strings.ReplaceAll(w, "'", ""))
	}
	return strings.Fields(fm[1]), flags
}

func moduleRoot(b *testing.B) string {
	b.Helper()
	dir, err := os.Getwd()
	if err != nil {
		b.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			b.Fatal("no go.mod above the benchmark")
		}
		dir = parent
	}
}

// environment is what every function's cold-start checks ask for, with
// the values a deployed function has in shape: the template's Globals,
// the outbox's and report worker's own, and dummy AWS credentials. The
// auth function gets its signing key in the environment rather than
// from SSM, whose GetParameter is a network call this benchmark leaves
// out. Nothing of the machine's environment is passed on.
func environment(b *testing.B, runtimeAPI string) []string {
	b.Helper()
	key, err := auth.GenerateKey()
	if err != nil {
		b.Fatal(err)
	}
	pem, err := auth.EncodePrivateKey(key)
	if err != nil {
		b.Fatal(err)
	}
	jwk, err := auth.PublicJWK(&key.PublicKey)
	if err != nil {
		b.Fatal(err)
	}
	jwks, err := json.Marshal(auth.JWKS{Keys: []auth.JWK{jwk}})
	if err != nil {
		b.Fatal(err)
	}
	queue := "https://sqs.eu-west-1.amazonaws.com/123456789012/"
	return []string{
		"AWS_LAMBDA_RUNTIME_API=" + runtimeAPI,
		"HOME=" + b.TempDir(),
		"AWS_REGION=eu-west-1",
		"AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
		"AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		"AWS_SESSION_TOKEN=coldstart",
		"AWS_EC2_METADATA_DISABLED=true",
		"PARCELGATE_TABLE=parcelgate",
		"PARCELGATE_JOBS_QUEUE_URL=" + queue + "jobs",
		"PARCELGATE_WEBHOOK_QUEUE_URL=" + queue + "webhooks",
		"PARCELGATE_TASK_QUEUE_URL=" + queue + "tasks",
		"PARCELGATE_REPORT_QUEUE_URL=" + queue + "reports",
		"PARCELGATE_REPORT_SENDER=reports@example.com",
		"PARCELGATE_JWT_ISSUER=urn:parcelgate:coldstart",
		"PARCELGATE_JWT_AUDIENCE=parcelgate",
		"PARCELGATE_JWT_PUBLIC_JWKS=" + string(jwks),
		"PARCELGATE_JWT_PRIVATE_KEY=" + string(pem),
	}
}

// runtimeAPI is the Lambda Runtime API as far as a start goes: it notes
// when the first request for work arrives and never hands one out.
type runtimeAPI struct {
	addr string
	next chan time.Time
}

func newRuntimeAPI(b *testing.B) *runtimeAPI {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	api := &runtimeAPI{addr: ln.Addr().String(), next: make(chan time.Time, 1)}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/2018-06-01/runtime/invocation/next" {
			http.NotFound(w, r)
			return
		}
		select {
		case api.next <- time.Now():
		default:
		}
		<-r.Context().Done() // held until the process is ended
	})}
	go func() { _ = srv.Serve(ln) }()
	b.Cleanup(func() { _ = srv.Close() })
	return api
}

// start runs bin until it asks for work and returns how long that took
// and the CPU time the process used (it idles once it has asked).
func (api *runtimeAPI) start(b *testing.B, bin string, env []string) (wall, cpu time.Duration) {
	b.Helper()
	select {
	case <-api.next: // a late request of an ended process
	default:
	}
	var out bytes.Buffer
	cmd := exec.Command(bin)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = &out, &out
	began := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case at := <-api.next:
		wall = at.Sub(began)
	case err := <-exited:
		b.Fatalf("%s ended before asking for work (%v):\n%s", filepath.Base(bin), err, out.String())
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		b.Fatalf("%s did not ask for work within 30 s:\n%s", filepath.Base(bin), out.String())
	}
	_ = cmd.Process.Kill()
	<-exited
	return wall, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}
