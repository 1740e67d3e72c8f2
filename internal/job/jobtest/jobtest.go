// Package jobtest is the contract of job.Store: one suite that every
// implementation runs, so the in-memory store and DynamoDB keep the same
// promises.
package jobtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/page"
	"github.com/parcelgate/parcelgate/internal/sweep"
	"github.com/parcelgate/parcelgate/internal/tag"
)

// Run runs the contract against the store newStore returns. The suite
// calls newStore once: its tests share the store and keep apart by job,
// client and project ids of their own.
func Run(t *testing.T, newStore func(t *testing.T) job.Store) {
	s := newStore(t)
	for _, c := range []struct {
		name string
		test func(*testing.T, job.Store)
	}{
		{"CreatedJobIsReadByIDAndKeyWithItsNumbers", createdJobIsRead},
		{"ReusedKeyStoresNothing", reusedKeyStoresNothing},
		{"JobsListsAProjectsUnexpiredJobsNewestFirst", jobsNewestFirst},
		{"SetStatusAppliesOnlyFromTheGivenStatuses", setStatusFromGivenStatuses},
		{"StartKeepsTheFirstStartTime", startKeepsFirstStart},
		{"FinishHappensOnce", finishHappensOnce},
		{"ResultsAreSavedOnceInOrder", resultsSavedOnce},
		{"ClaimRequeueMovesTheDeadlineOnce", claimRequeueOnce},
		{"AddAssociationsKeepsALiveAssociation", addKeepsLive},
		{"ApplyRenewsForwardAndSparesLaterAdditions", applyRenewsAndRemoves},
		{"AssociatedListsUnexpiredAssociationsAcrossPages", associatedAcrossPages},
		{"SetTagsAppliesOnlyForwardToExistingAssociations", setTagsForwardOnly},
		{"AssociatedByTagListsOnlyThatTagAcrossPages", associatedByTag},
		{"AnUntaggedAssociationReadsAsPending", untaggedReadsPending},
	} {
		t.Run(c.name, func(t *testing.T) { c.test(t, s) })
	}
}

// base is a time every test counts from, in the stores' precision.
var base = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

func newJob(id, project string, at time.Time) job.Job {
	return job.Job{
		ID: id, ProjectID: project, ClientID: "client-" + project, PrincipalID: "p", Action: job.Add, Status: job.Accepted,
		ExternalReference: id + "-ref", CreatedAt: at, ExpiresAt: at.Add(job.JobTTL), Counts: job.Counts{Total: 2},
		BodyHash: "hash-" + id, SweepAt: sweep.Deadline(sweep.Waiting, at),
	}
}

var items = []job.Item{{TrackingNumber: "1Z999AA10123456784", Carrier: "ups"}, {TrackingNumber: "794644790138"}}

func create(t *testing.T, s job.Store, j job.Job) job.Job {
	t.Helper()
	if err := s.CreateJob(context.Background(), j, items); err != nil {
		t.Fatalf("CreateJob: %v", err)
	}
	return j
}

func read(t *testing.T, s job.Store, id string) job.Job {
	t.Helper()
	j, err := s.Job(context.Background(), id)
	if err != nil {
		t.Fatalf("Job %s: %v", id, err)
	}
	return j
}

func sameJob(t *testing.T, got, want job.Job) {
	t.Helper()
	times := [][2]time.Time{{got.CreatedAt, want.CreatedAt}, {got.StartedAt, want.StartedAt}, {got.CompletedAt, want.CompletedAt}, {got.ExpiresAt, want.ExpiresAt}, {got.SweepAt, want.SweepAt}}
	for _, tt := range times {
		if !tt[0].Equal(tt[1]) {
			t.Errorf("job\n got %+v\nwant %+v", got, want)
			return
		}
	}
	got.CreatedAt, got.StartedAt, got.CompletedAt, got.ExpiresAt, got.SweepAt = want.CreatedAt, want.StartedAt, want.CompletedAt, want.ExpiresAt, want.SweepAt
	if got != want {
		t.Errorf("job\n got %+v\nwant %+v", got, want)
	}
}

