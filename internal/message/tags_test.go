package message_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/carrier"
	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/memory"
	"github.com/parcelgate/parcelgate/internal/message"
	"github.com/parcelgate/parcelgate/internal/page"
	"github.com/parcelgate/parcelgate/internal/tag"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

// announcer records the changes announced for webhook delivery.
type announcer struct{ changes []tracking.Change }

func (a *announcer) TrackingUpdated(_ context.Context, _ []string, changes []tracking.Change) error {
	a.changes = append(a.changes, changes...)
	return nil
}

func trackingEvent(number, status, datetime, extra string) message.Incoming {
	return message.Incoming{MessageType: message.TypeTrackingEvent, ExternalReference: status,
		Payload: []byte(`{"trackingNumber":"` + number + `","status":"` + status + `","datetime":"` + datetime + `"` + extra + `}`)}
}

// TestStatusesGetTheirTagsAndExceptionsAreAnnounced drives a UPS parcel
// through the message path on the memory backends: mapped statuses, an
// unmapped one before and after the parcel moved, and a sender-tagged
// exception, and checks every place the tag shows.
func TestStatusesGetTheirTagsAndExceptionsAreAnnounced(t *testing.T) {
	ctx := context.Background()
	e := newEnv(queue{})
	jobs, tallies, told := memory.NewJobs(), &memory.Unmapped{}, &announcer{}
	tr := &memory.Tracking{Associations: jobs.AllAssociations}
	e.svc.Tracking, e.svc.Unmapped, e.svc.Associations, e.svc.Webhooks = tr, tallies, jobs, told
	const number, project = "1Z999AA10123456784", "p-1"
	if _, err := jobs.AddAssociations(ctx, []job.Association{{ProjectID: project, TrackingNumber: number, Carrier: "ups",
		AddedAt: e.now, ExpiresAt: e.now.Add(job.AssociationTTL), Tag: string(tag.Pending)}}); err != nil {
		t.Fatal(err)
	}
	process := func(msgs ...message.Incoming) {
		t.Helper()
		r, err := e.svc.Inject(ctx, "acme", "b", msgs)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Process(ctx, r.ID); err != nil {
			t.Fatal(err)
		}
		e.now = e.now.Add(time.Minute)
	}
	process(trackingEvent(number, "label_created", "2026-03-01T08:00:00Z", ""), trackingEvent(number, "paperwork shuffled", "2026-03-01T09:00:00Z", ""))
	process(trackingEvent(number, "picked_up", "2026-03-01T10:00:00Z", ""), trackingEvent(number, "truck went brrr", "2026-03-01T11:00:00Z", ""))
	process(trackingEvent(number, "held at the border", "2026-03-01T12:00:00Z", `,"tag":"Exception","subtag":"Exception_Customs"`))

	res, err := tracking.Service{Store: tr}.Get(ctx, number, 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range slices.Backward(res.Details) {
		got = append(got, ev.Status+"="+string(ev.Subtag))
	}
	want := []string{
		"label_created=InfoReceived_Other",
		"paperwork shuffled=InfoReceived_Unknown", // unmapped, not yet moving
		"picked_up=InTransit_PickedUp",
		"truck went brrr=InTransit_Unknown",    // unmapped, moving
		"held at the border=Exception_Customs", // as the sender tagged it
	}
	if !slices.Equal(got, want) {
		t.Errorf("history tags\n got %v\nwant %v", got, want)
	}
	if res.Tag != tag.Exception || res.Subtag != "Exception_Customs" {
		t.Errorf("current %s/%s, want Exception/Exception_Customs", res.Tag, res.Subtag)
	}

	var entered []string
	for _, c := range told.changes {
		if c.EntersAttention() {
			entered = append(entered, string(c.PreviousTag)+">"+string(c.Event.Tag))
		}
	}
	if !slices.Equal(entered, []string{"InTransit>Exception"}) {
		t.Errorf("changes entering attention %v, want the one into Exception", entered)
	}
	a, err := jobs.Associations(ctx, project, []string{number})
	if err != nil || a[number].Tag != string(tag.Exception) {
		t.Errorf("association %+v, %v; want tagged Exception", a[number], err)
	}
	listed, err := jobs.Associated(ctx, project, e.now, string(tag.Exception), page.Request{Limit: 10})
	if err != nil || len(listed.Items) != 1 || listed.Items[0].TrackingNumber != number {
		t.Errorf("project's Exception list %+v, %v", listed.Items, err)
	}

	tally, err := e.svc.UnmappedStatuses(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	var unmapped []string
	for _, u := range tally {
		if u.Carrier != carrier.UPS || u.Count != 1 || u.Example != number {
			t.Errorf("tally entry %+v", u)
		}
		unmapped = append(unmapped, u.Status)
	}
	slices.Sort(unmapped)
	if !slices.Equal(unmapped, []string{"paperwork shuffled", "truck went brrr"}) {
		t.Errorf("unmapped %v", unmapped)
	}
	if other, _ := e.svc.UnmappedStatuses(ctx, "another-client"); len(other) != 0 {
		t.Errorf("another client sees %+v", other)
	}
}
