package job

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/request"
)

var now = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func TestClassify(t *testing.T) {
	items := []Item{
		{TrackingNumber: "1Z999AA10123456784"},                 // UPS, detected
		{TrackingNumber: "1z 999 aa1 01 2345 6784"},            // the same, as printed
		{TrackingNumber: "1Z999AA10123456785"},                 // check digit off
		{TrackingNumber: "3000000010", Carrier: "DHL-Express"}, // hint, valid
		{TrackingNumber: "3000000010", Carrier: "fedex"},       // hint the number breaks
		{TrackingNumber: "3000000011", Carrier: "pigeon"},      // unknown carrier
		{TrackingNumber: "1Z999AA10123456785"},                 // invalid twice: still invalid
	}
	got := classify(items)
	want := []struct {
		outcome Outcome
		carrier string
		msg     string
	}{
		{"", "ups", ""},
		{Duplicate, "ups", "earlier"},
		{Invalid, "", "supported carrier"},
		{"", "dhl", ""},
		{Invalid, "fedex", "not a valid fedex"},
		{Invalid, "", "unknown carrier"},
		{Invalid, "", "supported carrier"},
	}
	for i, w := range want {
		r := got[i]
		if r.Outcome != w.outcome || r.Carrier != w.carrier || !strings.Contains(r.Message, w.msg) || r.TrackingNumber != items[i].TrackingNumber {
			t.Errorf("%d %q: %+v, want %+v", i, items[i].TrackingNumber, r, w)
		}
	}
	if p := pending(got); len(p) != 2 || p[0] != "1Z999AA10123456784" || p[1] != "3000000010" {
		t.Errorf("pending %v", p)
	}
}

func TestDecideAndChanges(t *testing.T) {
	results := classify([]Item{{TrackingNumber: "3000000010"}, {TrackingNumber: "3000000021"}, {TrackingNumber: "3000000032"}})
	existing := map[string]Association{
		"3000000010": {ExpiresAt: now.Add(time.Hour)},  // live
		"3000000021": {ExpiresAt: now.Add(-time.Hour)}, // expired, not yet deleted
	}
	add := append([]Result(nil), results...)
	decide(Add, add, existing, now)
	if add[0].Outcome != Renewed || add[1].Outcome != Added || add[2].Outcome != Added {
		t.Fatalf("ADD outcomes %+v", add)
	}
	j := Job{ID: "j1", ProjectID: "p1"}
	put, remove := changes(j, add, now)
	if len(put) != 3 || len(remove) != 0 || put[0].ExpiresAt != now.Add(AssociationTTL) || put[0].JobID != "j1" {
		t.Fatalf("ADD changes %+v %v", put, remove)
	}

	rm := append([]Result(nil), results...)
	decide(Remove, rm, existing, now)
	if rm[0].Outcome != Removed || rm[1].Outcome != NotAssociated || rm[2].Outcome != NotAssociated {
		t.Fatalf("REMOVE outcomes %+v", rm)
	}
	put, remove = changes(j, rm, now)
	if len(put) != 0 || len(remove) != 1 || remove[0] != "3000000010" {
		t.Fatalf("REMOVE changes %+v %v", put, remove)
	}
	if c := countResults(rm); c != (Counts{Total: 3, Removed: 1, NotAssociated: 2}) {
		t.Fatalf("counts %+v", c)
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
		var invalid *InvalidError
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
