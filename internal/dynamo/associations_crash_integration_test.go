//go:build integration

package dynamo

// A job writes an association and its subscribers entry one after the
// other; these tests kill the writer between the two (a fault injected
// into the client) and check what ingestion and the API see meanwhile,
// and that the redelivery, or the job's abandonment, leaves the two
// agreeing.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/parcelgate/parcelgate/internal/job"
)

// killer fails the writes its match picks while it has crashes left, as
// a processor dying just before them would.
type killer struct {
	crashes atomic.Int32
	match   func(any) bool
}

func (k *killer) install(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("killer", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			if k.match(in.Parameters) && k.crashes.Add(-1) >= 0 {
				return middleware.InitializeOutput{}, middleware.Metadata{}, errCrash
			}
			return next.HandleInitialize(ctx, in)
		}), middleware.Before)
	})
}

// associationPut matches the put of an association (an addition's
// second write).
func associationPut(p any) bool {
	in, ok := p.(*dynamodb.PutItemInput)
	pk, _ := func() (*types.AttributeValueMemberS, bool) {
		if !ok {
			return nil, false
		}
		v, ok := in.Item[attrPK].(*types.AttributeValueMemberS)
		return v, ok
	}()
	return pk != nil && strings.HasPrefix(pk.Value, "ASSOC#")
}

// entryWrite matches an update of a subscribers entry whose expression
// starts with prefix (a renewal's and a removal's second write).
func entryWrite(prefix string) func(any) bool {
	return func(p any) bool {
		in, ok := p.(*dynamodb.UpdateItemInput)
		if !ok || in.UpdateExpression == nil {
			return false
		}
		sk, _ := in.Key[attrSK].(*types.AttributeValueMemberS)
		return sk != nil && sk.Value == skSubscribers && strings.HasPrefix(*in.UpdateExpression, prefix)
	}
}

func jobAssociation(projectID, number, jobID string, at time.Time) job.Association {
	return job.Association{ProjectID: projectID, TrackingNumber: number, Carrier: "dhl", AddedAt: at, ExpiresAt: at.Add(job.AssociationTTL), JobID: jobID, AddedBy: jobID}
}

// agree checks that each number's subscribers entry of the project and
// its association exist together with the same times: the state every
// finished writer leaves.
func agree(t *testing.T, s *Adapters, projectID string, numbers ...string) map[string]job.Association {
	t.Helper()
	ctx := context.Background()
	stored, err := s.Jobs.Associations(ctx, projectID, numbers)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range numbers {
		raw, err := s.Table.getRaw(ctx, subscribersKey(n))
		if err != nil {
			t.Fatal(err)
		}
		entry, _ := raw[subscriberAttrPrefix+projectID].(*types.AttributeValueMemberM)
		a, associated := stored[n]
		switch {
		case entry == nil && !associated:
		case entry == nil || !associated:
			t.Fatalf("%s of %s: entry %v, association %+v (associated %v)", n, projectID, entry, a, associated)
		default:
			added, _ := entry.Value["addedAt"].(*types.AttributeValueMemberS)
			exp, _ := entry.Value["expiresAt"].(*types.AttributeValueMemberN)
			if added == nil || exp == nil || added.Value != formatTime(a.AddedAt) || exp.Value != fmt.Sprint(a.ExpiresAt.Unix()) {
				t.Fatalf("%s of %s: entry %v, association added %s expires %d", n, projectID, entry.Value, formatTime(a.AddedAt), a.ExpiresAt.Unix())
			}
		}
	}
	return stored
}

// subscribersOf returns the projects ingestion would tell of number's
// changes at at.
func subscribersOf(t *testing.T, s *Adapters, number string, at time.Time) []string {
	t.Helper()
	got, err := s.Tracking.Subscribers(context.Background(), []string{number}, at)
	if err != nil {
		t.Fatal(err)
	}
	return got[number]
}

