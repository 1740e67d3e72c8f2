//go:build integration

package devstack_test

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/parcelgate/parcelgate/internal/devstack"
	"github.com/parcelgate/parcelgate/internal/samtemplate"
)

var (
	awsCfg aws.Config
	tmpl   *samtemplate.Template
	logger = slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
)

// TestMain starts the stack through Up: the emulators, or the endpoints in
// AWS_ENDPOINT_URL* (`make test`, LocalStack). Integration tests never
// skip: an unreachable stack fails the run.
func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx := context.Background()
	repo, err := devstack.FindRepoDir(".")
	if err != nil {
		return fail(err)
	}
	stack, err := devstack.Up(ctx, devstack.Options{RepoDir: repo, Logger: logger})
	if err != nil {
		return fail(err)
	}
	defer func() {
		if err := stack.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "closing the local stack:", err)
		}
	}()
	if err := stack.Setenv(); err != nil {
		return fail(err)
	}
	if awsCfg, err = awsconfig.LoadDefaultConfig(ctx); err != nil {
		return fail(err)
	}
	if tmpl, err = samtemplate.Load(filepath.Join(repo, "template.yaml")); err != nil {
		return fail(err)
	}
	return m.Run()
}

func fail(err error) int {
	fmt.Fprintln(os.Stderr, "integration tests need the local stack:", err)
	return 1
}

// provision creates a fresh set of the template's resources for one test.
func provision(t *testing.T) *devstack.Resources {
	t.Helper()
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	res, err := devstack.Provision(t.Context(), awsCfg, tmpl, "it"+hex.EncodeToString(b))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// jobsQueue returns the logical ids of a queue with a redrive policy and of
// its dead-letter queue, and the maxReceiveCount, from the template.
func jobsQueue(t *testing.T) (queue, dlq string, maxReceives int) {
	t.Helper()
	for _, q := range tmpl.Queues() {
		if q.DeadLetterQueue != "" {
			return q.LogicalID, q.DeadLetterQueue, q.MaxReceiveCount
		}
	}
	t.Fatal("the template has no queue with a redrive policy")
	return "", "", 0
}

func TestProvisionIsIdempotent(t *testing.T) {
	res := provision(t)
	prefix := res.Tables[tmpl.Tables()[0]]
	prefix = prefix[:len(prefix)-len(tmpl.Tables()[0])-1]
	again, err := devstack.Provision(t.Context(), awsCfg, tmpl, prefix)
	if err != nil {
		t.Fatalf("second Provision: %v", err)
	}
	for id, url := range res.QueueURLs {
		if again.QueueURLs[id] != url || again.QueueARNs[id] != res.QueueARNs[id] {
			t.Errorf("queue %s: %s then %s", id, url, again.QueueURLs[id])
		}
	}
}

func TestQueueRedrive(t *testing.T) {
	res := provision(t)
	client := sqs.NewFromConfig(awsCfg)
	for _, q := range tmpl.Queues() {
		got, err := client.GetQueueAttributes(t.Context(), &sqs.GetQueueAttributesInput{
			QueueUrl: aws.String(res.QueueURLs[q.LogicalID]), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll},
		})
		if err != nil {
			t.Fatal(err)
		}
		for name, want := range q.Attributes {
			if got.Attributes[name] != want {
				t.Errorf("queue %s: %s = %q, want %q", q.LogicalID, name, got.Attributes[name], want)
			}
		}
		if q.DeadLetterQueue == "" {
			continue
		}
		var policy struct {
			DeadLetterTargetArn string
			MaxReceiveCount     json.Number
		}
		if err := json.Unmarshal([]byte(got.Attributes["RedrivePolicy"]), &policy); err != nil {
			t.Fatalf("queue %s: RedrivePolicy %q: %v", q.LogicalID, got.Attributes["RedrivePolicy"], err)
		}
		if policy.DeadLetterTargetArn != res.QueueARNs[q.DeadLetterQueue] || policy.MaxReceiveCount.String() != fmt.Sprint(q.MaxReceiveCount) {
			t.Errorf("queue %s: redrive %+v, want %s after %d receives", q.LogicalID, policy, res.QueueARNs[q.DeadLetterQueue], q.MaxReceiveCount)
		}
	}
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}
