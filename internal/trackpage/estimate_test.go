package trackpage

import (
	"strings"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/tag"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

func TestPageShowsTheEstimatedDelivery(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 12, d, 14, 0, 0, 0, time.UTC) }
	r := tracking.Resource{Shipment: tracking.Shipment{TrackingNumber: "1Z999AA10123456784", Status: "in_transit", Tag: tag.InTransit}}
	r.Estimated = &tracking.EstimatedDelivery{Earliest: day(8), Likely: day(9), Latest: day(11), Confidence: "high", Basis: "lane"}
	page, err := Match("en").Page(r, CarrierLink{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "Expected delivery: Tue 8 Dec to Fri 11 Dec, most likely Wed 9 Dec."; !strings.Contains(string(page), want) {
		t.Fatalf("page lacks %q", want)
	}
	r.Estimated.CarrierDate = "2026-12-10"
	page, _ = Match("en").Page(r, CarrierLink{})
	if want := "The carrier&#39;s own estimate: 2026-12-10."; !strings.Contains(string(page), want) {
		t.Fatalf("page lacks %q:\n%s", want, page)
	}
	r.Estimated.Confidence = "low"
	page, _ = Match("pl").Page(r, CarrierLink{})
	if want := "Orientacyjny termin doręczenia: od 08.12.2026 do 11.12.2026."; !strings.Contains(string(page), want) {
		t.Fatalf("page lacks %q", want)
	}
	r.Estimated = nil
	page, _ = Match("en").Page(r, CarrierLink{})
	if strings.Contains(string(page), "Expected delivery") {
		t.Fatal("page without an estimate shows one")
	}
}
