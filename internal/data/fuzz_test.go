package data

import (
	"encoding/json"
	"errors"
	"regexp"
	"testing"

	"github.com/parcelgate/parcelgate/internal/input"
)

// Record and query bodies come straight from callers: whatever they hold,
// decoding either succeeds with values that write back as valid JSON, or
// fails with an input.Error naming a field, never a panic.
func FuzzDecodeWrite(f *testing.F) {
	for _, s := range []string{
		`{"order_ID": "O1", "trackingNumber": "1Z999AA10123456784", "weight": 1.5, "parcelCount": 2}`,
		`{"weight": "0012.50"}`, `{"status": "x"}`, `{"a": 1, "a": 2}`, `[]`, `null`, `{"parcelCount": 1e400}`,
	} {
		f.Add([]byte(s))
	}
	sh, _ := DefaultCatalog.Entity("shipment")
	f.Fuzz(func(t *testing.T, body []byte) {
		w, err := DecodeWrite(sh, body)
		if err != nil {
			var inv *input.Error
			if !errors.As(err, &inv) || inv.Field == "" {
				t.Fatalf("error %v is not an input.Error naming a field", err)
			}
			return
		}
		out := MarshalRecord(sh, Record{Code: "x", Values: w.Values}, nil)
		if !json.Valid(out) {
			t.Fatalf("%s wrote back as invalid JSON %s", body, out)
		}
	})
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{
		`{"filter": {"field": "srvExport", "op": "eq", "value": 0}, "orderBy": [{"field": "srvDateUTC", "direction": "asc"}], "limit": 10}`,
		`{"filter": {"and": [{"field": "weight", "op": "gt", "value": 1.5}, {"not": {"field": "carrier", "op": "in", "value": ["ups"]}}]}}`,
		`{"filter": {"or": [{"field": "statusDate", "op": "isNull"}]}, "fields": ["shipment_ID"]}`,
		`{"filter": {"field": "trackingNumber", "op": "startsWith", "value": "1Z"}}`,
	} {
		f.Add([]byte(s))
	}
	sh, _ := DefaultCatalog.Entity("shipment")
	rec := Record{Code: "S1", Values: map[string]any{"carrier": "ups", "weight": Dec("2.5"), "parcelCount": int64(1)}}
	f.Fuzz(func(t *testing.T, body []byte) {
		q, err := ParseQuery(sh, body)
		if err != nil {
			var inv *input.Error
			if !errors.As(err, &inv) || inv.Field == "" {
				t.Fatalf("error %v is not an input.Error naming a field", err)
			}
			return
		}
		q.Filter.Match(sh, rec)
		_, _, _ = q.plan(sh)
	})
}

// FuzzValueShapes: the hand-written checks of a decimal's and a
// datetime's text accept exactly what the patterns they replaced accept.
func FuzzValueShapes(f *testing.F) {
	decimal := regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)
	datetime := regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,7})?(Z|[+-][0-9]{2}:[0-9]{2})?$`)
	for _, s := range []string{
		"69.33", "-0.5", "007", "1.", ".5", "-", "--1", "1.2.3", "+1", "1e3", "\u0663",
		"2016-12-05T08:33:33", "2016-12-05T08:33:33.1234567Z", "2016-12-05T08:33:33.12345678", "2016-12-05T08:33:33+02:00",
		"2016-12-05T08:33:33.Z", "2016-12-05T08:33:33-0200", "2016-12-05T08:33:33.5-02:00", "2016-12-05 08:33:33", "2016-12-05T08:33:33Z\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := isDecimal(s), decimal.MatchString(s); got != want {
			t.Errorf("isDecimal(%q) = %v, the pattern says %v", s, got, want)
		}
		if got, want := isDatetime(s), datetime.MatchString(s); got != want {
			t.Errorf("isDatetime(%q) = %v, the pattern says %v", s, got, want)
		}
	})
}
