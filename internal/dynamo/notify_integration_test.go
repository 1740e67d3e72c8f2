//go:build integration

package dynamo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parcelgate/parcelgate/internal/devstack"
	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/message"
	"github.com/parcelgate/parcelgate/internal/samtemplate"
)

func TestMain(m *testing.M) {
	if os.Getenv("AWS_ENDPOINT_URL_DYNAMODB") == "" && os.Getenv("AWS_ENDPOINT_URL") == "" {
		fmt.Fprintln(os.Stderr, "integration tests need the local stack: run them with `make test`")
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// newStore provisions a table of its own; opts (fault injection) apply
// to its client.
func newStore(t *testing.T, opts ...func(*dynamodb.Options)) *Adapters {
	t.Helper()
	ctx := context.Background()
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := samtemplate.Load(filepath.Join("..", "..", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	res, err := devstack.Provision(ctx, cfg, tmpl, "d"+hex.EncodeToString(b))
	if err != nil {
		t.Fatal(err)
	}
	opts = append([]func(*dynamodb.Options){func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true }}, opts...)
	return Open(dynamodb.NewFromConfig(cfg, opts...), res.Tables["Table"], Options{})
}

type noQueue struct{}

func (noQueue) EnqueueMessages(context.Context, string) error { return nil }

// A subscribed project is told of a number's new status once per event,
// and not of events older than the current status.
func TestNotificationsForSubscribedProjects(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	now := time.Now().UTC()
	const number, project, other = "3000000010", "p-subscribed", "p-expired"
	if _, err := s.Jobs.AddAssociations(ctx, []job.Association{
		{ProjectID: project, TrackingNumber: number, Carrier: "dhl", AddedAt: now, ExpiresAt: now.Add(job.AssociationTTL), JobID: "j", AddedBy: "j"},
		{ProjectID: other, TrackingNumber: number, Carrier: "dhl", AddedAt: now.Add(-job.AssociationTTL - time.Hour), ExpiresAt: now.Add(-time.Hour), JobID: "j", AddedBy: "j"},
	}); err != nil {
		t.Fatal(err)
	}
	n := 0
	svc := message.Service{Store: s.Requests, Tracking: s.Tracking, Queue: noQueue{}, Now: func() time.Time { return now }, NewID: func() string { n++; return fmt.Sprintf("id-%d", n) }}
	send := func(status, at string) {
		t.Helper()
		r, err := svc.Inject(ctx, "acme", "b", []message.Incoming{{MessageType: message.TypeTrackingEvent,
			Payload: []byte(`{"trackingNumber": "` + number + `", "status": "` + status + `", "datetime": "` + at + `"}`)}})
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.Process(ctx, r.ID); err != nil {
			t.Fatal(err)
		}
	}
	count := func(projectID string) int { return len(notifications(t, s, projectID, number)) }
	send("in_transit", "2026-03-01T10:00:00Z")
	send("in_transit", "2026-03-01T10:00:00Z") // delivered twice
	send("picked_up", "2026-03-01T08:00:00Z")  // older than the current status
	if got := count(project); got != 1 {
		t.Fatalf("%d notifications, want 1", got)
	}
	send("delivered", "2026-03-02T10:00:00Z")
	if got := count(project); got != 2 {
		t.Fatalf("%d notifications, want 2", got)
	}
	if got := count(other); got != 0 {
		t.Fatalf("an expired subscription was notified %d times", got)
	}
}

type notificationRecord struct {
	TrackingNumber string `dynamodbav:"trackingNumber"`
	Sequence       int    `dynamodbav:"sequence"`
	Status         string `dynamodbav:"status"`
	PreviousStatus string `dynamodbav:"previousStatus"`
	Datetime       string `dynamodbav:"datetime"`
}

// notifications reads a project's notification records of a number, in
// sequence order.
func notifications(t *testing.T, s *Adapters, projectID, number string) []notificationRecord {
	t.Helper()
	count, err := s.Table.shardsOf(context.Background(), projectID)
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.Table.Client.Query(context.Background(), &dynamodb.QueryInput{
		TableName: &s.Table.Name, KeyConditionExpression: aws.String("PK = :pk"), ConsistentRead: aws.Bool(true),
		FilterExpression:          aws.String("trackingNumber = :n"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(notificationPK(projectID, count, number)), ":n": str(number)},
	})
	if err != nil {
		t.Fatal(err)
	}
	var recs []notificationRecord
	if err := attributevalue.UnmarshalListOfMaps(out.Items, &recs); err != nil {
		t.Fatal(err)
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].Sequence < recs[j].Sequence })
	return recs
}

// A number without subscribers moves without a NOTIFIED item written: its
// move records its change as needing no notification. A project that
// subscribes it afterwards is told of the next change, and only of that.
func TestAMoveWithoutSubscribersWritesNoNotifiedMarkAndALaterSubscriberHearsTheNextChange(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	now := time.Now().UTC()
	const number, project = "3000000021", "p-later"
	n := 0
	svc := message.Service{Store: s.Requests, Tracking: s.Tracking, Queue: noQueue{}, Now: func() time.Time { return now }, NewID: func() string { n++; return fmt.Sprintf("id-%d", n) }}
	send := func(status, at string) {
		t.Helper()
		r, err := svc.Inject(ctx, "acme", "b", []message.Incoming{{MessageType: message.TypeTrackingEvent,
			Payload: []byte(`{"trackingNumber": "` + number + `", "status": "` + status + `", "datetime": "` + at + `"}`)}})
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.Process(ctx, r.ID); err != nil {
			t.Fatal(err)
		}
	}
	mark := func() (int, bool) {
		t.Helper()
		var it notifiedItem
		found, err := s.Table.get(ctx, trackingPK(number), skNotified, &it)
		if err != nil {
			t.Fatal(err)
		}
		return it.Sequence, found
	}
	send("in_transit", "2026-03-01T10:00:00Z")
	if seq, found := mark(); found {
		t.Fatalf("a NOTIFIED item (seq %d) was written for a number without subscribers", seq)
	}
	states, err := s.Tracking.States(ctx, []string{number})
	if err != nil {
		t.Fatal(err)
	}
	if st := states[number]; st.Sequence != 1 || len(st.Unnotified()) != 0 {
		t.Fatalf("after the move: sequence %d, unnotified %+v; want 1, none", st.Sequence, st.Unnotified())
	}
	if _, err := s.Jobs.AddAssociations(ctx, []job.Association{
		{ProjectID: project, TrackingNumber: number, Carrier: "dhl", AddedAt: now, ExpiresAt: now.Add(job.AssociationTTL), JobID: "j", AddedBy: "j"},
	}); err != nil {
		t.Fatal(err)
	}
	send("delivered", "2026-03-02T10:00:00Z")
	recs := notifications(t, s, project, number)
	if len(recs) != 1 || recs[0].Sequence != 2 || recs[0].Status != "delivered" || recs[0].PreviousStatus != "in_transit" {
		t.Fatalf("notifications of the later subscriber %+v, want only the change 2 to delivered", recs)
	}
	if seq, found := mark(); !found || seq != 2 {
		t.Fatalf("NOTIFIED item after notifying: seq %d, found %v; want 2", seq, found)
	}
}
