//go:build integration

package dynamo

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/data"
	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/page"
	"github.com/parcelgate/parcelgate/internal/project"
	"github.com/parcelgate/parcelgate/internal/request"
	"github.com/parcelgate/parcelgate/internal/tag"
	"github.com/parcelgate/parcelgate/internal/task"
	"github.com/parcelgate/parcelgate/internal/webhook"
)

// storedItems are items exactly as the single-Store adapter wrote them
// before it was split by port: one of each kind a port reads, attribute
// by attribute. They are put raw, never through the adapters, so a change
// to how an adapter writes cannot hide a change to how it reads.
var storedItems = []item{
	item{"GSI1PK": str("CLIENT#acme#PRINCIPALS"), "GSI1SK": str("alice"), "PK": str("PRINCIPAL#alice"), "SK": str("PRINCIPAL"), "clientId": str("acme"), "createdAt": str("2026-03-01T12:00:00.000000000Z"), "lastUsedAt": str("2026-03-01T13:00:00.000000000Z"), "principalId": str("alice"), "role": str("owner"), "secretHash": &types.AttributeValueMemberB{Value: []byte{0x1, 0x2}}},
	item{"GSI1PK": str("DATAX#p1#baseuser"), "GSI1SK": str("2026-03-01T12:00:00.0000000#u1"), "PK": str("DATA#p1#baseuser"), "SK": str("u1"), "code": str("u1"), "srvExport": num(0), "stamp": str("2026-03-01T12:00:00.0000000"), "v": &types.AttributeValueMemberM{Value: item{"name": str("Ada")}}},
	item{"GSI1PK": str("PRINCIPAL#alice"), "GSI1SK": str("PROJECT#2026-03-01T12:00:00.000000000Z#p1"), "PK": str("PROJECT#p1"), "SK": str("MEMBER#alice"), "addedAt": str("2026-03-01T12:00:00.000000000Z"), "clientId": str("acme"), "principalId": str("alice"), "projectCreatedAt": str("2026-03-01T12:00:00.000000000Z"), "projectId": str("p1"), "projectName": str("P"), "role": str("admin")},
	item{"GSI1PK": str("PROJECT#p1#JOBS"), "GSI1SK": str("2026-03-01T12:00:00.000000000Z#j1"), "GSI2PK": str("CLIENT#acme"), "GSI2SK": str("2026-03-01T12:00:00.000000000Z#j1"), "GSI3PK": str("OPEN#04"), "GSI3SK": str("2026-03-01T12:01:00.000000000Z#j1"), "PK": str("REQ#j1"), "SK": str("REQ"), "action": str("ADD"), "bodyHash": str("h"), "clientId": str("acme"), "counts": &types.AttributeValueMemberM{Value: item{"added": num(0), "duplicate": num(0), "failed": num(0), "invalid": num(0), "notAssociated": num(0), "removed": num(0), "renewed": num(0), "total": num(0)}}, "createdAt": str("2026-03-01T12:00:00.000000000Z"), "expiresAt": num(1780142400), "id": str("j1"), "kind": str("job"), "principalId": str("alice"), "projectId": str("p1"), "status": str("QUEUED")},
	item{"GSI1PK": str("TAGGED#p1##07"), "GSI1SK": str("TN#3000000021"), "GSI3PK": str("EXPIRY#2026-05-30#07"), "GSI3SK": str("2026-05-30T12:00:00.000000000Z#dhl"), "PK": str("ASSOC#p1#07"), "SK": str("TN#3000000021"), "addedAt": str("2026-03-01T12:00:00.000000000Z"), "addedBy": str("alice"), "carrier": str("dhl"), "expiresAt": num(1780142400), "jobId": str("j1"), "projectId": str("p1"), "trackingNumber": str("3000000021")},
	item{"GSI2PK": str("CLIENT#acme"), "GSI2SK": str("2026-03-01T12:00:00.000000000Z#r1"), "GSI3PK": str("OPEN#12"), "GSI3SK": str("2026-03-01T12:05:00.000000000Z#r1"), "PK": str("REQ#r1"), "SK": str("REQ"), "batchReference": str("b1"), "clientId": str("acme"), "expiresAt": num(1780142400), "facets": &types.AttributeValueMemberL{Value: []types.AttributeValue{}}, "id": str("r1"), "kind": str("messages"), "receivedAt": str("2026-03-01T12:00:00.000000000Z"), "status": str("Queued"), "summary": &types.AttributeValueMemberM{Value: item{"Cancelled": num(0), "Complete": num(0), "Failed": num(0), "Invalid": num(0), "Processing": num(0), "Queued": num(1), "Total": num(1)}}},
	item{"GSI2PK": str("CLIENT#acme#REF#b1"), "GSI2SK": str("2026-03-01T12:00:00.000000000Z#r1"), "PK": str("REQ#r1"), "SK": str("IDX#REF#b1"), "expiresAt": num(1780142400)},
	item{"GSI3PK": str("OPEN#06"), "GSI3SK": str("2026-03-01T12:01:00.000000000Z#t1"), "PK": str("TASKS#p1"), "SK": str("TASK#t1"), "changed": num(0), "code": str("renew"), "createdAt": str("2026-03-01T12:00:00.000000000Z"), "cursor": str("@"), "id": str("t1"), "kind": str("task"), "projectId": str("p1"), "read": num(0), "skipped": num(0), "status": str("QUEUED")},
	item{"PK": str("AUDIT#acme"), "SK": str("2026-03-01T12:00:00.000000000Z#01a251fa-a870-7acf-a859-57b23e809e45"), "action": str("create"), "at": str("2026-03-01T12:00:00.000000000Z"), "by": str("op"), "clientId": str("acme"), "expiresAt": num(1806926400), "subject": str("alice")},
	item{"PK": str("OUTBOX#p1#o1"), "SK": str("ITEM"), "createdAt": str("2026-03-01T12:00:00.000000000Z"), "expiresAt": num(1772452800), "outboxId": str("o1"), "projectId": str("p1"), "request": str("{\"EventActionCode\":\"\",\"BaseOutboxID\":\"\",\"ConfReportID\":\"\",\"RowID\":\"\",\"SourceEntity\":\"\",\"BaseUserID\":\"\",\"FromArchive\":0,\"Print\":0,\"MessageSubject\":\"\",\"MessageBody\":\"\",\"Filename\":\"\",\"PathExport\":\"\",\"IsBodyHTML\":false,\"ReplyTo\":null,\"EmailTo\":null,\"Attachments\":null}"), "status": str("QUEUED"), "updatedAt": str("2026-03-01T12:00:00.000000000Z")},
	item{"PK": str("PROJECT#p1"), "SK": str("PROJECT"), "clientId": str("acme"), "createdAt": str("2026-03-01T12:00:00.000000000Z"), "name": str("P"), "projectId": str("p1")},
	item{"PK": str("PROJECT#p1"), "SK": str("WEBHOOK#w1"), "createdAt": str("2026-03-01T12:00:00.000000000Z"), "enabled": bool1(true), "events": &types.AttributeValueMemberL{Value: []types.AttributeValue{str("tracking.updated")}}, "projectId": str("p1"), "secret": str("sec"), "url": str("https://example.com/h"), "webhookId": str("w1")},
	item{"PK": str("REQ#j1"), "SK": str("IN#000"), "expiresAt": num(1780142400), "items": &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberM{Value: item{"c": str("dhl"), "n": str("3000000021")}}}}},
	item{"PK": str("REQ#r1"), "SK": str("MSG#000"), "expiresAt": num(1780142400), "messages": &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberM{Value: item{"id": str("m1"), "payload": str("{\"a\":1}"), "processedAt": str("0001-01-01T00:00:00Z"), "status": str("QUEUED"), "type": str("TRACKING_EVENT")}}}}},
	item{"PK": str("TASKS#p1"), "SK": str("PENDING#renew"), "queuedAt": str("2026-03-01T12:00:00.000000000Z"), "taskId": str("t1")},
	item{"PK": str("TRK#3000000021"), "SK": str("EV#2026-03-01T12:00:00.000000000Z#887c39d5d5f35ee5"), "datetime": str("2026-03-01T13:00:00.000+01:00"), "originStatus": str("DLV"), "status": str("delivered")},
	item{"PK": str("TRK#3000000021"), "SK": str("SHIPMENT"), "carrier": str("dhl"), "createdAt": str("2026-03-01T13:00:00.000+01:00"), "customAttributes": str("null"), "firstKnownAt": str("2026-03-01T12:00:00.000Z"), "owner": str("acme"), "service": str("standard"), "trackingNumber": str("3000000021"), "type": str("parcel")},
	item{"PK": str("TRK#3000000021"), "SK": str("SUBSCRIBERS"), "SUB#p1": &types.AttributeValueMemberM{Value: item{"addedAt": str("2026-03-01T12:00:00.000000000Z"), "expiresAt": num(1780142400)}}, "trackingNumber": str("3000000021")},
	item{"PK": str("PROJECT#p1"), "SK": str("LICENCES"), "active": num(0), "licences": num(5)},
	item{"PK": str("UNMAPPED#acme"), "SK": str("STATUS#e4f4a5aede5ce82881d782e8"), "carrier": str("dhl"), "example": str("3000000021"), "expiresAt": num(1780142400), "lastSeenAt": str("2026-03-01T12:00:00.000000000Z"), "seen": num(2), "status": str("ZZ")},
	item{"PK": str("WHATTEMPT#w1"), "SK": str("2026-03-01T12:00:00.000000000Z#0001#a0adbfe122f3116e"), "at": str("2026-03-01T12:00:00.000000000Z"), "attempt": num(1), "durationMs": num(0), "eventId": str("e1"), "expiresAt": num(1772370000), "responseStatus": num(0), "status": str("pending"), "type": str("tracking.updated")},
}

