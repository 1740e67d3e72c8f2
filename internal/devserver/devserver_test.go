package devserver

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parcelgate/parcelgate/internal/app"
	"github.com/parcelgate/parcelgate/internal/samtemplate"
)

func TestFolder(t *testing.T) {
	for in, want := range map[string]string{"AuthFunction": "auth", "JobSubmitFunction": "job-submit", "DeadLetterFunction": "dead-letter"} {
		if got := Folder(in); got != want {
			t.Errorf("Folder(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestTimersRunTheTemplatesSchedules(t *testing.T) {
	tmpl, err := samtemplate.Load(filepath.Join("..", "..", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	ran := make(chan string, 10)
	handler := func(_ context.Context, ev events.EventBridgeEvent) error {
		ran <- ev.DetailType
		return nil
	}
	timers, err := Timers(tmpl, map[string]app.ScheduledHandler{"sweeper": handler})
	if err != nil {
		t.Fatal(err)
	}
	if len(timers) != 1 || timers[0].Name != "SweeperFunction" || timers[0].Rate != time.Minute {
		t.Fatalf("timers %+v", timers)
	}
	if _, err := Timers(tmpl, nil); err == nil {
		t.Fatal("a scheduled function without a handler was accepted")
	}
	timers[0].Rate = 10 * time.Millisecond
	ctx, stop := context.WithCancel(context.Background())
	wait := RunTimers(ctx, timers, slog.Default())
	if got := <-ran; got != "Scheduled Event" {
		t.Errorf("event detail-type %q", got)
	}
	stop()
	wait()
}

// The env-vars file for `sam local invoke` covers every variable each
// function of template.yaml declares, and with it each function's
// configuration loads as it would at a cold start. (SAM itself needs
// Docker, which the development and CI machines lack.)
func TestSAMEnvCoversTheTemplate(t *testing.T) {
	tmpl, err := samtemplate.Load(filepath.Join("..", "..", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	settings := LocalSettings{
		Table: "parcelgate-Table", JobsQueueURL: "http://127.0.0.1:9324/queue/parcelgate-JobsQueue", WebhookQueueURL: "http://127.0.0.1:9324/queue/parcelgate-WebhookQueue",
		DynamoDBURL: "http://127.0.0.1:8000", SQSURL: "http://127.0.0.1:9324", TaskQueueURL: "http://127.0.0.1:9324/queue/parcelgate-TaskQueue",
		Issuer: "urn:parcelgate:local", Audience: "parcelgate",
		PublicJWKS: `{"keys":[]}`, PrivateKeyPEM: "-----BEGIN PRIVATE KEY-----",
		ReportQueueURL: "http://127.0.0.1:9324/queue/parcelgate-ReportQueue", ReportSender: "reports@parcelgate.localhost", SESURL: "http://127.0.0.1:8005",
	}
	env, err := SAMEnv(tmpl, settings)
	if err != nil {
		t.Fatal(err)
	}
	functions := tmpl.Functions()
	if len(env) != len(functions) {
		t.Fatalf("env-vars file has %d functions, the template %d", len(env), len(functions))
	}
	for _, f := range functions {
		vars, ok := env[f.LogicalID]
		if !ok {
			t.Errorf("%s missing", f.LogicalID)
			continue
		}
		if len(vars) != len(f.Environment) {
			t.Errorf("%s: %d variables, the template declares %v", f.LogicalID, len(vars), f.Environment)
		}
		for _, name := range f.Environment {
			if v := vars[name]; v == "" && name != "PARCELGATE_JWT_PRIVATE_KEY_PARAMETER" {
				t.Errorf("%s: %s left empty", f.LogicalID, name)
			}
		}
		if _, err := app.ReadConfig(func(name string) string { return vars[name] }); err != nil {
			t.Errorf("%s: configuration from the env-vars file: %v", f.LogicalID, err)
		}
	}
	if env["AuthFunction"]["PARCELGATE_JWT_PRIVATE_KEY"] != settings.PrivateKeyPEM {
		t.Error("the auth function cannot sign locally")
	}
}

func TestSAMEnvRefusesAnUnknownVariable(t *testing.T) {
	tmpl, err := samtemplate.Load(writeTemp(t, `
Resources:
  F:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          PARCELGATE_NEW_SETTING: x
`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := SAMEnv(tmpl, LocalSettings{}); err == nil || !strings.Contains(err.Error(), "PARCELGATE_NEW_SETTING") {
		t.Fatalf("got %v", err)
	}
}

func writeTemp(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "template.yaml")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
