package job

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/input"
	"github.com/parcelgate/parcelgate/internal/request"
)

var now = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func TestClassify(t *testing.T) {
	items := []Item{
		{TrackingNumber: "1Z999AA10123456784"},                   // UPS, detected
		{TrackingNumber: "1z 999 aa1 01 2345 6784"},              // the same, as printed
		{TrackingNumber: "1Z999AA10123456785"},                   // check digit off
		{TrackingNumber: "3000000010", Carrier: "DHL-Express"},   // hint, valid
		{TrackingNumber: "3000000010", Carrier: "fedex"},         // hint the number breaks
		{TrackingNumber: "3000000011", Carrier: "pigeon"},        // unknown carrier
		{TrackingNumber: "1Z999AA10123456785"},                   // invalid twice: still invalid
		{TrackingNumber: "RB123456785GB", Carrier: "Royal Mail"}, // a post, named
		{TrackingNumber: "ZX4HDA12", Carrier: "gls"},             // a carrier without published formats
		{TrackingNumber: "RB123456785GB"},                        // S10: its country's post
	}
	got := classify(items)
	want := []struct {
		outcome Outcome
		carrier string
		msg     string
	}{
		{"", "ups", ""},
		{Duplicate, "ups", "earlier"},
		{Invalid, "", "known carrier"},
		{"", "dhl", ""},
		{Invalid, "fedex", "not a valid FedEx tracking number: it fits none of its formats (fedex_12, fedex_34,"},
		{Invalid, "", "GET /v1/carriers"},
		{Invalid, "", "known carrier"},
		{"", "royal_mail", ""},
		{"", "gls", ""},
		{Duplicate, "royal_mail", "earlier"},
	}
	for i, w := range want {
		r := got[i]
		if r.Outcome != w.outcome || r.Carrier != w.carrier || !strings.Contains(r.Message, w.msg) || r.TrackingNumber != items[i].TrackingNumber {
			t.Errorf("%d %q: %+v, want %+v", i, items[i].TrackingNumber, r, w)
		}
	}
	if p := pending(got); len(p) != 4 || p[0] != "1Z999AA10123456784" || p[1] != "3000000010" {
		t.Errorf("pending %v", p)
	}
}

func TestDecideLeavesUnassociatedAddsToTheConditionalWrite(t *testing.T) {
	results := classify([]Item{{TrackingNumber: "3000000010"}, {TrackingNumber: "3000000021"}, {TrackingNumber: "3000000032"}, {TrackingNumber: "3000000043"}})
	existing := map[string]Association{
		"3000000010": {ExpiresAt: now.Add(time.Hour), AddedBy: "j0"},  // live, another job's
		"3000000021": {ExpiresAt: now.Add(-time.Hour), AddedBy: "j0"}, // expired, not yet deleted
		"3000000043": {ExpiresAt: now.Add(time.Hour), AddedBy: "j1"},  // live, this job's earlier attempt
	}
	j := Job{ID: "j1", ProjectID: "p1", Action: Add}
	add := append([]Result(nil), results...)
	decide(j, add, existing, now)
	if add[0].Outcome != Renewed || add[1].Outcome != "" || add[2].Outcome != "" || add[3].Outcome != Added {
		t.Fatalf("ADD outcomes %+v", add)
	}
	if p := pending(add); len(p) != 2 || p[0] != "3000000021" || p[1] != "3000000032" {
		t.Fatalf("left to the conditional write: %v", p)
	}
	if claimed(j, newAssociation(j, add[1], now)) != Added || claimed(j, existing["3000000010"]) != Renewed {
		t.Fatal("the stored association's creator does not decide the outcome")
	}

	j.Action = Remove
	rm := append([]Result(nil), results...)
	decide(j, rm, existing, now)
	if rm[0].Outcome != Removed || rm[1].Outcome != NotAssociated || rm[2].Outcome != NotAssociated || rm[3].Outcome != Removed {
		t.Fatalf("REMOVE outcomes %+v", rm)
	}
	if c := countResults(rm); c != (Counts{Total: 4, Removed: 2, NotAssociated: 2}) {
		t.Fatalf("counts %+v", c)
	}
}

