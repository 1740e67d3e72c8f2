package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

func lines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	dec := json.NewDecoder(buf)
	for dec.More() {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func TestEveryLineCarriesRequestTraceAndClient(t *testing.T) {
	var buf bytes.Buffer
	logger := New(&buf).With("function", "projects")
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-1"})
	//lint:ignore SA1029 the key aws-lambda-go stores the trace header under
	ctx = context.WithValue(ctx, lambdaTraceKey, "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
	ctx = WithScope(ctx)
	logger.InfoContext(ctx, "before the token is verified")
	// The client is learnt in a derived context, as the token check does.
	inner, cancel := context.WithCancel(ctx)
	SetClientID(inner, "acme")
	cancel()
	logger.WarnContext(ctx, "request", "status", 200)
	logger.WithGroup("g").InfoContext(inner, "grouped", "in", "group")

	got := lines(t, &buf)
	if len(got) != 3 {
		t.Fatalf("%d lines", len(got))
	}
	for i, l := range got {
		if l["requestId"] != "req-1" || l["traceId"] != "1-5759e988-bd862e3fe1be46a994272793" || l["function"] != "projects" {
			t.Errorf("line %d: %v", i, l)
		}
	}
	if _, ok := got[0]["clientId"]; ok {
		t.Errorf("client before it was known: %v", got[0])
	}
	if got[1]["clientId"] != "acme" || got[1]["status"] != float64(200) {
		t.Errorf("summary line %v", got[1])
	}
	if got[2]["clientId"] != "acme" || got[2]["g"].(map[string]any)["in"] != "group" {
		t.Errorf("ids went into a group: %v", got[2])
	}
}

func TestLinesOutsideARequestStayPlain(t *testing.T) {
	var buf bytes.Buffer
	New(&buf).Info("cold start")
	SetClientID(context.Background(), "ignored") // no scope: nothing to record into
	l := lines(t, &buf)[0]
	for _, k := range []string{"requestId", "traceId", "clientId"} {
		if _, ok := l[k]; ok {
			t.Errorf("%s on a line outside a request: %v", k, l)
		}
	}
	if !New(&buf).Handler().Enabled(context.Background(), slog.LevelInfo) {
		t.Error("info disabled")
	}
}
