package httpapi

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/logging"
	"github.com/parcelgate/parcelgate/internal/memory"
)

// The request line, and any line logged while serving it, names the
// Lambda request, the trace and the caller's client; never the token.
func TestRequestLogLinesCarryRequestTraceAndClient(t *testing.T) {
	key, _, v := testKeys(t)
	iss, err := auth.NewIssuer(key, "urn:test", "parcelgate", time.Hour, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	token, err := iss.Issue(auth.Principal{ID: "acme-ops", ClientID: "acme"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	principals := &memory.Principals{}
	if err := principals.CreatePrincipal(context.Background(), auth.Principal{ID: "acme-ops", ClientID: "acme"}, auth.AuditEntry{ClientID: "acme"}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	// No project store: the handler fails, so an error line is logged too.
	a := &API{Verifier: v, Revocations: &auth.Revocations{Store: principals, Now: time.Now}, Logger: logging.New(&buf)}
	h, err := a.Handler("projects")
	if err != nil {
		t.Fatal(err)
	}
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "8f5f6b1e-req"})
	//lint:ignore SA1029 the key aws-lambda-go stores the trace header under
	ctx = context.WithValue(ctx, "x-amzn-trace-id", "Root=1-67891233-abcdef012345678912345678;Sampled=1")
	req := httptest.NewRequest("GET", "/v1/projects", nil).WithContext(ctx)
	req.Header.Set("Authorization", "Bearer "+token)
	h.ServeHTTP(httptest.NewRecorder(), req)

	out := strings.TrimSpace(buf.String())
	lines := strings.Split(out, "\n")
	if len(lines) < 2 {
		t.Fatalf("want the failure and the request lines, got %s", out)
	}
	for _, l := range lines {
		for _, want := range []string{`"requestId":"8f5f6b1e-req"`, `"traceId":"1-67891233-abcdef012345678912345678"`, `"clientId":"acme"`} {
			if !strings.Contains(l, want) {
				t.Errorf("line without %s: %s", want, l)
			}
		}
		if strings.Contains(l, token) {
			t.Errorf("token logged: %s", l)
		}
	}
}
