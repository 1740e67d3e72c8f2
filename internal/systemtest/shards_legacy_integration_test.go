//go:build integration

// Over the emulators only: it writes an earlier version's items straight
// into the test's table.
package systemtest

import (
	"context"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parcelgate/parcelgate/internal/apitest"
	"github.com/parcelgate/parcelgate/internal/sorttime"
)

// legacyShard is where a version with 16 association shards put a number.
func legacyShard(number string) string {
	h := fnv.New32a()
	h.Write([]byte(number))
	return fmt.Sprintf("%02d", h.Sum32()%16)
}

// A project stored by a version with 16 association shards (its project
// item without a count, its numbers, tag index, expiry entries and
// subscribers as that version wrote them) keeps working through the API:
// its numbers are listed, by tag too; a job ADD renews them (not added
// twice) and adds a new one beside them; an event moves one's tag and
// reaches the feed; a job REMOVE removes one; a cursor past its 16 shards
// is refused; and every association the project has at the end is still
// in the layout of 16.
func TestAProjectStoredUnder16ShardsKeepsWorkingThroughTheAPI(t *testing.T) {
	e := apitest.Start(t)
	principal, token := e.Token(t, "acme")
	ctx := context.Background()
	client := dynamodb.NewFromConfig(e.AWS)
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	n := func(v int64) types.AttributeValue { return &types.AttributeValueMemberN{Value: fmt.Sprint(v)} }
	put := func(it map[string]types.AttributeValue) {
		t.Helper()
		if _, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &e.Config.Table, Item: it}); err != nil {
			t.Fatal(err)
		}
	}

	const p = "legacy-project"
	created := sorttime.Format(e.Clock().Add(-24 * time.Hour))
	put(map[string]types.AttributeValue{"PK": s("PROJECT#" + p), "SK": s("PROJECT"), "projectId": s(p), "clientId": s("acme"), "name": s("Old"), "createdAt": s(created)})
	put(map[string]types.AttributeValue{"PK": s("PROJECT#" + p), "SK": s("MEMBER#" + principal), "GSI1PK": s("PRINCIPAL#" + principal), "GSI1SK": s("PROJECT#" + created + "#" + p),
		"projectId": s(p), "principalId": s(principal), "role": s("admin"), "addedAt": s(created), "clientId": s("acme"), "projectName": s("Old"), "projectCreatedAt": s(created)})
	expires := e.Clock().Add(30 * 24 * time.Hour).Truncate(time.Second)
	var stored []string
	for i := range 6 {
		num := dhl(7100 + i)
		stored = append(stored, num)
		shard := legacyShard(num)
		put(map[string]types.AttributeValue{"PK": s("ASSOC#" + p + "#" + shard), "SK": s("TN#" + num),
			"GSI1PK": s("TAGGED#" + p + "#Pending#" + shard), "GSI1SK": s("TN#" + num),
			"GSI3PK": s("EXPIRY#" + expires.Format(time.DateOnly) + "#" + shard), "GSI3SK": s(sorttime.Format(expires) + "#dhl"),
			"projectId": s(p), "trackingNumber": s(num), "carrier": s("dhl"), "addedAt": s(created), "expiresAt": n(expires.Unix()),
			"jobId": s("old-job"), "addedBy": s("old-job"), "tag": s("Pending"), "tagSeq": n(0)})
		put(map[string]types.AttributeValue{"PK": s("TRK#" + num), "SK": s("SUBSCRIBERS"), "trackingNumber": s(num),
			"SUB#" + p: &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"addedAt": s(created), "expiresAt": n(expires.Unix())}}})
	}

	if got := numbersTagged(t, e, token, p, "Pending"); !slices.Equal(sorted(got), sorted(stored)) {
		t.Fatalf("?tag=Pending lists %v, want the stored %v", got, stored)
	}

	// A cursor names one of the project's 16 shards, or is refused.
	e.Call(t, "GET", "/v1/projects/"+p+"/tracking-numbers?cursor=15.", token, nil).Want(t, 200)
	e.Call(t, "GET", "/v1/projects/"+p+"/tracking-numbers?cursor=16.", token, nil).Want(t, 400)

	added := dhl(7200)
	j := submit(t, e, token, p, "ADD", numbers(stored[0], stored[1], added))
	if c := await(t, e, token, p, j.JobID, "COMPLETED").Counts; c.Renewed != 2 || c.Added != 1 {
		t.Errorf("ADD of two stored numbers and a new one: %+v, want 2 renewed and 1 added", c)
	}
	inject(t, e, token, "legacy-1", event(stored[0], "dispatched_by_sender", "", nil, e.Clock().Format(time.RFC3339)))
	e.AwaitIdle(t)
	if got := numbersTagged(t, e, token, p, "InfoReceived"); !slices.Contains(got, stored[0]) {
		t.Errorf("after its event %s is not listed by its new tag: %v", stored[0], got)
	}
	var feed feedOut
	e.Call(t, "GET", "/v1/projects/"+p+"/events?limit=100", token, nil).Want(t, 200).JSON(t, &feed)
	var kinds []string
	for _, ev := range feed.Items {
		kinds = append(kinds, fmt.Sprint(ev.Type, " ", ev.Data["trackingNumber"], ev.Data["jobId"]))
	}
	if want := []string{"job.completed <nil>" + j.JobID, "tracking.updated " + stored[0] + "<nil>"}; !slices.Equal(kinds, want) {
		t.Errorf("feed %v, want %v", kinds, want)
	}
	j = submit(t, e, token, p, "REMOVE", numbers(stored[2]))
	if c := await(t, e, token, p, j.JobID, "COMPLETED").Counts; c.Removed != 1 {
		t.Errorf("REMOVE of a stored number: %+v, want it removed", c)
	}

	want := append(slices.Delete(slices.Clone(stored), 2, 3), added)
	var listed []string
	for _, tagged := range []string{"Pending", "InfoReceived"} {
		listed = append(listed, numbersTagged(t, e, token, p, tagged)...)
	}
	if !slices.Equal(sorted(listed), sorted(want)) {
		t.Errorf("numbers at the end %v, want %v", listed, want)
	}
	var assocs []string
	for _, it := range e.Items(t) {
		pk, _ := it["PK"].(*types.AttributeValueMemberS)
		sk, _ := it["SK"].(*types.AttributeValueMemberS)
		if pk == nil || !strings.HasPrefix(pk.Value, "ASSOC#"+p+"#") {
			continue
		}
		num := strings.TrimPrefix(sk.Value, "TN#")
		assocs = append(assocs, num)
		if pk.Value != "ASSOC#"+p+"#"+legacyShard(num) {
			t.Errorf("%s stored in %s, not in its shard of 16", num, pk.Value)
		}
	}
	if !slices.Equal(sorted(assocs), sorted(want)) {
		t.Errorf("associations stored %v, want %v once each", assocs, want)
	}
}