func TestAdditionCrashedBetweenItsWritesIsCompletedByItsRedelivery(t *testing.T) {
	ctx := context.Background()
	k := &killer{match: associationPut}
	s := newStore(t, k.install)
	now := time.Now().UTC().Truncate(time.Second)
	numbers := []string{dhlNumber(1), dhlNumber(2), dhlNumber(3)}
	var as []job.Association
	for _, n := range numbers {
		as = append(as, jobAssociation("p-crash", n, "job-1", now))
	}
	// The first put kills the processor; the others die with it.
	k.crashes.Store(int32(len(as)))
	if _, err := s.Jobs.AddAssociations(ctx, as); !errors.Is(err, errCrash) {
		t.Fatalf("the processor did not die: %v", err)
	}
	k.crashes.Store(0)
	// Meanwhile the project hears of the claimed numbers, and the API
	// does not list them yet; another job cannot take them.
	stored, err := s.Jobs.Associations(ctx, "p-crash", numbers)
	if err != nil || len(stored) != 0 {
		t.Fatalf("associations after the crash: %v, %v", stored, err)
	}
	claimed := ""
	for _, n := range numbers {
		if got := subscribersOf(t, s, n, now); len(got) == 1 && got[0] == "p-crash" {
			claimed = n
		}
	}
	if claimed == "" {
		t.Fatal("no number claimed before the crash")
	}
	if _, err := s.Jobs.AddAssociations(ctx, []job.Association{jobAssociation("p-crash", claimed, "job-2", now.Add(time.Minute))}); !errors.Is(err, errStillClaimed) {
		t.Fatalf("another job took a claimed number: %v", err)
	}

	redelivered, err := s.Jobs.AddAssociations(ctx, as)
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range redelivered {
		if a.AddedBy != "job-1" || !a.AddedAt.Equal(now) {
			t.Fatalf("association %d after the redelivery: %+v", i, a)
		}
	}
	agree(t, s, "p-crash", numbers...)
	later, err := s.Jobs.AddAssociations(ctx, []job.Association{jobAssociation("p-crash", numbers[0], "job-2", now.Add(time.Minute))})
	if err != nil || later[0].AddedBy != "job-1" {
		t.Fatalf("a later job's addition: %+v, %v", later, err)
	}
}

