package trackpage

import (
	"strconv"
	"strings"
	"testing"

	"github.com/parcelgate/parcelgate/internal/tag"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

func TestMatchPicksTheReadersLanguageOrEnglish(t *testing.T) {
	for header, want := range map[string]string{
		"":                          "en",
		"pl":                        "pl",
		"de-CH, fr;q=0.8":           "de",
		"ja, fr-CA;q=0.5":           "fr",
		"es, it":                    "en",
		"en-US,en;q=0.9,pl;q=0.8":   "en",
		"*;q=0.1, pl;q=0.2, de;q=1": "de",
		"!!garbage!!":               "en",
	} {
		if got := Match(header).Code(); got != want {
			t.Errorf("Match(%q) = %s, want %s", header, got, want)
		}
	}
}

func TestEveryLanguageHasEveryText(t *testing.T) {
	for key, byLang := range text() {
		for i, s := range byLang {
			if s == "" {
				t.Errorf("%s has no %s text", key, languages[i])
			}
		}
	}
	for key, byLang := range statuses() {
		for i, s := range byLang {
			if s == "" {
				t.Errorf("status %s has no %s name", key, languages[i])
			}
		}
	}
}

func TestStatusNamesUnknownStatusesByTheirWords(t *testing.T) {
	l := Match("de")
	if got := l.Status("delivered"); got != "Zugestellt" {
		t.Errorf("delivered in German: %q", got)
	}
	if got := l.Status("waiting_at_pickup"); got != "Waiting at pickup" {
		t.Errorf("an unknown status: %q", got)
	}
}

// history is a resource's Details of the tags, given oldest first.
func history(tags ...tag.Tag) []tracking.Event {
	events := make([]tracking.Event, len(tags))
	for i, t := range tags {
		events[len(tags)-1-i] = tracking.Event{Status: "s" + strconv.Itoa(i), Tag: t}
	}
	return events
}

func TestStepsDrawTheLineFromTags(t *testing.T) {
	const (
		ir  = tag.InfoReceived
		it  = tag.InTransit
		ofd = tag.OutForDelivery
		afp = tag.AvailableForPickup
		del = tag.Delivered
		af  = tag.AttemptFail
		ex  = tag.Exception
	)
	for _, tc := range []struct {
		name    string
		current tag.Tag
		history []tag.Tag // oldest first
		want    string
	}{
		{"pending", tag.Pending, nil, "InfoReceived:next InTransit:next OutForDelivery:next Delivered:next"},
		{"no tag at all", "", nil, "InfoReceived:next InTransit:next OutForDelivery:next Delivered:next"},
		{"registered", ir, []tag.Tag{ir}, "InfoReceived:current InTransit:next OutForDelivery:next Delivered:next"},
		{"in transit", it, []tag.Tag{ir, it, it}, "InfoReceived:done InTransit:current OutForDelivery:next Delivered:next"},
		{"first news in transit", it, []tag.Tag{it}, "InfoReceived:done InTransit:current OutForDelivery:next Delivered:next"},
		{"out for delivery", ofd, []tag.Tag{ir, it, ofd}, "InfoReceived:done InTransit:done OutForDelivery:current Delivered:next"},
		{"back at the depot", it, []tag.Tag{ir, it, ofd, it}, "InfoReceived:done InTransit:current OutForDelivery:next Delivered:next"},
		{"delivered", del, []tag.Tag{ir, it, ofd, del}, "InfoReceived:done InTransit:done OutForDelivery:done Delivered:current"},
		{"waiting at a locker", afp, []tag.Tag{ir, it, ofd, afp}, "InfoReceived:done InTransit:done AvailableForPickup:current Delivered:next"},
		{"collected from a locker", del, []tag.Tag{ir, it, afp, del}, "InfoReceived:done InTransit:done AvailableForPickup:done Delivered:current"},
		{"sent on from a pickup point", ofd, []tag.Tag{ir, it, afp, ofd}, "InfoReceived:done InTransit:done OutForDelivery:current Delivered:next"},
		{"exception in transit", ex, []tag.Tag{ir, it, ex}, "InfoReceived:done InTransit:done OutForDelivery:next Delivered:next"},
		{"exception keeps the newest stage reached", ex, []tag.Tag{ir, it, ofd, it, ex}, "InfoReceived:done InTransit:done OutForDelivery:next Delivered:next"},
		{"unclaimed at a locker", ex, []tag.Tag{ir, it, afp, ex}, "InfoReceived:done InTransit:done AvailableForPickup:done Delivered:next"},
		{"exception before any stage", ex, []tag.Tag{ex}, "InfoReceived:next InTransit:next OutForDelivery:next Delivered:next"},
		{"attempt failed after out for delivery", af, []tag.Tag{ir, it, ofd, af}, "InfoReceived:done InTransit:done OutForDelivery:done Delivered:next"},
		{"an attempt proves the parcel went out", af, []tag.Tag{ir, it, af}, "InfoReceived:done InTransit:done OutForDelivery:done Delivered:next"},
		{"expired", tag.Expired, []tag.Tag{ir}, "InfoReceived:done InTransit:next OutForDelivery:next Delivered:next"},
	} {
		r := tracking.Resource{Shipment: tracking.Shipment{Tag: tc.current}, Details: history(tc.history...)}
		var got []string
		for _, s := range Steps(r) {
			got = append(got, string(s.Tag)+":"+s.Class)
		}
		if g := strings.Join(got, " "); g != tc.want {
			t.Errorf("%s: steps %s\nwant %s", tc.name, g, tc.want)
		}
	}
}

func TestEveryTagAndSubtagHasAMessageInEveryLanguage(t *testing.T) {
	for i, l := range langs() {
		for _, tg := range tag.Tags() {
			if want := tagNames()[tg][i]; want == "" || l.tagName(tg) != want {
				t.Errorf("tag %s has no %s name", tg, l.Code())
			}
		}
		for _, info := range tag.Subtags() {
			if want := subtagTexts()[info.Subtag][i]; want == "" || l.subtagText(info.Subtag) != want {
				t.Errorf("subtag %s has no %s text", info.Subtag, l.Code())
			}
		}
	}
	// A message of a tag or subtag renamed away would never be shown.
	for tg := range tagNames() {
		if _, ok := tag.ParseTag(string(tg)); !ok {
			t.Errorf("a name for %s, which is not a tag", tg)
		}
	}
	for s := range subtagTexts() {
		if _, ok := tag.ParseSubtag(string(s)); !ok {
			t.Errorf("a text for %s, which is not a subtag", s)
		}
	}
}

// upsAttemptFailed is a UPS parcel whose raw statuses no shipment type's
// flow knows: only its tags say how far it got.
var upsAttemptFailed = tracking.Resource{
	Shipment: tracking.Shipment{
		TrackingNumber: "1Z999AA10123456784", Carrier: "ups",
		Status: "THE RECEIVER WAS NOT AVAILABLE FOR DELIVERY", Tag: tag.AttemptFail, Subtag: "AttemptFail_NoRecipient",
		UpdatedAt: "2026-03-04T14:10:00-05:00",
	},
	Details: []tracking.Event{
		{Status: "THE RECEIVER WAS NOT AVAILABLE FOR DELIVERY", OriginStatus: "X", Tag: tag.AttemptFail, Subtag: "AttemptFail_NoRecipient", Datetime: "2026-03-04T14:10:00-05:00"},
		{Status: "Departed from Facility", OriginStatus: "I", Tag: tag.InTransit, Subtag: "InTransit_Departed", Datetime: "2026-03-03T22:00:00-05:00"},
		{Status: "Shipper created a label, UPS has not received the package yet.", OriginStatus: "M", Tag: tag.InfoReceived, Subtag: "InfoReceived_Other", Datetime: "2026-03-02T09:00:00-05:00"},
	},
}

// inOrder fails unless each of parts occurs in s after the one before.
func inOrder(t *testing.T, s string, parts ...string) {
	t.Helper()
	at := 0
	for _, p := range parts {
		i := strings.Index(s[at:], p)
		if i < 0 {
			t.Fatalf("%q not found after offset %d in\n%s", p, at, s)
		}
		at += i + len(p)
	}
}

func TestPageOfAnyCarrierShowsTheLineAndTheProblem(t *testing.T) {
	page, err := Match("en").Page(upsAttemptFailed, CarrierLink{})
	if err != nil {
		t.Fatal(err)
	}
	s := string(page)
	inOrder(t, s,
		`<p class="status">Delivery attempt failed</p>`, "Carrier: THE RECEIVER WAS NOT AVAILABLE FOR DELIVERY",
		`<p class="notice">Delivery attempt failed: nobody was there to take the parcel.</p>`,
		`<li class="done"><span>Registered`, `<li class="done"><span>In transit`,
		`<li class="done"><span>Out for delivery`, `<li class="next"><span>Delivered`,
		"History",
		"<strong>Delivery attempt failed</strong>", "Carrier: THE RECEIVER WAS NOT AVAILABLE FOR DELIVERY",
		"<strong>In transit</strong>", "Carrier: Departed from Facility",
		"<strong>Registered</strong>", "Carrier: Shipper created a label, UPS has not received the package yet.")
	// The notice says what happened once, and no stage is current: the
	// parcel is not moving along the line.
	if n := strings.Count(s, "nobody was there"); n != 1 || strings.Contains(s, "aria-current") || strings.Contains(s, "<a ") {
		t.Fatalf("the sentence %d times, or a current stage, or a link:\n%s", n, s)
	}

	pl, err := Match("pl").Page(upsAttemptFailed, CarrierLink{})
	if err != nil {
		t.Fatal(err)
	}
	inOrder(t, string(pl), `<p class="notice">Nieudana próba doręczenia: nikogo nie było`, `<li class="done"><span>W doręczeniu`, "<strong>W drodze</strong>")
}

func TestPageExplainsAStatusWithoutAProblem(t *testing.T) {
	r := tracking.Resource{
		Shipment: tracking.Shipment{TrackingNumber: "N1", Carrier: "inpost", Status: "ready_to_pickup", Tag: tag.AvailableForPickup, Subtag: "AvailableForPickup_Locker"},
		Details:  []tracking.Event{{Status: "ready_to_pickup", Tag: tag.AvailableForPickup}, {Status: "confirmed", Tag: tag.InfoReceived}},
	}
	page, err := Match("de").Page(r, CarrierLink{})
	if err != nil {
		t.Fatal(err)
	}
	s := string(page)
	inOrder(t, s, `<p class="status">Zur Abholung bereit</p>`, "<p>Liegt in einem Paketautomaten bereit.</p>", "Zusteller: Zur Abholung bereit",
		`<li class="current" aria-current="step"><span>Zur Abholung bereit`, "<strong>Angekündigt</strong>", "Zusteller: Bestätigt")
	if strings.Contains(s, `class="notice"`) {
		t.Fatalf("a notice without a problem:\n%s", s)
	}
}

func TestPageLinksToTheCarriersSiteSafely(t *testing.T) {
	l := Match("en")
	for _, tc := range []struct {
		link CarrierLink
		want string
	}{
		{CarrierLink{Name: "UPS <b>", URL: `https://www.ups.com/track?tracknum=1Z9&x="y"`},
			`<a href="https://www.ups.com/track?tracknum=1Z9&amp;x=%22y%22" rel="noopener noreferrer">Track on UPS &lt;b&gt;&#39;s site</a>`},
		{CarrierLink{Name: "Evil", URL: "javascript:alert(1)"}, `<a href="#ZgotmplZ" rel="noopener noreferrer">`},
	} {
		page, err := l.Page(upsAttemptFailed, tc.link)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(page), tc.want) {
			t.Errorf("link %+v: no %s in\n%s", tc.link, tc.want, page)
		}
	}
}

func TestPageEscapesWhatCallersInjected(t *testing.T) {
	r := tracking.Resource{
		Shipment: tracking.Shipment{TrackingNumber: "N1", Status: `<img src=x onerror=alert(1)>`, Type: "t"},
		Details:  []tracking.Event{{Status: "x", Agency: `"><script>alert(1)</script>`, Datetime: "2026-01-02T03:04:05Z"}},
	}
	page, err := Match("en").Page(r, CarrierLink{})
	if err != nil {
		t.Fatal(err)
	}
	s := string(page)
	if strings.Contains(s, "<script>") || strings.Contains(s, "<img") {
		t.Fatalf("unescaped input on the page:\n%s", s)
	}
	if !strings.Contains(s, "&lt;script&gt;") || !strings.Contains(s, "2 Jan 2026, 03:04 (UTC") {
		t.Fatalf("page:\n%s", s)
	}
}
