//go:build integration

package app_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/parcelgate/parcelgate/internal/apitest"
	"github.com/parcelgate/parcelgate/internal/project"
)

func TestMain(m *testing.M) {
	apitest.RequireStack()
	os.Exit(m.Run())
}

// The fixtures events/README.md names.
const (
	demoClient    = "demo"
	demoSecret    = "demo-secret-change-me-0001"
	demoProjectID = "0193f0c2-5d1e-7c3a-9b2e-4f6d8a1b2c3d"
	demoOps       = "demo-ops"
)

// TestEventsReplay invokes every API function's Lambda handler with each
// of its sample events, as API Gateway would.
func TestEventsReplay(t *testing.T) {
	e := apitest.Start(t)
	ctx := context.Background()
	for _, id := range []string{demoClient, demoOps} {
		if _, err := e.API.Credentials.Create(ctx, demoClient, id, demoSecret); err != nil {
			t.Fatal(err)
		}
	}
	created := e.Clock()
	if err := e.API.Projects.Store.CreateProject(ctx,
		project.Project{ID: demoProjectID, ClientID: demoClient, Name: "demo", CreatedAt: created},
		project.Member{ProjectID: demoProjectID, PrincipalID: demoClient, Role: project.Admin, AddedAt: created},
	); err != nil {
		t.Fatal(err)
	}
	token := e.TokenFor(t, demoClient, demoSecret)

	dirs, err := filepath.Glob(filepath.Join(apitest.RepoDir(), "events", "*"))
	if err != nil {
		t.Fatal(err)
	}
	replayed := 0
	for _, dir := range dirs {
		function := filepath.Base(dir)
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		if len(files) == 0 {
			continue
		}
		h, err := e.API.Handler(function)
		if err != nil {
			t.Fatalf("events/%s: %v", function, err)
		}
		handler := lambda.NewHandler(httpadapter.New(h).ProxyWithContext)
		for _, file := range files {
			t.Run(function+"/"+filepath.Base(file), func(t *testing.T) {
				raw, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				payload := strings.ReplaceAll(string(raw), "REPLACE_WITH_ACCESS_TOKEN", token)
				ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				defer cancel()
				out, err := handler.Invoke(ctx, []byte(payload))
				if err != nil {
					t.Fatal(err)
				}
				var resp events.APIGatewayProxyResponse
				if err := json.Unmarshal(out, &resp); err != nil {
					t.Fatal(err)
				}
				if resp.StatusCode < 200 || resp.StatusCode > 299 {
					t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
				}
			})
			replayed++
		}
	}
	if replayed < 8 {
		t.Fatalf("replayed only %d events", replayed)
	}
}
