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

	"github.com/parcelgate/parcelgate/internal/apitest"
	"github.com/parcelgate/parcelgate/internal/app"
	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/message"
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
	demoJobID     = "0193f0c2-6e4f-7b1a-8c2d-3e4f5a6b7c8d"
	demoDeadJobID = "0193f0c2-6e4f-7b1a-8c2d-3e4f5a6b7c9e"
)

// demoJob stores a queued job of the demo project with the given id.
func demoJob(t *testing.T, e *apitest.Env, id string) {
	t.Helper()
	now := e.Clock()
	j := job.Job{
		ID: id, ProjectID: demoProjectID, ClientID: demoClient, PrincipalID: demoClient,
		Action: job.Add, Status: job.Queued, CreatedAt: now, ExpiresAt: now.Add(job.JobTTL),
		Counts: job.Counts{Total: 1}, BodyHash: "fixture",
	}
	if err := e.API.Jobs.Store.CreateJob(context.Background(), j, []job.Item{{TrackingNumber: "1Z999AA10123456784"}}); err != nil {
		t.Fatal(err)
	}
}

// seedParcel stores ShipX's parcel, which the tracking events read.
func seedParcel(t *testing.T, e *apitest.Env) {
	t.Helper()
	ctx := context.Background()
	r, err := e.API.Messages.Inject(ctx, demoClient, "fixture", []message.Incoming{
		{MessageType: message.TypeShipment, Payload: []byte(`{"trackingNumber": "612345678901234567890123", "type": "inpost_locker_standard"}`)},
		{MessageType: message.TypeTrackingEvent, Payload: []byte(`{"trackingNumber": "612345678901234567890123", "status": "confirmed", "datetime": "2015-09-17T10:28:00.000+02:00"}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.API.Messages.Process(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
}

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
	demoJob(t, e, demoJobID)
	if err := e.API.Jobs.Process(ctx, demoJobID); err != nil {
		t.Fatal(err)
	}
	demoJob(t, e, demoDeadJobID)
	seedParcel(t, e)
	queueHandlers := e.App.QueueHandlers()
	scheduledHandlers := e.App.ScheduledHandlers()

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
		handler, isQueue := lambda.Handler(nil), false
		if qh, ok := queueHandlers[function]; ok {
			handler, isQueue = lambda.NewHandler(qh), true
		} else if sh, ok := scheduledHandlers[function]; ok {
			handler = lambda.NewHandler(sh)
		} else {
			h, err := e.API.Handler(function)
			if err != nil {
				t.Fatalf("events/%s: %v", function, err)
			}
			handler = lambda.NewHandler(app.APIGatewayHandler(h))
		}
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
				if _, scheduled := scheduledHandlers[function]; scheduled {
					return // it returned no error
				}
				if isQueue {
					var resp events.SQSEventResponse
					if err := json.Unmarshal(out, &resp); err != nil {
						t.Fatal(err)
					}
					if len(resp.BatchItemFailures) > 0 {
						t.Fatalf("batch item failures %+v", resp.BatchItemFailures)
					}
					return
				}
				var resp events.APIGatewayProxyResponse
				if err := json.Unmarshal(out, &resp); err != nil {
					t.Fatal(err)
				}
				if resp.StatusCode < 200 || resp.StatusCode > 299 {
					t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
				}
				// Links carry the stage API Gateway strips from the path.
				if strings.HasSuffix(file, "get-service-history.json") {
					want := `"href":"https://abc123.execute-api.eu-west-1.amazonaws.com/prod/v1/tracking/612345678901234567890123/service_history"`
					if !strings.Contains(resp.Body, want) {
						t.Fatalf("service history %s, want %s", resp.Body, want)
					}
				}
			})
			replayed++
		}
	}
	if replayed < 20 {
		t.Fatalf("replayed only %d events", replayed)
	}
	dead, err := e.API.Jobs.Store.Job(ctx, demoDeadJobID)
	if err != nil || dead.Status != job.Failed {
		t.Fatalf("the dead-letter event left the job %s (%v)", dead.Status, err)
	}
}