func createdJobIsRead(t *testing.T, s job.Store) {
	ctx := context.Background()
	j := newJob("created", "project-created", base)
	j.IdempotencyKey = "key-1"
	create(t, s, j)
	sameJob(t, read(t, s, j.ID), j)
	byKey, err := s.JobByKey(ctx, j.ClientID, j.ProjectID, "key-1")
	if err != nil {
		t.Fatalf("JobByKey: %v", err)
	}
	sameJob(t, byKey, j)
	if _, err := s.JobByKey(ctx, "another-client", j.ProjectID, "key-1"); !errors.Is(err, job.ErrNotFound) {
		t.Errorf("another client's key: %v, want ErrNotFound", err)
	}
	if _, err := s.Job(ctx, "no-such-job"); !errors.Is(err, job.ErrNotFound) {
		t.Errorf("Job of no job: %v, want ErrNotFound", err)
	}
	got, err := s.Items(ctx, j)
	if err != nil || !slices.Equal(got, items) {
		t.Errorf("Items: %+v, %v; want %+v", got, err, items)
	}
}

func reusedKeyStoresNothing(t *testing.T, s job.Store) {
	ctx := context.Background()
	first := newJob("keyed-first", "project-keyed", base)
	first.IdempotencyKey = "key"
	create(t, s, first)
	second := newJob("keyed-second", "project-keyed", base.Add(time.Minute))
	second.IdempotencyKey = "key"
	if err := s.CreateJob(ctx, second, items); !errors.Is(err, job.ErrKeyTaken) {
		t.Fatalf("CreateJob with a used key: %v, want ErrKeyTaken", err)
	}
	if _, err := s.Job(ctx, second.ID); !errors.Is(err, job.ErrNotFound) {
		t.Errorf("the refused job was stored: %v", err)
	}
}

func jobsNewestFirst(t *testing.T, s job.Store) {
	ctx := context.Background()
	now := base.Add(time.Hour)
	expired := newJob("listed-expired", "project-listed", base.Add(-job.JobTTL))
	create(t, s, expired)
	var want []string
	for i := range 3 {
		j := create(t, s, newJob("listed-"+string(rune('a'+i)), "project-listed", base.Add(time.Duration(i)*time.Minute)))
		want = append([]string{j.ID}, want...)
	}
	create(t, s, newJob("listed-elsewhere", "project-listed-other", base))
	var got []string
	req := page.Request{Limit: 2}
	for pages := 0; ; pages++ {
		if pages == 5 {
			t.Fatalf("paging does not end: %v", got)
		}
		p, err := s.Jobs(ctx, "project-listed", now, req)
		if err != nil {
			t.Fatalf("Jobs: %v", err)
		}
		for _, j := range p.Items {
			got = append(got, j.ID)
		}
		if p.NextCursor == "" {
			break
		}
		if _, err := s.Jobs(ctx, "project-listed-other", now, page.Request{Cursor: p.NextCursor, Limit: 2}); !errors.Is(err, page.ErrBadCursor) {
			t.Errorf("a cursor of another project: %v, want ErrBadCursor", err)
		}
		req.Cursor = p.NextCursor
	}
	if !slices.Equal(got, want) {
		t.Errorf("jobs %v, want %v", got, want)
	}
}

