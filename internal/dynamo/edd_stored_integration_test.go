//go:build integration

package dynamo

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/parcelgate/parcelgate/internal/carrier"
	"github.com/parcelgate/parcelgate/internal/edd"
	"github.com/parcelgate/parcelgate/internal/tag"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

// Aggregate items stored before gaps were recorded hold transit times
// only: they still read, their deliveries teach no stall threshold (the
// fallback answers until 30 deliveries bring gaps), and a new delivery
// adds its gaps beside them.
func TestEddItemsStoredWithoutGapsStillServe(t *testing.T) {
	ctx := context.Background()
	s := newStore(t).Edd
	p := edd.Parcel{Carrier: carrier.UPS, Origin: "US", Destination: "US"}
	groups := p.Groups()
	carrierKey := groups[len(groups)-1].Key
	const project = "p-before-gaps"
	for shard := range eddShards {
		if _, err := s.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.Name), Item: item{
			attrPK: str(eddPK(project, shard)), attrSK: str(eddGroupSK(carrierKey)),
			attrEddCount: num(40), eddBucketAttr(eddSince, tag.InTransit, edd.Bucket(30*time.Hour)): num(40),
		}}); err != nil {
			t.Fatal(err)
		}
	}
	keys := []string{carrierKey}
	aggs, err := s.Aggregates(ctx, []string{project}, keys)
	if err != nil {
		t.Fatal(err)
	}
	a := aggs[carrierKey]
	if a.Deliveries != 8*40 || a.Since[tag.InTransit].Total() != 8*40 || a.Gaps[tag.InTransit].Total() != 0 || a.Dwell[tag.InTransit].Total() != 0 {
		t.Fatalf("stored aggregate read as %+v", a)
	}
	if got := edd.StallAfter(p, tag.InTransit, aggs); got != edd.StallAfter(p, tag.InTransit, nil) {
		t.Fatalf("threshold %s from deliveries without gaps, want the fallback", got)
	}
	start := time.Date(2026, 9, 8, 14, 0, 0, 0, time.UTC) // a Tuesday
	d, _ := edd.Observe("1ZSTORED0001", p, []tracking.Event{{Tag: tag.InTransit, At: start},
		{Tag: tag.InTransit, At: start.Add(10 * time.Hour)}, {Tag: tag.Delivered, At: start.Add(30 * time.Hour)}})
	if ok, err := s.RecordDelivery(ctx, project, d); err != nil || !ok {
		t.Fatalf("record: %v, %v", ok, err)
	}
	aggs, err = s.Aggregates(ctx, []string{project}, keys)
	if err != nil {
		t.Fatal(err)
	}
	a = aggs[carrierKey]
	if a.Deliveries != 8*40+1 || a.Since[tag.InTransit][edd.Bucket(30*time.Hour)] != 8*40+1 ||
		a.Gaps[tag.InTransit].Total() != 2 || a.Dwell[tag.InTransit][edd.Bucket(30*time.Hour)] != 1 {
		t.Fatalf("after a new delivery %+v", a)
	}
}
