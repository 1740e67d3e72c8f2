package systemtest

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/apitest"
)

// s10 is a valid UPU S10 number of the post of country: RB, the serial,
// its mod 11 check digit, the country.
func s10(serial int, country string) string {
	digits := fmt.Sprintf("%08d", serial)
	sum := 0
	for i, w := range []int{8, 6, 4, 2, 3, 5, 9, 7} {
		sum += int(digits[i]-'0') * w
	}
	check := 11 - sum%11
	switch check {
	case 10:
		check = 0
	case 11:
		check = 5
	}
	return fmt.Sprintf("RB%s%d%s", digits, check, country)
}

func taggedEvent(number, status, datetime, tag, subtag string) msg {
	m := event(number, status, "", nil, datetime)
	p := m.Payload.(map[string]any)
	p["tag"], p["subtag"] = tag, subtag
	return m
}

func numbersTagged(t *testing.T, e *apitest.Env, token, projectID, tag string) []string {
	t.Helper()
	var out []string
	cursor := ""
	for range 20 {
		var page listOut[associationOut]
		e.Call(t, "GET", "/v1/projects/"+projectID+"/tracking-numbers?limit=2&tag="+tag+"&cursor="+url.QueryEscape(cursor), token, nil).Want(t, 200).JSON(t, &page)
		for _, a := range page.Items {
			if a.Tag != tag {
				t.Errorf("listed under %s: %+v", tag, a)
			}
			out = append(out, a.TrackingNumber)
		}
		if page.NextCursor == nil {
			return out
		}
		cursor = *page.NextCursor
	}
	t.Fatalf("paging ?tag=%s does not end", tag)
	return nil
}