func setStatusFromGivenStatuses(t *testing.T, s job.Store) {
	ctx := context.Background()
	j := create(t, s, newJob("status", "project-status", base))
	refused, from := j.Refuse(base.Add(time.Second))
	if err := s.SetStatus(ctx, refused, from...); err != nil {
		t.Fatalf("SetStatus NOT_ACCEPTED: %v", err)
	}
	sameJob(t, read(t, s, j.ID), refused)
	queued, from := refused.Queue()
	if err := s.SetStatus(ctx, queued, from...); !errors.Is(err, job.ErrStatusConflict) {
		t.Fatalf("queueing a refused job: %v, want ErrStatusConflict", err)
	}
	retried, from := refused.Retry(base.Add(time.Minute))
	if err := s.SetStatus(ctx, retried, from...); err != nil {
		t.Fatalf("SetStatus ACCEPTED again: %v", err)
	}
	sameJob(t, read(t, s, j.ID), retried)
	queued, from = retried.Queue()
	if err := s.SetStatus(ctx, queued, from...); err != nil {
		t.Fatalf("SetStatus QUEUED: %v", err)
	}
	sameJob(t, read(t, s, j.ID), queued)
	if err := s.SetStatus(ctx, job.Job{ID: "no-such-job", Status: job.Queued}, job.Accepted); !errors.Is(err, job.ErrStatusConflict) {
		t.Errorf("SetStatus of no job: %v, want ErrStatusConflict", err)
	}
}

func startKeepsFirstStart(t *testing.T, s job.Store) {
	ctx := context.Background()
	j := create(t, s, newJob("start", "project-start", base))
	first, from := j.Start(base.Add(time.Second))
	started, err := s.Start(ctx, first, from...)
	if err != nil || !started.Equal(first.StartedAt) {
		t.Fatalf("Start: %s, %v; want %s", started, err, first.StartedAt)
	}
	again, from := j.Start(base.Add(time.Hour)) // a redelivery that read the job before
	if started, err = s.Start(ctx, again, from...); err != nil || !started.Equal(first.StartedAt) {
		t.Fatalf("Start again: %s, %v; want the first start %s", started, err, first.StartedAt)
	}
	want := first
	want.SweepAt = again.SweepAt
	sameJob(t, read(t, s, j.ID), want)
	if err := s.Finish(ctx, want.Complete(nil, base.Add(2*time.Hour))); err != nil {
		t.Fatal(err)
	}
	late, from := want.Start(base.Add(3 * time.Hour))
	if _, err := s.Start(ctx, late, from...); !errors.Is(err, job.ErrStatusConflict) {
		t.Errorf("Start of a COMPLETED job: %v, want ErrStatusConflict", err)
	}
}

func finishHappensOnce(t *testing.T, s job.Store) {
	ctx := context.Background()
	j := create(t, s, newJob("finish", "project-finish", base))
	failed := j.Fail("retries ran out", base.Add(time.Hour))
	if err := s.Finish(ctx, failed); err != nil {
		t.Fatalf("Finish: %v", err)
	}
	sameJob(t, read(t, s, j.ID), failed)
	if err := s.Finish(ctx, j.Complete([]job.Result{{Outcome: job.Added}}, base.Add(2*time.Hour))); !errors.Is(err, job.ErrStatusConflict) {
		t.Fatalf("Finish of a FAILED job: %v, want ErrStatusConflict", err)
	}
	sameJob(t, read(t, s, j.ID), failed)
}

func resultsSavedOnce(t *testing.T, s job.Store) {
	ctx := context.Background()
	j := create(t, s, newJob("results", "project-results", base))
	results := []job.Result{
		{TrackingNumber: "1Z999AA10123456784", Carrier: "ups", Outcome: job.Added},
		{TrackingNumber: "x", Outcome: job.Invalid, Message: "not a valid tracking number"},
	}
	if got, err := s.Results(ctx, j); err != nil || len(got) != 0 {
		t.Fatalf("Results before any: %+v, %v", got, err)
	}
	if err := s.SaveResults(ctx, j, results); err != nil {
		t.Fatalf("SaveResults: %v", err)
	}
	if err := s.SaveResults(ctx, j, results[:1]); !errors.Is(err, job.ErrResultsExist) {
		t.Fatalf("a second SaveResults: %v, want ErrResultsExist", err)
	}
	if got, err := s.Results(ctx, j); err != nil || !slices.Equal(got, results) {
		t.Errorf("Results: %+v, %v; want %+v", got, err, results)
	}
}

