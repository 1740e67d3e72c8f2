package trackpage

import (
	"fmt"
	"strings"
	"testing"

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
	for key, byLang := range text {
		for i, s := range byLang {
			if s == "" {
				t.Errorf("%s has no %s text", key, languages[i])
			}
		}
	}
	for key, byLang := range statuses {
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

func TestStepsArePassedCurrentThenExpected(t *testing.T) {
	r := tracking.Resource{
		Shipment: tracking.Shipment{Status: "in_transit", ExpectedFlow: []string{"out_for_delivery", "delivered"}},
		Details:  []tracking.Event{{Status: "in_transit"}, {Status: "picked_up"}, {Status: "in_transit"}, {Status: "label_created"}},
	}
	got := fmt.Sprint(Steps(r))
	want := "[{label_created done} {picked_up done} {in_transit current} {out_for_delivery next} {delivered next}]"
	if got != want {
		t.Fatalf("steps %s, want %s", got, want)
	}
}

func TestPageEscapesWhatCallersInjected(t *testing.T) {
	r := tracking.Resource{
		Shipment: tracking.Shipment{TrackingNumber: "N1", Status: `<img src=x onerror=alert(1)>`, Type: "t"},
		Details:  []tracking.Event{{Status: "x", Agency: `"><script>alert(1)</script>`, Datetime: "2026-01-02T03:04:05Z"}},
	}
	page, err := Match("en").Page(r)
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
