package pdf

import (
	"bytes"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/report"
)

func TestRenderShipmentWithoutEventsIsAPDF(t *testing.T) {
	doc, err := Renderer{}.RenderShipment(report.Shipment{Title: "Suivi d'expédition", Code: "S-1", GeneratedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(doc.PDF, []byte("%PDF-")) || doc.Pages != 1 {
		t.Fatalf("%d pages, starts %q", doc.Pages, doc.PDF[:8])
	}
}

func TestRenderShipmentOfALongHistorySpansPages(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var events []report.Event
	for i := 100; i > 0; i-- {
		events = append(events, report.Event{Status: "in_transit", Agency: "hub", At: t0.Add(time.Duration(i) * time.Hour)})
	}
	doc, err := Renderer{}.RenderShipment(report.Shipment{Title: "Report", Code: "S-2", GeneratedAt: t0.Add(200 * time.Hour), Events: events})
	if err != nil {
		t.Fatal(err)
	}
	if doc.Pages < 3 {
		t.Fatalf("100 events on %d pages", doc.Pages)
	}
}
