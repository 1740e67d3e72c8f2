package app

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/auth"
)

// exited is what a test Function's exit panics with: the cold start
// stopped there.
type exited int

// coldStart runs build against a Function whose environment is env and
// returns the "cold start failed" log line, or "" when the function
// would have started.
func coldStart(t *testing.T, env map[string]string, build func(f *Function)) (logLine string) {
	t.Helper()
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if code, ok := v.(exited); !ok || code != 1 {
			panic(v)
		}
		logLine = strings.TrimSpace(logs.String())
	}()
	f := begin("test-fn", func(name string) string { return env[name] }, logger, func(code int) { panic(exited(code)) })
	build(f)
	return ""
}

func completeEnv(t *testing.T) map[string]string {
	t.Helper()
	key, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	jwk, err := auth.PublicJWK(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	jwks, err := json.Marshal(auth.JWKS{Keys: []auth.JWK{jwk}})
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_REGION", "eu-central-1")
	return map[string]string{
		EnvTable:           "parcelgate-Table",
		EnvJobsQueueURL:    "https://sqs.eu-central-1.amazonaws.com/123456789012/jobs",
		EnvWebhookQueueURL: "https://sqs.eu-central-1.amazonaws.com/123456789012/webhooks",
		EnvIssuer:          "urn:parcelgate:test",
		EnvPublicJWKS:      string(jwks),
	}
}

func without(env map[string]string, name string) map[string]string {
	out := map[string]string{}
	for k, v := range env {
		if k != name {
			out[k] = v
		}
	}
	return out
}

// Each part a function builds asks for its own settings: a missing one
// stops the cold start with one log line naming the variable.
func TestColdStartFailsNamingTheMissingSetting(t *testing.T) {
	env := completeEnv(t)
	cases := []struct {
		name    string
		missing string
		build   func(f *Function)
	}{
		{"job-submit without its queue", EnvJobsQueueURL, func(f *Function) { f.JobsQueue() }},
		{"webhooks without their queue", EnvWebhookQueueURL, func(f *Function) { f.WebhookQueue() }},
		{"any function without the table", EnvTable, func(f *Function) { f.Backend() }},
		{"a protected API without the issuer", EnvIssuer, func(f *Function) { f.Verifier() }},
		{"a protected API without the keys", EnvPublicJWKS, func(f *Function) { f.Verifier() }},
		{"auth without the signing key", EnvPrivateKeyParam, func(f *Function) { f.Issuer(nil) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			line := coldStart(t, without(env, c.missing), c.build)
			if line == "" {
				t.Fatalf("started without %s", c.missing)
			}
			var entry struct{ Level, Msg, Function, Error string }
			if err := json.Unmarshal([]byte(line), &entry); err != nil {
				t.Fatalf("log %q: %v", line, err)
			}
			if entry.Level != "ERROR" || entry.Msg != "cold start failed" || entry.Function != "test-fn" || !strings.Contains(entry.Error, c.missing) {
				t.Errorf("log line %s: want an error naming %s", line, c.missing)
			}
		})
	}
}

func TestColdStartFailsOnAMalformedSetting(t *testing.T) {
	env := completeEnv(t)
	for name, value := range map[string]string{EnvTokenTTL: "forever", EnvTransactItems: "1000", EnvPublicJWKS: "{not json"} {
		bad := without(env, name)
		bad[name] = value
		line := coldStart(t, bad, func(f *Function) { f.Backend(); f.Verifier() })
		if !strings.Contains(line, name) {
			t.Errorf("%s=%q: log %q does not say what is wrong", name, value, line)
		}
	}
}

// What a function needs and has, it gets; what it does not build, it
// does not need.
func TestColdStartBuildsOnlyWhatItIsAskedFor(t *testing.T) {
	env := completeEnv(t)
	if line := coldStart(t, env, func(f *Function) {
		b := f.Backend()
		f.Jobs(b, f.Projects(b), f.JobsQueue())
		f.Verifier()
		f.Webhooks(b, f.Projects(b), f.WebhookQueue())
	}); line != "" {
		t.Fatalf("a complete environment failed: %s", line)
	}
	// The processor needs neither the token keys nor the jobs queue.
	processorEnv := without(without(without(env, EnvPublicJWKS), EnvIssuer), EnvJobsQueueURL)
	if line := coldStart(t, processorEnv, func(f *Function) {
		b := f.Backend()
		f.Messages(b, nil, f.Records(b, f.Projects(b), nil))
		f.WebhookQueue()
	}); line != "" {
		t.Fatalf("the processor's parts failed: %s", line)
	}
}

// A function's project services are one memory of memberships, so that a
// change one of them makes is forgotten by all (project.Memberships).
func TestAFunctionsProjectServicesShareTheirMemberships(t *testing.T) {
	f := &Function{Now: time.Now}
	a, b := f.Projects(Backend{}), f.Projects(Backend{})
	if a.Memberships == nil || a.Memberships != b.Memberships {
		t.Fatalf("memberships %p and %p: want one, shared", a.Memberships, b.Memberships)
	}
}