// Items stored before the split read through the adapters as they read
// through the one Store: every port finds its items, every attribute.
func TestItemsStoredBeforeTheSplitReadAsBefore(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	for _, it := range storedItems {
		if _, err := s.Table.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table.Name, Item: it}); err != nil {
			t.Fatal(err)
		}
	}
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	check := func(what string, ok bool, got any) {
		t.Helper()
		if !ok {
			t.Errorf("%s read as %+v", what, got)
		}
	}

	p, err := s.Principals.Principal(ctx, "alice")
	check("principal", err == nil && p.ClientID == "acme" && p.Role == auth.RoleOwner && p.CreatedAt.Equal(at) &&
		p.LastUsedAt.Equal(at.Add(time.Hour)) && string(p.SecretHash) == "\x01\x02", p)
	audit, err := s.Principals.Audit(ctx, "acme", page.Request{})
	check("audit", err == nil && len(audit.Items) == 1 && audit.Items[0].At.Equal(at) && audit.Items[0].Subject == "alice", audit)

	pr, err := s.Projects.Project(ctx, "p1")
	check("project", err == nil && pr.Name == "P" && pr.ClientID == "acme" && pr.CreatedAt.Equal(at), pr)
	m, err := s.Projects.Member(ctx, "p1", "alice")
	check("member", err == nil && m.Role == project.Admin && m.AddedAt.Equal(at), m)
	ms, err := s.Projects.Memberships(ctx, "alice", page.Request{})
	check("memberships", err == nil && len(ms.Items) == 1 && ms.Items[0].Project.ID == "p1", ms)

	j, err := s.Jobs.Job(ctx, "j1")
	check("job", err == nil && j.Status == job.Queued && j.Action == job.Add && j.CreatedAt.Equal(at) &&
		j.SweepAt.Equal(at.Add(time.Minute)) && j.BodyHash == "h", j)
	items, err := s.Jobs.Items(ctx, j)
	check("job numbers", err == nil && len(items) == 1 && items[0].TrackingNumber == "3000000021" && items[0].Carrier == "dhl", items)
	as, err := s.Jobs.Associations(ctx, "p1", []string{"3000000021"})
	a := as["3000000021"]
	check("association", err == nil && a.JobID == "j1" && a.AddedAt.Equal(at) && a.AddedBy == "alice" && a.Tag == string(tag.Pending), a)

	r, err := s.Requests.Request(ctx, "r1")
	check("message request", err == nil && r.BatchReference == "b1" && r.ReceivedAt.Equal(at) && r.Summary.Queued == 1, r)
	msgs, err := s.Requests.Messages(ctx, r)
	check("messages", err == nil && len(msgs) == 1 && msgs[0].Payload == `{"a":1}` && msgs[0].Type == "TRACKING_EVENT", msgs)
	found, err := s.Requests.Lookup(ctx, "acme", request.Key{Ref: "b1"}, time.Time{}, time.Time{}, 10)
	check("tracker lookup", err == nil && len(found) == 1 && found[0].ID == "r1" && found[0].ReceivedAt.Equal(at), found)

	sh, err := s.Tracking.Shipment(ctx, "3000000021")
	check("shipment", err == nil && sh.Carrier == "dhl" && sh.Type == "parcel" && sh.FirstKnownAt == "2026-03-01T12:00:00.000Z", sh)
	evs, err := s.Tracking.Events(ctx, "3000000021", 10)
	check("events", err == nil && len(evs) == 1 && evs[0].Status == "delivered" && evs[0].At.Equal(at), evs)
	subs, err := s.Tracking.Subscribers(ctx, []string{"3000000021"}, at)
	check("subscribers", err == nil && len(subs["3000000021"]) == 1 && subs["3000000021"][0] == "p1", subs)

	users, _ := data.DefaultCatalog.Entity("baseuser")
	rec, err := s.Records.Record(ctx, "p1", users, "u1")
	check("record", err == nil && rec.Values["name"] == "Ada" && rec.SrvDateUTC.Equal(at), rec)

	e, err := s.Webhooks.Endpoint(ctx, "p1", "w1")
	check("webhook endpoint", err == nil && e.URL == "https://example.com/h" && e.Enabled && e.CreatedAt.Equal(at) && e.Secret == "sec", e)

	tk, err := s.Tasks.Task(ctx, "p1", "t1")
	check("task", err == nil && tk.Status == task.Queued && tk.CreatedAt.Equal(at) && tk.SweepAt.Equal(at.Add(time.Minute)), tk)

	o, err := s.Outbox.OutboxItem(ctx, "p1", "o1")
	check("outbox item", err == nil && o.CreatedAt.Equal(at) && o.UpdatedAt.Equal(at) && o.ExpiresAt.Equal(time.Unix(1772452800, 0).UTC()), o)

	lic, err := s.Accounts.Licences(ctx, "p1")
	check("licences", err == nil && lic.Total == 5 && lic.Used == 0, lic)
	un, err := s.Unmapped.UnmappedStatuses(ctx, "acme", at, 10)
	check("unmapped", err == nil && len(un) == 1 && un[0].Status == "ZZ" && un[0].Count == 2 && un[0].LastSeen.Equal(at), un)
	att, err := s.Webhooks.Attempts(ctx, "w1", page.Request{})
	check("webhook attempts", err == nil && len(att.Items) == 1 && att.Items[0].EventID == "e1" && att.Items[0].At.Equal(at), att)

	due, err := s.Sweep.Due(ctx, at.Add(time.Hour), 10)
	check("sweep", err == nil && len(due) == 3, due)
}

// A stored time that is not in the layout is an error naming the item,
// never an instant read as unset.
func TestAMalformedStoredTimeIsAnErrorNamingTheItem(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	for _, it := range storedItems {
		if getS(it, attrPK) == "PROJECT#p1" && getS(it, attrSK) == "WEBHOOK#w1" {
			bad := make(item, len(it))
			for k, v := range it {
				bad[k] = v
			}
			bad["failingSince"] = str("yesterday")
			if _, err := s.Table.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table.Name, Item: bad}); err != nil {
				t.Fatal(err)
			}
		}
	}
	_, err := s.Webhooks.Endpoint(ctx, "p1", "w1")
	if err == nil || !strings.Contains(err.Error(), "PROJECT#p1 WEBHOOK#w1") || errors.Is(err, webhook.ErrNotFound) {
		t.Fatalf("Endpoint of a corrupt item: %v, want an error naming PROJECT#p1 WEBHOOK#w1", err)
	}
	if _, err := s.Webhooks.Endpoints(ctx, "p1"); err == nil {
		t.Fatal("Endpoints read past a corrupt item")
	}
}
