package app

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parcelgate/parcelgate/internal/httpapi"
)

// The deadline of a request served by Lambda counts from API Gateway's
// requestTimeEpoch; a stamp that cannot be this request's counts from the
// invocation.
func TestLambdaRequestsCountFromTheGatewaysArrival(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "events", "auth", "openapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	var replayed events.APIGatewayProxyRequest
	if err := json.Unmarshal(raw, &replayed); err != nil {
		t.Fatal(err)
	}
	var got httpapi.Answered
	h, err := (&httpapi.API{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Observe: func(a httpapi.Answered) { got = a }}).Handler("auth")
	if err != nil {
		t.Fatal(err)
	}
	serve := APIGatewayHandler(h)
	now := time.Now()
	for _, c := range []struct {
		name   string
		epoch  int64
		waited bool
	}{
		{"three seconds in API Gateway", now.Add(-3 * time.Second).UnixMilli(), true},
		{"a replayed event", replayed.RequestContext.RequestTimeEpoch, false},
		{"no stamp", 0, false},
		{"a stamp ahead of our clock", now.Add(time.Hour).UnixMilli(), false},
		{"older than API Gateway waits", now.Add(-httpapi.GatewayLimit).UnixMilli(), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			req := replayed
			req.RequestContext.RequestTimeEpoch = c.epoch
			res, err := serve(context.Background(), req)
			if err != nil || res.StatusCode != 200 {
				t.Fatalf("%d, %v", res.StatusCode, err)
			}
			if waited := got.Elapsed >= 3*time.Second; waited != c.waited {
				t.Fatalf("elapsed %s since arrival", got.Elapsed)
			}
		})
	}
}