// TestARoyalMailParcelSpeaksTheStatusLanguageEverywhere follows a Royal
// Mail parcel (an S10 number, refused before the carrier registry) from
// subscription to an exception and back: every place a status shows
// carries its tag, the receiver gets tracking.exception once, the
// project's attention list follows the tag, and the status no table maps
// is tallied for its client only.
func TestARoyalMailParcelSpeaksTheStatusLanguageEverywhere(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, token := e.Token(t, "acme")
	_, rival := e.Token(t, "rival")
	p := createProject(t, e, token, "statuses")
	rc := newReceiver(t, nil)
	registerWebhook(t, e, token, p.ProjectID, rc, "tracking.updated", "tracking.exception")
	n, other := s10(21001, "GB"), s10(21002, "PL")

	j := submit(t, e, token, p.ProjectID, "ADD", []number{{TrackingNumber: n}, {TrackingNumber: other}, {TrackingNumber: s10(21003, "GB"), Carrier: "ups"}})
	await(t, e, token, p.ProjectID, j.JobID, "COMPLETED")
	rep := report(t, e, token, p.ProjectID, j.JobID)
	if c := rep.Results[0].Carrier; rep.Results[0].Outcome != "ADDED" || c == nil || *c != "royal_mail" {
		t.Errorf("S10 …GB: %+v, want ADDED as royal_mail", rep.Results[0])
	}
	if c := rep.Results[1].Carrier; rep.Results[1].Outcome != "ADDED" || c == nil || *c != "poczta_polska" {
		t.Errorf("S10 …PL: %+v, want ADDED as poczta_polska", rep.Results[1])
	}
	if r := rep.Results[2]; r.Outcome != "INVALID" || r.Message == nil || !strings.Contains(*r.Message, "not a valid UPS tracking number") || !strings.Contains(*r.Message, "ups_waybill") {
		t.Errorf("an S10 number named UPS: %+v, want INVALID naming UPS's formats", r)
	}
	if got := numbersTagged(t, e, token, p.ProjectID, "Pending"); !slices.Equal(sorted(got), sorted([]string{n, other})) {
		t.Errorf("Pending %v, want both new numbers", got)
	}

	inject(t, e, token, "rm-1", event(n, "label_created", "", nil, "2026-03-01T08:00:00Z"))
	e.Advance(time.Second)
	inject(t, e, token, "rm-2", event(n, "in_transit", "", "Heathrow", "2026-03-01T12:00:00Z"))
	e.Advance(time.Second)
	inject(t, e, token, "rm-3", taggedEvent(n, "Held at customs", "2026-03-02T09:00:00Z", "Exception", "Exception_Customs"))
	got := rc.await(4)
	if len(got) != 4 {
		t.Fatalf("deliveries %+v, want three tracking.updated and one tracking.exception", got)
	}
	updated := map[float64]delivery{}
	var exceptions []delivery
	for _, d := range got {
		switch d.Type {
		case "tracking.updated":
			updated[d.Data["sequence"].(float64)] = d
		case "tracking.exception":
			exceptions = append(exceptions, d)
		default:
			t.Errorf("delivery of type %s", d.Type)
		}
	}
	for seq, want := range map[float64][3]any{1: {"InfoReceived", "InfoReceived_Other", nil}, 2: {"InTransit", "InTransit_Other", "InfoReceived"}, 3: {"Exception", "Exception_Customs", "InTransit"}} {
		d := updated[seq]
		ev, _ := d.Data["event"].(map[string]any)
		if d.Data["tag"] != want[0] || d.Data["subtag"] != want[1] || d.Data["previousTag"] != want[2] || ev["tag"] != want[0] || ev["subtag"] != want[1] {
			t.Errorf("tracking.updated %v: %v, want tag %v subtag %v previousTag %v", seq, d.Data, want[0], want[1], want[2])
		}
	}
	if len(exceptions) != 1 || exceptions[0].Data["subtag"] != "Exception_Customs" || exceptions[0].Data["sequence"] != float64(3) || exceptions[0].Data["carrier"] != "royal_mail" {
		t.Errorf("tracking.exception deliveries %+v, want one for the change into Exception", exceptions)
	}
	if got := numbersTagged(t, e, token, p.ProjectID, "Exception"); !slices.Equal(got, []string{n}) {
		t.Errorf("the attention list (?tag=Exception) %v, want %s", got, n)
	}

	// Back on its way with a status no table maps: InTransit_Unknown,
	// no second tracking.exception, and the attention list empties.
	e.Advance(time.Second)
	inject(t, e, token, "rm-4", event(n, "Parcel went for a walk", "", nil, "2026-03-03T09:00:00Z"))
	got = rc.await(5)
	if last := got[len(got)-1]; last.Type != "tracking.updated" || last.Data["tag"] != "InTransit" || last.Data["subtag"] != "InTransit_Unknown" || last.Data["previousTag"] != "Exception" {
		t.Errorf("last delivery %+v, want tracking.updated Exception -> InTransit_Unknown", last)
	}
	if got := numbersTagged(t, e, token, p.ProjectID, "Exception"); len(got) != 0 {
		t.Errorf("the attention list %v after the parcel moved on, want it empty", got)
	}
	if got := numbersTagged(t, e, token, p.ProjectID, "InTransit"); !slices.Equal(got, []string{n}) {
		t.Errorf("?tag=InTransit %v, want %s", got, n)
	}

	var res struct {
		Tag     string `json:"tag"`
		Subtag  string `json:"subtag"`
		Status  string `json:"status"`
		Details []struct {
			Status string `json:"status"`
			Tag    string `json:"tag"`
			Subtag string `json:"subtag"`
		} `json:"tracking_details"`
	}
	e.Call(t, "GET", "/v1/tracking/"+n, "", nil).Want(t, 200).JSON(t, &res)
	var history []string
	for _, d := range res.Details {
		history = append(history, d.Subtag)
	}
	if res.Tag != "InTransit" || res.Subtag != "InTransit_Unknown" || !slices.Equal(history, []string{"InTransit_Unknown", "Exception_Customs", "InTransit_Other", "InfoReceived_Other"}) {
		t.Errorf("tracking resource %+v", res)
	}
	page := e.Call(t, "GET", "/track/"+n, "", nil).Want(t, 200)
	if !strings.Contains(string(page.Body), "royalmail.com") {
		t.Errorf("the tracking page does not link to Royal Mail's own page")
	}

	var feed struct {
		Items []struct {
			Type string         `json:"type"`
			Data map[string]any `json:"data"`
		} `json:"items"`
	}
	e.Call(t, "GET", "/v1/projects/"+p.ProjectID+"/events?limit=100", token, nil).Want(t, 200).JSON(t, &feed)
	var types []string
	for _, it := range feed.Items {
		types = append(types, it.Type)
	}
	if want := []string{"job.completed", "tracking.updated", "tracking.updated", "tracking.updated", "tracking.exception", "tracking.updated"}; !slices.Equal(types, want) {
		t.Errorf("feed %v, want %v", types, want)
	}

	var unmapped struct {
		Items []struct {
			Carrier string `json:"carrier"`
			Status  string `json:"status"`
			Count   int    `json:"count"`
			Example string `json:"exampleTrackingNumber"`
		} `json:"items"`
	}
	e.Call(t, "GET", "/v1/messages/unmapped-statuses", token, nil).Want(t, 200).JSON(t, &unmapped)
	if len(unmapped.Items) != 1 || unmapped.Items[0].Carrier != "royal_mail" || unmapped.Items[0].Status != "Parcel went for a walk" || unmapped.Items[0].Count != 1 || unmapped.Items[0].Example != n {
		t.Errorf("unmapped statuses %+v", unmapped.Items)
	}
	e.Call(t, "GET", "/v1/messages/unmapped-statuses", rival, nil).Want(t, 200).JSON(t, &unmapped)
	if len(unmapped.Items) != 0 {
		t.Errorf("another client sees %+v", unmapped.Items)
	}
	e.Call(t, "GET", "/v1/messages/unmapped-statuses", "", nil).Want(t, 401)

	// Bad input: a clear 400, nothing else.
	e.Call(t, "GET", "/v1/projects/"+p.ProjectID+"/tracking-numbers?tag=exception", token, nil).Want(t, 400)
	e.Call(t, "GET", "/v1/projects/"+p.ProjectID+"/tracking-numbers?tag=Exception", rival, nil).Want(t, 404)
	r := inject(t, e, token, "rm-bad", taggedEvent(n, "x", "2026-03-04T09:00:00Z", "Delivered", "Exception_Lost"))
	if r.Summary.Invalid != 1 {
		t.Errorf("a subtag of another tag: %+v, want the message Invalid", r.Summary)
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// TestCarrierRegistryAndDetectionArePublic: the registry and detection
// answer without a token, cacheable, and refuse bad input with a 400.
func TestCarrierRegistryAndDetectionArePublic(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	var reg struct {
		Carriers []struct {
			Code        string `json:"code"`
			TrackingURL string `json:"trackingUrl"`
		} `json:"carriers"`
	}
	r := e.Call(t, "GET", "/v1/carriers", "", nil).Want(t, 200)
	r.JSON(t, &reg)
	codes := map[string]bool{}
	for _, c := range reg.Carriers {
		codes[c.Code] = true
	}
	for _, want := range []string{"inpost", "gls", "postnl", "dhl_paket", "poczta_polska", "royal_mail", "la_poste", "evri", "dpd", "canada_post", "purolator", "ontrac", "amazon"} {
		if !codes[want] {
			t.Errorf("registry lacks %s", want)
		}
	}
	if !strings.Contains(r.Header.Get("Cache-Control"), "max-age") {
		t.Errorf("registry Cache-Control %q", r.Header.Get("Cache-Control"))
	}
	var det struct {
		Normalized string `json:"normalized"`
		Candidates []struct {
			Carrier, Format, CheckDigit string
		} `json:"candidates"`
	}
	e.Call(t, "GET", "/v1/carriers/detect?trackingNumber="+url.QueryEscape("rb 123 456 785 gb"), "", nil).Want(t, 200).JSON(t, &det)
	if det.Normalized != "RB123456785GB" || len(det.Candidates) == 0 || det.Candidates[0].Carrier != "royal_mail" || det.Candidates[0].CheckDigit != "verified" {
		t.Errorf("detect %+v", det)
	}
	e.Call(t, "GET", "/v1/carriers/detect", "", nil).Want(t, 400)
	e.Call(t, "GET", "/v1/carriers/detect?trackingNumber="+strings.Repeat("9", 5000), "", nil).Want(t, 400)
}

type associationOut struct {
	TrackingNumber string `json:"trackingNumber"`
	Tag            string `json:"tag"`
	AddedAt        string `json:"addedAt"`
	ExpiresAt      string `json:"expiresAt"`
	JobID          string `json:"jobId"`
}