func TestRemovalCrashedBetweenItsWritesIsCompletedByItsRedelivery(t *testing.T) {
	ctx := context.Background()
	k := &killer{match: entryWrite("REMOVE")}
	s := newStore(t, k.install)
	now := time.Now().UTC().Truncate(time.Second)
	n := dhlNumber(4)
	if _, err := s.Jobs.AddAssociations(ctx, []job.Association{jobAssociation("p-rm", n, "job-1", now)}); err != nil {
		t.Fatal(err)
	}
	k.crashes.Store(1)
	if err := s.Jobs.Apply(ctx, "p-rm", nil, []string{n}, now.Add(time.Minute)); !errors.Is(err, errCrash) {
		t.Fatalf("the processor did not die: %v", err)
	}
	// The project is still told of the number until the removal is done.
	if got := subscribersOf(t, s, n, now); len(got) != 1 {
		t.Fatalf("subscribers between the writes: %v", got)
	}
	if err := s.Jobs.Apply(ctx, "p-rm", nil, []string{n}, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if stored := agree(t, s, "p-rm", n); len(stored) != 0 {
		t.Fatalf("the removal left %+v", stored)
	}
}

func TestRenewalCrashedBetweenItsWritesIsCompletedByItsRedelivery(t *testing.T) {
	ctx := context.Background()
	k := &killer{match: entryWrite("SET #p.addedAt")}
	s := newStore(t, k.install)
	now := time.Now().UTC().Truncate(time.Second)
	n := dhlNumber(5)
	if _, err := s.Jobs.AddAssociations(ctx, []job.Association{jobAssociation("p-renew", n, "job-1", now)}); err != nil {
		t.Fatal(err)
	}
	renewal := jobAssociation("p-renew", n, "job-2", now.Add(time.Hour))
	renewal.AddedBy = ""
	k.crashes.Store(1)
	if err := s.Jobs.Apply(ctx, "p-renew", []job.Association{renewal}, nil, renewal.AddedAt); !errors.Is(err, errCrash) {
		t.Fatalf("the processor did not die: %v", err)
	}
	// Between the writes the entry keeps the old expiry.
	if got := subscribersOf(t, s, n, now.Add(job.AssociationTTL+time.Minute)); len(got) != 0 {
		t.Fatalf("subscribers past the old expiry, between the writes: %v", got)
	}
	if err := s.Jobs.Apply(ctx, "p-renew", []job.Association{renewal}, nil, renewal.AddedAt); err != nil {
		t.Fatal(err)
	}
	if stored := agree(t, s, "p-renew", n); !stored[n].ExpiresAt.Equal(renewal.ExpiresAt) {
		t.Fatalf("after the redelivery: %+v", stored[n])
	}
	if got := subscribersOf(t, s, n, now.Add(job.AssociationTTL+time.Minute)); len(got) != 1 {
		t.Fatalf("subscribers past the old expiry, after the redelivery: %v", got)
	}
}

// A job given up on between an addition's writes takes its claims back,
// and a later job adds the numbers.
func TestAbandonedJobTakesItsClaimsBack(t *testing.T) {
	ctx := context.Background()
	k := &killer{match: associationPut}
	s := newStore(t, k.install)
	now := time.Now().UTC().Truncate(time.Second)
	ns := []string{dhlNumber(6), dhlNumber(7)}
	// The first number's pair is written whole, the second's claim only.
	if _, err := s.Jobs.AddAssociations(ctx, []job.Association{jobAssociation("p-gone", ns[0], "job-1", now)}); err != nil {
		t.Fatal(err)
	}
	k.crashes.Store(1)
	if _, err := s.Jobs.AddAssociations(ctx, []job.Association{jobAssociation("p-gone", ns[1], "job-1", now)}); !errors.Is(err, errCrash) {
		t.Fatalf("the processor did not die: %v", err)
	}
	failed := job.Job{ID: "job-1", ProjectID: "p-gone", Action: job.Add, StartedAt: now}
	if err := s.Jobs.Abandon(ctx, failed, ns); err != nil {
		t.Fatal(err)
	}
	if stored := agree(t, s, "p-gone", ns...); len(stored) != 1 || stored[ns[0]].AddedBy != "job-1" {
		t.Fatalf("after the abandonment: %+v", stored)
	}
	added, err := s.Jobs.AddAssociations(ctx, []job.Association{jobAssociation("p-gone", ns[1], "job-2", now.Add(time.Minute))})
	if err != nil || added[0].AddedBy != "job-2" {
		t.Fatalf("a later job's addition: %+v, %v", added, err)
	}
	agree(t, s, "p-gone", ns...)
}

// A removal given up on between its writes drops the entry it left.
func TestAbandonedRemovalDropsTheEntryItLeft(t *testing.T) {
	ctx := context.Background()
	k := &killer{match: entryWrite("REMOVE")}
	s := newStore(t, k.install)
	now := time.Now().UTC().Truncate(time.Second)
	n := dhlNumber(8)
	if _, err := s.Jobs.AddAssociations(ctx, []job.Association{jobAssociation("p-rm", n, "job-1", now)}); err != nil {
		t.Fatal(err)
	}
	k.crashes.Store(1)
	if err := s.Jobs.Apply(ctx, "p-rm", nil, []string{n}, now.Add(time.Minute)); !errors.Is(err, errCrash) {
		t.Fatalf("the processor did not die: %v", err)
	}
	failed := job.Job{ID: "job-2", ProjectID: "p-rm", Action: job.Remove, StartedAt: now.Add(time.Minute)}
	if err := s.Jobs.Abandon(ctx, failed, []string{n}); err != nil {
		t.Fatal(err)
	}
	if stored := agree(t, s, "p-rm", n); len(stored) != 0 {
		t.Fatalf("the removal left %+v", stored)
	}
}
