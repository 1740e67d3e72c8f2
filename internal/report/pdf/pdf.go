// Package pdf lays the outbox's reports out as PDF documents (Renderer).
// It is its own package so that only the function that renders reports
// links the PDF library: its package inits (encoding/gob's and the image
// decoders') ran at every other function's cold start.
package pdf

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/parcelgate/parcelgate/internal/report"
)

// Renderer renders reports as PDF (outbox.Renderer).
type Renderer struct{}

const (
	pageMargin = 15.0
	lineHeight = 6.0
	dateLayout = "2006-01-02 15:04 UTC"
)

type writer struct {
	pdf *fpdf.Fpdf
	tr  func(string) string
}

func newWriter(title string, generatedAt time.Time) *writer {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetMargins(pageMargin, pageMargin, pageMargin)
	pdf.SetAutoPageBreak(true, pageMargin+5)
	// A fixed date keeps a document's bytes a function of its content.
	pdf.SetCreationDate(generatedAt)
	pdf.SetModificationDate(generatedAt)
	pdf.SetTitle(title, true)
	pdf.SetProducer("parcelgate", false)
	pdf.AliasNbPages("{nb}")
	w := &writer{pdf: pdf, tr: pdf.UnicodeTranslatorFromDescriptor("")}
	pdf.SetFooterFunc(func() {
		pdf.SetY(-pageMargin)
		pdf.SetFont("Helvetica", "I", 8)
		pdf.SetTextColor(110, 110, 110)
		pdf.CellFormat(0, 5, w.tr(fmt.Sprintf("parcelgate · generated %s · page %d of {nb}", generatedAt.UTC().Format(dateLayout), pdf.PageNo())), "", 0, "C", false, 0, "")
	})
	pdf.AddPage()
	pdf.SetFont("Helvetica", "B", 18)
	pdf.SetTextColor(20, 40, 80)
	pdf.MultiCell(0, 9, w.tr(title), "", "L", false)
	pdf.Ln(2)
	return w
}

func (w *writer) heading(s string) {
	w.pdf.Ln(4)
	w.pdf.SetFont("Helvetica", "B", 13)
	w.pdf.SetTextColor(20, 40, 80)
	w.pdf.CellFormat(0, 8, w.tr(s), "B", 1, "L", false, 0, "")
	w.pdf.Ln(2)
}

// fields writes label/value pairs as a two-column table.
func (w *writer) fields(fs []report.Field) {
	for _, f := range fs {
		w.pdf.SetFont("Helvetica", "B", 10)
		w.pdf.SetTextColor(60, 60, 60)
		w.pdf.CellFormat(50, lineHeight, w.tr(f.Label), "", 0, "L", false, 0, "")
		w.pdf.SetFont("Helvetica", "", 10)
		w.pdf.SetTextColor(0, 0, 0)
		value := f.Value
		if value == "" {
			value = "-"
		}
		w.pdf.MultiCell(0, lineHeight, w.tr(value), "", "L", false)
	}
}

func (w *writer) done() (report.Document, error) {
	var buf bytes.Buffer
	if err := w.pdf.Output(&buf); err != nil {
		return report.Document{}, fmt.Errorf("report: %w", err)
	}
	return report.Document{PDF: buf.Bytes(), Pages: w.pdf.PageNo()}, nil
}

// RenderShipment renders the shipment tracking report.
func (Renderer) RenderShipment(s report.Shipment) (report.Document, error) {
	w := newWriter(s.Title, s.GeneratedAt)
	pdf := w.pdf
	pdf.SetFont("Helvetica", "", 10)
	pdf.SetTextColor(90, 90, 90)
	pdf.CellFormat(0, lineHeight, w.tr("Shipment "+s.Code), "", 1, "L", false, 0, "")

	w.heading("Shipment")
	w.fields(s.Fields)

	w.heading("Status timeline (newest first)")
	if len(s.Events) == 0 {
		pdf.SetFont("Helvetica", "I", 10)
		pdf.CellFormat(0, lineHeight, w.tr("No tracking event has been received for this shipment yet."), "", 1, "L", false, 0, "")
	} else {
		widths := []float64{48, 60, 72}
		pdf.SetFont("Helvetica", "B", 10)
		pdf.SetFillColor(225, 232, 245)
		for i, h := range []string{"Date (UTC)", "Status", "Agency"} {
			pdf.CellFormat(widths[i], 7, w.tr(h), "1", 0, "L", true, 0, "")
		}
		pdf.Ln(-1)
		pdf.SetFont("Helvetica", "", 10)
		for i, ev := range s.Events {
			fill := i%2 == 1
			pdf.SetFillColor(245, 247, 251)
			agency := ev.Agency
			if agency == "" {
				agency = "-"
			}
			pdf.CellFormat(widths[0], 7, ev.At.UTC().Format(dateLayout), "1", 0, "L", fill, 0, "")
			pdf.CellFormat(widths[1], 7, w.tr(ev.Status), "1", 0, "L", fill, 0, "")
			pdf.CellFormat(widths[2], 7, w.tr(agency), "1", 1, "L", fill, 0, "")
		}
	}

	days := report.DaysPerStatus(s.Events, s.GeneratedAt, s.Final)
	w.heading("Days per status")
	if len(days) == 0 {
		pdf.SetFont("Helvetica", "I", 10)
		pdf.CellFormat(0, lineHeight, w.tr("No status to chart yet."), "", 1, "L", false, 0, "")
	} else {
		w.chart(days)
	}
	return w.done()
}

// chart draws one horizontal bar per status, scaled to the longest.
func (w *writer) chart(days []report.StatusDays) {
	pdf := w.pdf
	longest := 0.0
	for _, d := range days {
		longest = max(longest, d.Days)
	}
	const labelWidth, barMax, barHeight = 50.0, 105.0, 6.0
	left, _, _, _ := pdf.GetMargins()
	_, pageHeight := pdf.GetPageSize()
	for _, d := range days {
		if pdf.GetY()+barHeight+2 > pageHeight-pageMargin-5 {
			pdf.AddPage()
		}
		y := pdf.GetY()
		pdf.SetFont("Helvetica", "", 10)
		pdf.SetTextColor(0, 0, 0)
		pdf.SetXY(left, y)
		label := d.Status
		if d.Current {
			label += " (so far)"
		}
		pdf.CellFormat(labelWidth, barHeight, w.tr(label), "", 0, "L", false, 0, "")
		width := 0.5
		if longest > 0 {
			width = max(0.5, barMax*d.Days/longest)
		}
		pdf.SetFillColor(52, 101, 164)
		pdf.Rect(left+labelWidth, y+0.8, width, barHeight-1.6, "F")
		pdf.SetXY(left+labelWidth+width+2, y)
		pdf.CellFormat(25, barHeight, formatDays(d.Days), "", 1, "L", false, 0, "")
		pdf.SetY(y + barHeight + 2)
	}
}

func formatDays(d float64) string {
	if d >= 1 && d < 1.05 {
		return "1 day"
	}
	return strings.TrimSuffix(fmt.Sprintf("%.1f", d), ".0") + " days"
}

// RenderSheet renders a record of any entity.
func (Renderer) RenderSheet(s report.Sheet) (report.Document, error) {
	w := newWriter(s.Title, s.GeneratedAt)
	w.pdf.SetFont("Helvetica", "", 10)
	w.pdf.SetTextColor(90, 90, 90)
	w.pdf.CellFormat(0, lineHeight, w.tr(s.Entity+" "+s.Code), "", 1, "L", false, 0, "")
	w.heading("Record")
	w.fields(s.Fields)
	return w.done()
}
