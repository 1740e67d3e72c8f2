package data

import (
	"encoding/json"
	"errors"
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
