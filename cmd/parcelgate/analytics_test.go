package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/parcelgate/parcelgate/internal/apiclient/gen"
)

func date(s string) openapi_types.Date {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return openapi_types.Date{Time: d}
}

func TestTransitChartIsAnSVGWithEveryGroup(t *testing.T) {
	path := filepath.Join(t.TempDir(), "transit.svg")
	a := gen.DeliveryAnalytics{From: date("2026-11-01"), To: date("2026-11-28"), GroupBy: "carrier", Items: []gen.DeliveryAnalyticsRow{
		{Group: "dhl", Delivered: 40, TransitP50Days: 1.2, TransitP90Days: 2.6},
		{Group: "ups", Delivered: 12, TransitP50Days: 2.1, TransitP90Days: 4.4},
	}}
	if err := drawTransit(a, path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	svg := string(b)
	for _, want := range []string{"<svg", "dhl", "ups", "p50", "p90", "by carrier"} {
		if !strings.Contains(svg, want) {
			t.Errorf("the chart has no %q", want)
		}
	}
	// Nothing delivered: a clear error, and no file.
	empty := filepath.Join(t.TempDir(), "empty.svg")
	if err := drawTransit(gen.DeliveryAnalytics{From: date("2026-11-01"), To: date("2026-11-28")}, empty); err == nil || !strings.Contains(err.Error(), "nothing was delivered") {
		t.Fatalf("an empty chart: %v", err)
	}
	if _, err := os.Stat(empty); !os.IsNotExist(err) {
		t.Fatalf("an empty chart left a file: %v", err)
	}
}

func TestPercentAndDays(t *testing.T) {
	r := float32(0.8125)
	if percent(&r) != "81.2%" && percent(&r) != "81.3%" || percent(nil) != "-" || businessDays(1.456) != "1.46" {
		t.Fatalf("%s %s %s", percent(&r), percent(nil), businessDays(1.456))
	}
}
