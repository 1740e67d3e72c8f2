//go:build integration

package dynamo

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parcelgate/parcelgate/internal/storetest"
	"github.com/parcelgate/parcelgate/internal/tag"
	"github.com/parcelgate/parcelgate/internal/tracking"
	"github.com/parcelgate/parcelgate/internal/webhook"
)

// TestItemsStoredBeforeTagsReadWithTags writes a number's items as they
// were stored before statuses had tags (no tag attributes on the event
// items, the shipment item, its pending change or the notification
// record) and reads them through every path that shows a status: each is
// classified when read, as the mapping tables say.
func TestItemsStoredBeforeTagsReadWithTags(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	n, p := storetest.InPostNumber(), storetest.ID("p-")
	moved := time.Now().UTC().Add(-time.Hour).Truncate(time.Millisecond)
	put := func(it item) {
		t.Helper()
		if _, err := s.Table.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table.Name, Item: it}); err != nil {
			t.Fatal(err)
		}
	}
	num := func(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }
	confirmed := tracking.Event{Status: "confirmed", OriginStatus: "PPN", Datetime: "2015-09-17T10:28:00.000+02:00"}
	dispatched := tracking.Event{Status: "dispatched_by_sender", OriginStatus: "NWP", Agency: "Kraków", Datetime: "2015-09-17T11:28:00.000+02:00"}
	for _, ev := range []tracking.Event{confirmed, dispatched} {
		ev.At, _ = tracking.ParseDatetime(ev.Datetime)
		it := trackingKey(n, eventSK(ev))
		it["status"], it["originStatus"], it["datetime"] = str(ev.Status), str(ev.OriginStatus), str(ev.Datetime)
		if ev.Agency != "" {
			it["agency"] = str(ev.Agency)
		}
		put(it)
	}
	dispatched.At, _ = tracking.ParseDatetime(dispatched.Datetime)
	shipment := trackingKey(n, skShipment)
	shipment["trackingNumber"], shipment["carrier"], shipment["owner"] = str(n), str("inpost"), str("client-a")
	shipment["status"], shipment["updatedAt"], shipment["latestEvent"] = str(dispatched.Status), str(dispatched.Datetime), str(eventSK(dispatched))
	shipment["seq"] = num("2")
	shipment["pending"] = &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberM{Value: item{
		"seq": num("2"), "status": str(dispatched.Status), "previousStatus": str(confirmed.Status), "originStatus": str("NWP"),
		"agency": str("Kraków"), "datetime": str(dispatched.Datetime), "at": str(formatTime(moved)),
	}}}}
	put(shipment)
	put(item{
		attrPK: str(notificationPK(p, legacyAssociationShards, n)), attrSK: str(notificationSK(moved, n, 2)), "projectId": str(p), "trackingNumber": str(n),
		"carrier": str("inpost"), "sequence": num("2"), "status": str(dispatched.Status), "previousStatus": str(confirmed.Status),
		"originStatus": str("NWP"), "agency": str("Kraków"), "datetime": str(dispatched.Datetime), "createdAt": str(formatTime(moved)),
	})

	res, err := tracking.Service{Store: s.Tracking}.Get(ctx, n, 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range res.Details {
		got = append(got, string(ev.Subtag))
	}
	if res.Tag != tag.InTransit || res.Subtag != "InTransit_PickedUp" || !slices.Equal(got, []string{"InTransit_PickedUp", "InfoReceived_Other"}) {
		t.Errorf("resource %s/%s, history %v", res.Tag, res.Subtag, got)
	}
	st, err := s.Tracking.States(ctx, []string{n})
	if err != nil || st[n].Tag != tag.InTransit {
		t.Errorf("state %+v, %v: want its status's tag, InTransit", st[n], err)
	}
	cur, err := s.Tracking.CurrentTags(ctx, []string{n})
	if err != nil || cur[n].Tag != string(tag.InTransit) || cur[n].Sequence != 2 {
		t.Errorf("current tags %+v, %v", cur, err)
	}
	feed, err := s.Webhooks.FeedEvents(ctx, p, webhook.Ref{}, moved.Add(-time.Minute), 10)
	if err != nil || len(feed) != 1 || !strings.Contains(string(feed[0].Data), `"tag":"InTransit","subtag":"InTransit_PickedUp"`) {
		t.Errorf("feed %+v, %v: want the record's event tagged", feed, err)
	}
}