func claimRequeueOnce(t *testing.T, s job.Store) {
	ctx := context.Background()
	j := create(t, s, newJob("requeue", "project-requeue", base))
	w := sweep.Work{Kind: sweep.KindJob, ID: j.ID, Due: j.SweepAt}
	next := base.Add(time.Hour)
	if err := s.ClaimRequeue(ctx, w, next); err != nil {
		t.Fatalf("ClaimRequeue: %v", err)
	}
	if got := read(t, s, j.ID); got.Requeues != 1 || !got.SweepAt.Equal(next) {
		t.Errorf("after the claim: requeues %d, deadline %s; want 1, %s", got.Requeues, got.SweepAt, next)
	}
	if err := s.ClaimRequeue(ctx, w, next.Add(time.Hour)); !errors.Is(err, sweep.ErrMoved) {
		t.Errorf("a second claim of the same deadline: %v, want sweep.ErrMoved", err)
	}
}

func association(project, number, jobID string, at time.Time) job.Association {
	return job.Association{ProjectID: project, TrackingNumber: number, Carrier: "ups", AddedAt: at, ExpiresAt: at.Add(job.AssociationTTL), JobID: jobID, AddedBy: jobID,
		Tag: string(tag.Pending)}
}

func sameAssociation(t *testing.T, what string, got, want job.Association) {
	t.Helper()
	if !got.AddedAt.Equal(want.AddedAt) || !got.ExpiresAt.Equal(want.ExpiresAt) {
		t.Errorf("%s\n got %+v\nwant %+v", what, got, want)
		return
	}
	got.AddedAt, got.ExpiresAt = want.AddedAt, want.ExpiresAt
	if got != want {
		t.Errorf("%s\n got %+v\nwant %+v", what, got, want)
	}
}

func addKeepsLive(t *testing.T, s job.Store) {
	ctx := context.Background()
	const project, number = "project-add", "1Z999AA10123456784"
	first := association(project, number, "job-1", base)
	stored, err := s.AddAssociations(ctx, []job.Association{first})
	if err != nil || len(stored) != 1 {
		t.Fatalf("AddAssociations: %+v, %v", stored, err)
	}
	sameAssociation(t, "first addition", stored[0], first)
	if stored, err = s.AddAssociations(ctx, []job.Association{association(project, number, "job-2", base.Add(time.Hour))}); err != nil {
		t.Fatal(err)
	}
	sameAssociation(t, "addition of a live number", stored[0], first)
	later := association(project, number, "job-3", first.ExpiresAt.Add(time.Hour))
	if stored, err = s.AddAssociations(ctx, []job.Association{later}); err != nil {
		t.Fatal(err)
	}
	sameAssociation(t, "addition after expiry", stored[0], later)
	got, err := s.Associations(ctx, project, []string{number, "794644790138"})
	if err != nil || len(got) != 1 {
		t.Fatalf("Associations: %+v, %v", got, err)
	}
	sameAssociation(t, "read back", got[number], later)
}

