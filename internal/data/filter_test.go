package data

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/input"
)

func orderRecord(code string, values map[string]any) Record {
	return Record{Entity: "order", Code: code, Values: values, SrvDateUTC: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func TestFilterMatchesEveryOperator(t *testing.T) {
	order, _ := DefaultCatalog.Entity("order")
	rec := orderRecord("O-17", map[string]any{
		"orderNumber": "ABC-123", "itemCount": int64(3), "totalAmount": Dec("69.33"),
		"orderDate": time.Date(2016, 12, 5, 8, 33, 33, 0, time.UTC),
	})
	for filter, want := range map[string]bool{
		`{"field": "itemCount", "op": "eq", "value": 3}`:                                                                         true,
		`{"field": "itemCount", "op": "ne", "value": 3}`:                                                                         false,
		`{"field": "itemCount", "op": "lt", "value": 4}`:                                                                         true,
		`{"field": "itemCount", "op": "le", "value": 3}`:                                                                         true,
		`{"field": "itemCount", "op": "gt", "value": 3}`:                                                                         false,
		`{"field": "itemCount", "op": "ge", "value": 3}`:                                                                         true,
		`{"field": "totalAmount", "op": "gt", "value": 69.3}`:                                                                    true,
		`{"field": "totalAmount", "op": "eq", "value": "69.330"}`:                                                                true,
		`{"field": "orderDate", "op": "ge", "value": "2016-12-05T08:33:33Z"}`:                                                    true,
		`{"field": "orderDate", "op": "lt", "value": "2016-12-05T10:33:33+02:00"}`:                                               false,
		`{"field": "orderNumber", "op": "in", "value": ["X", "ABC-123"]}`:                                                        true,
		`{"field": "orderNumber", "op": "contains", "value": "C-1"}`:                                                             true,
		`{"field": "orderNumber", "op": "startsWith", "value": "ABD"}`:                                                           false,
		`{"field": "order_ID", "op": "startsWith", "value": "O-"}`:                                                               true,
		`{"field": "notes", "op": "isNull"}`:                                                                                     true,
		`{"field": "notes", "op": "isNull", "value": false}`:                                                                     false,
		`{"field": "notes", "op": "eq", "value": "x"}`:                                                                           false,
		`{"field": "notes", "op": "ne", "value": "x"}`:                                                                           true,
		`{"field": "srvExport", "op": "eq", "value": 0}`:                                                                         true,
		`{"and": [{"field": "itemCount", "op": "gt", "value": 1}, {"not": {"field": "notes", "op": "isNull", "value": false}}]}`: true,
		`{"or": [{"field": "itemCount", "op": "gt", "value": 5}, {"field": "currency", "op": "eq", "value": "EUR"}]}`:            false,
	} {
		f, err := ParseFilter(order, json.RawMessage(filter))
		if err != nil {
			t.Errorf("%s: %v", filter, err)
			continue
		}
		if got := f.Match(order, rec); got != want {
			t.Errorf("%s matched %v, want %v", filter, got, want)
		}
	}
}

func TestParseFilterRefusesWithThePathAtFault(t *testing.T) {
	order, _ := DefaultCatalog.Entity("order")
	for filter, field := range map[string]string{
		`{"field": "colour", "op": "eq", "value": 1}`:            "filter",
		`{"field": "itemCount", "op": "like", "value": 1}`:       "filter",
		`{"field": "itemCount", "op": "eq", "value": "three"}`:   "filter",
		`{"field": "itemCount", "op": "eq", "value": null}`:      "filter",
		`{"field": "itemCount", "op": "contains", "value": "3"}`: "filter",
		`{"field": "itemCount", "op": "in", "value": []}`:        "filter",
		`{"and": []}`: "filter",
		`{"and": [{"field": "itemCount", "op": "eq", "value": 1}, {"x": 1}]}`:         "filter.and[1]",
		`{"or": [{"not": {"field": "orderDate", "op": "gt", "value": "yesterday"}}]}`: "filter.or[0].not",
		`[1]`: "filter",
	} {
		_, err := ParseFilter(order, json.RawMessage(filter))
		var inv *input.Error
		if !errors.As(err, &inv) || inv.Field != field {
			t.Errorf("%s: %v, want an error at %s", filter, err, field)
		}
	}
	deep := `{"field": "itemCount", "op": "eq", "value": 1}`
	for range maxFilterDepth + 2 {
		deep = `{"not": ` + deep + `}`
	}
	if _, err := ParseFilter(order, json.RawMessage(deep)); err == nil {
		t.Error("a filter nested beyond the limit was accepted")
	}
}

func TestQueryPlanUsesTheDeltaIndexOnlyForSrvExportZero(t *testing.T) {
	sh, _ := DefaultCatalog.Entity("shipment")
	for body, want := range map[string]Index{
		`{}`: ByCode,
		`{"filter": {"field": "srvExport", "op": "eq", "value": 0}}`:                                                              ByExportDate,
		`{"filter": {"field": "srvExport", "op": "eq", "value": 0}, "orderBy": [{"field": "srvDateUTC"}]}`:                        ByExportDate,
		`{"filter": {"and": [{"field": "srvExport", "op": "eq", "value": 0}, {"field": "carrier", "op": "eq", "value": "ups"}]}}`: ByExportDate,
		`{"filter": {"or": [{"field": "srvExport", "op": "eq", "value": 0}, {"field": "carrier", "op": "eq", "value": "ups"}]}}`:  ByCode,
		`{"filter": {"field": "srvExport", "op": "eq", "value": 1}}`:                                                              ByCode,
		`{"filter": {"field": "srvExport", "op": "eq", "value": 0}, "orderBy": [{"field": "shipment_ID", "direction": "desc"}]}`:  ByCode,
	} {
		q, err := ParseQuery(sh, []byte(body))
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		got, _, err := q.plan(sh)
		if err != nil || got != want {
			t.Errorf("%s: plan %v (%v), want %v", body, got, err, want)
		}
	}
	for _, body := range []string{
		`{"orderBy": [{"field": "carrier"}]}`,
		`{"orderBy": [{"field": "srvDateUTC"}]}`,
	} {
		q, err := ParseQuery(sh, []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := q.plan(sh); err == nil {
			t.Errorf("%s: planned", body)
		}
	}
	for _, body := range []string{`{"limit": 1001}`, `{"limit": 0}`, `{"fields": ["nope"]}`, `{"select": []}`, `{"orderBy": [{"field": "carrier", "direction": "up"}]}`} {
		if _, err := ParseQuery(sh, []byte(body)); err == nil {
			t.Errorf("%s: accepted", body)
		}
	}
}

func TestParseExportAcceptsOneObjectOrAnArray(t *testing.T) {
	one := `{"entityName": "shipment", "srvExport": 1, "rows": [{"rowCode": "S1", "srvDateUTC": "2026-01-02T03:04:05.1234567"}]}`
	got, err := DefaultCatalog.ParseExport([]byte(one))
	if err != nil || len(got) != 1 || got[0].Rows[0].SrvDateUTC.Nanosecond() != 123456700 {
		t.Fatalf("%+v %v", got, err)
	}
	orders := `{"entityName": "order", "srvExport": 1, "rows": []}`
	got, err = DefaultCatalog.ParseExport([]byte(`[` + one + `,` + orders + `]`))
	if err != nil || len(got) != 2 || got[1].Entity.Name != "order" {
		t.Fatalf("%+v %v", got, err)
	}
	for body, field := range map[string]string{
		`{"entityName": "nope", "srvExport": 1, "rows": []}`:                                         "entityName",
		`{"entityName": "order", "rows": []}`:                                                        "srvExport",
		`{"entityName": "order", "srvExport": 1, "rows": [{"rowCode": "A"}]}`:                        "rows[].srvDateUTC",
		`{"entityName": "order", "srvExport": 1, "rows": [{"srvDateUTC": "2026-01-02T03:04:05"}]}`:   "rows[].rowCode",
		`{"entityName": "order", "srvExport": 1, "rows": [{"rowCode": "A", "srvDateUTC": "today"}]}`: "rows[].srvDateUTC",
		`[]`: "(body)",
	} {
		_, err := DefaultCatalog.ParseExport([]byte(body))
		var inv *input.Error
		if !errors.As(err, &inv) || inv.Field != field {
			t.Errorf("%s: %v, want an error naming %s", body, err, field)
		}
	}
}

func TestFilterOnAValueOfAnotherTypeMatchesNoComparison(t *testing.T) {
	order, _ := DefaultCatalog.Entity("order")
	rec := orderRecord("O-1", map[string]any{"itemCount": "3"}) // stored before the field became an integer
	for filter, want := range map[string]bool{
		`{"field": "itemCount", "op": "eq", "value": 3}`:      false,
		`{"field": "itemCount", "op": "ne", "value": 3}`:      true,
		`{"field": "itemCount", "op": "ge", "value": 0}`:      false,
		`{"field": "itemCount", "op": "in", "value": [3, 4]}`: false,
	} {
		f, err := ParseFilter(order, json.RawMessage(filter))
		if err != nil {
			t.Fatal(err)
		}
		if got := f.Match(order, rec); got != want {
			t.Errorf("%s matched %v, want %v", filter, got, want)
		}
	}
}