func TestChangesComeFromTheDecisionTimeOnly(t *testing.T) {
	j := Job{ID: "j1", ProjectID: "p1"}
	results := []Result{
		{TrackingNumber: "3000000010", Carrier: "dhl", Outcome: Renewed},
		{TrackingNumber: "3000000021", Outcome: Added},
		{TrackingNumber: "3000 000032", Outcome: Removed},
		{TrackingNumber: "x", Outcome: Invalid},
	}
	renew, remove := changes(j, results, now)
	if len(renew) != 1 || renew[0].AddedAt != now || renew[0].ExpiresAt != now.Add(AssociationTTL) || renew[0].JobID != "j1" || renew[0].AddedBy != "" || renew[0].Carrier != "dhl" {
		t.Fatalf("renewals %+v", renew)
	}
	if len(remove) != 1 || remove[0] != "3000000032" {
		t.Fatalf("removals %v", remove)
	}
	again, _ := changes(j, results, now)
	if !reflect.DeepEqual(renew, again) {
		t.Fatal("the same results and decision time gave other changes")
	}
}

func TestCheckSubmission(t *testing.T) {
	many := make([]Item, MaxNumbers+1)
	for i := range many {
		many[i] = Item{TrackingNumber: "3000000010"}
	}
	cases := map[string]struct {
		s    Submission
		code string
	}{
		"ok":        {Submission{Action: Add, Items: many[:MaxNumbers]}, ""},
		"too many":  {Submission{Action: Add, Items: many}, "TOO_MANY_TRACKING_NUMBERS"},
		"none":      {Submission{Action: Remove}, "NO_TRACKING_NUMBERS"},
		"action":    {Submission{Action: "add", Items: many[:1]}, "INVALID_ACTION"},
		"blank":     {Submission{Action: Add, Items: []Item{{TrackingNumber: "  "}}}, "INVALID_TRACKING_NUMBER"},
		"reference": {Submission{Action: Add, Items: many[:1], ExternalReference: strings.Repeat("r", 129)}, "INVALID_EXTERNAL_REFERENCE"},
	}
	for name, c := range cases {
		err := checkSubmission(c.s)
		var invalid *input.Error
		switch {
		case c.code == "" && err != nil:
			t.Errorf("%s: %v", name, err)
		case c.code != "" && (!errors.As(err, &invalid) || invalid.Code != c.code):
			t.Errorf("%s: %v, want %s", name, err, c.code)
		}
	}
}

// The request summary is derived from the job, so the tracker and the job
// status API agree at every step.
func TestSummaryFollowsStatus(t *testing.T) {
	counts := Counts{Total: 10, Added: 4, Renewed: 1, Removed: 1, NotAssociated: 1, Invalid: 1, Duplicate: 1, Failed: 1}
	cases := []struct {
		status Status
		want   request.Summary
		state  request.MessageStatus
	}{
		{Queued, request.Summary{Total: 10, Queued: 10}, request.Queued},
		{InProgress, request.Summary{Total: 10, Processing: 10}, request.Processing},
		{Completed, request.Summary{Total: 10, Complete: 7, Invalid: 2, Failed: 1}, request.Failed},
		{Failed, request.Summary{Total: 10, Failed: 10}, request.Failed},
		{NotAccepted, request.Summary{Total: 10, Cancelled: 10}, request.Cancelled},
	}
	for _, c := range cases {
		j := Job{Status: c.status, Counts: counts}
		if c.status != Completed {
			j.Counts = Counts{Total: 10}
		}
		s := j.Summary()
		if s != c.want || s.Status() != c.state {
			t.Errorf("%s: %+v (%s), want %+v (%s)", c.status, s, s.Status(), c.want, c.state)
		}
		if sum := s.Queued + s.Processing + s.Cancelled + s.Failed + s.Invalid + s.Complete; sum != s.Total {
			t.Errorf("%s: summary parts add to %d of %d", c.status, sum, s.Total)
		}
	}
	clean := Job{Status: Completed, Counts: Counts{Total: 2, Added: 1, Invalid: 1}}
	if clean.Summary().Status() != request.Complete {
		t.Errorf("a completed job with invalid numbers is %s", clean.Summary().Status())
	}
}