// untaggedReadsPending: an association stored without a tag (one stored
// before associations had tags, or a record's subscription of its number)
// reads as Pending wherever it is read.
func untaggedReadsPending(t *testing.T, s job.Store) {
	ctx := context.Background()
	const project, number = "project-untagged", "1Z999AA10123456784"
	a := association(project, number, "job-1", base)
	a.Tag = ""
	if _, err := s.AddAssociations(ctx, []job.Association{a}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Associations(ctx, project, []string{number})
	if err != nil || got[number].Tag != string(tag.Pending) {
		t.Fatalf("Associations: %+v, %v; want tag Pending", got, err)
	}
	pg, err := s.Associated(ctx, project, base, "", page.Request{})
	if err != nil || len(pg.Items) != 1 || pg.Items[0].Tag != string(tag.Pending) {
		t.Fatalf("Associated: %+v, %v; want one, tagged Pending", pg, err)
	}
}

func applyRenewsAndRemoves(t *testing.T, s job.Store) {
	ctx := context.Background()
	const project = "project-apply"
	kept := association(project, "1Z999AA10123456784", "job-1", base)
	renewed := association(project, "1Z999AA10000000001", "job-1", base)
	removed := association(project, "1Z999AA10000000002", "job-1", base)
	readded := association(project, "1Z999AA10000000003", "job-1", base.Add(2*time.Hour))
	if _, err := s.AddAssociations(ctx, []job.Association{kept, renewed, removed, readded}); err != nil {
		t.Fatal(err)
	}
	renewal := association(project, renewed.TrackingNumber, "job-2", base.Add(time.Hour))
	renewal.AddedBy = ""
	older := association(project, kept.TrackingNumber, "job-0", base.Add(-time.Hour))
	older.AddedBy = ""
	at := base.Add(time.Hour)
	if err := s.Apply(ctx, project, []job.Association{renewal, older}, []string{removed.TrackingNumber, readded.TrackingNumber}, at); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	got, err := s.Associations(ctx, project, []string{kept.TrackingNumber, renewed.TrackingNumber, removed.TrackingNumber, readded.TrackingNumber})
	if err != nil {
		t.Fatal(err)
	}
	sameAssociation(t, "an earlier expiry is no renewal", got[kept.TrackingNumber], kept)
	want := renewal
	want.AddedBy = renewed.AddedBy
	sameAssociation(t, "renewed", got[renewed.TrackingNumber], want)
	if a, ok := got[removed.TrackingNumber]; ok {
		t.Errorf("removed association still there: %+v", a)
	}
	sameAssociation(t, "added again after the decision", got[readded.TrackingNumber], readded)
}

func associatedAcrossPages(t *testing.T, s job.Store) {
	ctx := context.Background()
	const project = "project-associated"
	numbers := []string{"1Z999AA10000000011", "1Z999AA10000000012", "1Z999AA10000000013", "1Z999AA10000000014"}
	var as []job.Association
	for _, n := range numbers {
		as = append(as, association(project, n, "job-1", base))
	}
	as = append(as, association(project, "1Z999AA10000000015", "job-0", base.Add(-job.AssociationTTL)))
	if _, err := s.AddAssociations(ctx, as); err != nil {
		t.Fatal(err)
	}
	var got []string
	req := page.Request{Limit: 3}
	for pages := 0; ; pages++ {
		if pages == 10 {
			t.Fatalf("paging does not end: %v", got)
		}
		p, err := s.Associated(ctx, project, base.Add(time.Hour), "", req)
		if err != nil {
			t.Fatalf("Associated: %v", err)
		}
		for _, a := range p.Items {
			got = append(got, a.TrackingNumber)
		}
		if p.NextCursor == "" {
			break
		}
		req.Cursor = p.NextCursor
	}
	slices.Sort(got)
	if !slices.Equal(got, numbers) {
		t.Errorf("associated %v, want %v", got, numbers)
	}
}

func setTagsForwardOnly(t *testing.T, s job.Store) {
	ctx := context.Background()
	const project = "project-tags"
	a, b := association(project, "1Z999AA10000000021", "job-1", base), association(project, "1Z999AA10000000022", "job-1", base)
	if _, err := s.AddAssociations(ctx, []job.Association{a, b}); err != nil {
		t.Fatal(err)
	}
	updates := []job.TagUpdate{
		{ProjectID: project, TrackingNumber: a.TrackingNumber, Tag: string(tag.Exception), Sequence: 3},
		{ProjectID: project, TrackingNumber: b.TrackingNumber, Tag: string(tag.InTransit), Sequence: 1},
		{ProjectID: project, TrackingNumber: "1Z999AA10000000023", Tag: string(tag.InTransit), Sequence: 1}, // no association
	}
	for range 2 { // applied again: no change
		if err := s.SetTags(ctx, updates); err != nil {
			t.Fatalf("SetTags: %v", err)
		}
	}
	// An older change arriving late changes nothing.
	if err := s.SetTags(ctx, []job.TagUpdate{{ProjectID: project, TrackingNumber: a.TrackingNumber, Tag: string(tag.InTransit), Sequence: 2}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Associations(ctx, project, []string{a.TrackingNumber, b.TrackingNumber, "1Z999AA10000000023"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("associations %+v: an update created one", got)
	}
	if x := got[a.TrackingNumber]; x.Tag != string(tag.Exception) || x.TagSequence != 3 {
		t.Errorf("a: tag %q sequence %d, want Exception 3 (the older update must not apply)", x.Tag, x.TagSequence)
	}
	if x := got[b.TrackingNumber]; x.Tag != string(tag.InTransit) || x.TagSequence != 1 {
		t.Errorf("b: tag %q sequence %d, want InTransit 1", x.Tag, x.TagSequence)
	}
	// A renewal keeps the tag.
	renewal := association(project, a.TrackingNumber, "job-2", base.Add(time.Hour))
	if err := s.Apply(ctx, project, []job.Association{renewal}, nil, base.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got, err = s.Associations(ctx, project, []string{a.TrackingNumber}); err != nil || got[a.TrackingNumber].Tag != string(tag.Exception) {
		t.Errorf("after a renewal: %+v, %v; want the tag kept", got[a.TrackingNumber], err)
	}
}

func associatedByTag(t *testing.T, s job.Store) {
	ctx := context.Background()
	const project = "project-by-tag"
	var as []job.Association
	var exceptions []string
	for i := range 40 {
		a := association(project, fmt.Sprintf("1Z999AA1%010d", 100+i), "job-1", base)
		if i%3 == 0 {
			a.Tag, a.TagSequence = string(tag.Exception), 1
			exceptions = append(exceptions, a.TrackingNumber)
		}
		as = append(as, a)
	}
	expired := association(project, "1Z999AA10000009999", "job-0", base.Add(-job.AssociationTTL))
	expired.Tag = string(tag.Exception)
	as = append(as, expired)
	if _, err := s.AddAssociations(ctx, as); err != nil {
		t.Fatal(err)
	}
	// One number moves into Exception later, one out of it.
	moved := as[1].TrackingNumber
	if err := s.SetTags(ctx, []job.TagUpdate{
		{ProjectID: project, TrackingNumber: moved, Tag: string(tag.Exception), Sequence: 2},
		{ProjectID: project, TrackingNumber: exceptions[0], Tag: string(tag.InTransit), Sequence: 2},
	}); err != nil {
		t.Fatal(err)
	}
	want := append([]string{moved}, exceptions[1:]...)
	slices.Sort(want)
	list := func(tagged string, limit int) []string {
		t.Helper()
		var got []string
		req := page.Request{Limit: limit}
		for pages := 0; ; pages++ {
			if pages == 50 {
				t.Fatalf("paging does not end: %v", got)
			}
			p, err := s.Associated(ctx, project, base.Add(time.Hour), tagged, req)
			if err != nil {
				t.Fatalf("Associated(%s): %v", tagged, err)
			}
			for _, a := range p.Items {
				if a.Tag != tagged {
					t.Errorf("listed under %s: %+v", tagged, a)
				}
				got = append(got, a.TrackingNumber)
			}
			if p.NextCursor == "" {
				break
			}
			req.Cursor = p.NextCursor
		}
		slices.Sort(got)
		return got
	}
	if got := list(string(tag.Exception), 4); !slices.Equal(got, want) {
		t.Errorf("Exception: %v\nwant %v", got, want)
	}
	if got := list(string(tag.Pending), 100); len(got) != 40-len(want)-1 {
		t.Errorf("Pending: %d numbers, want %d", len(got), 40-len(want)-1)
	}
	if got := list(string(tag.Delivered), 10); len(got) != 0 {
		t.Errorf("Delivered: %v, want none", got)
	}
}
