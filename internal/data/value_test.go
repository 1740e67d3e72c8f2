package data

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/input"
)

func TestParseValueFollowsSeedFormats(t *testing.T) {
	text := &Field{Name: "name", Type: Text, Length: 5}
	fk := &Field{Name: "customer_ID", Type: ForeignKey, References: "customer"}
	integer := &Field{Name: "n", Type: Integer}
	dec := &Field{Name: "d", Type: Decimal}
	boolean := &Field{Name: "b", Type: Boolean}
	dt := &Field{Name: "at", Type: Datetime}
	bin := &Field{Name: "bin", Type: Binary, Length: 3}
	for _, c := range []struct {
		f    *Field
		in   string
		want any
	}{
		{text, `"héllo"`, "héllo"},
		{text, `null`, nil},
		{fk, `"C-1"`, "C-1"},
		{integer, `42`, int64(42)},
		{integer, `-9223372036854775808`, int64(-9223372036854775808)},
		{dec, `69.33`, Dec("69.33")},
		{dec, `"0069.30"`, Dec("69.30")},
		{dec, `-0.5`, Dec("-0.5")},
		{boolean, `true`, true},
		{boolean, `false`, false},
		{dt, `"2016-12-05T08:33:33"`, time.Date(2016, 12, 5, 8, 33, 33, 0, time.UTC)},
		{dt, `"2016-12-05T08:33:33Z"`, time.Date(2016, 12, 5, 8, 33, 33, 0, time.UTC)},
		{dt, `"2016-12-05T08:33:33.1234567"`, time.Date(2016, 12, 5, 8, 33, 33, 123456700, time.UTC)},
		{dt, `"2016-12-05T10:33:33+02:00"`, time.Date(2016, 12, 5, 8, 33, 33, 0, time.UTC)},
		{bin, `"AQID"`, []byte{1, 2, 3}},
	} {
		got, err := c.f.ParseValue(json.RawMessage(c.in))
		if err != nil {
			t.Errorf("%s %s: %v", c.f.Type, c.in, err)
			continue
		}
		same := false
		switch w := c.want.(type) {
		case time.Time:
			g, ok := got.(time.Time)
			same = ok && g.Equal(w)
		case []byte:
			g, ok := got.([]byte)
			same = ok && bytes.Equal(g, w)
		default:
			same = got == c.want
		}
		if !same {
			t.Errorf("%s %s = %#v, want %#v", c.f.Type, c.in, got, c.want)
		}
	}
}

func TestParseValueRefusesNamingTheField(t *testing.T) {
	for _, c := range []struct {
		f  *Field
		in string
	}{
		{&Field{Name: "name", Type: Text, Length: 5}, `"toolong"`},
		{&Field{Name: "name", Type: Text, Length: 5}, `12`},
		{&Field{Name: "name", Type: Text, Length: 50}, `"a\u0007b"`},
		{&Field{Name: "name", Type: Text, Length: 50}, `"a\u202eb"`},
		{&Field{Name: "customer_ID", Type: ForeignKey}, `""`},
		{&Field{Name: "n", Type: Integer}, `1.5`},
		{&Field{Name: "n", Type: Integer}, `"1"`},
		{&Field{Name: "n", Type: Integer}, `9223372036854775808`},
		{&Field{Name: "d", Type: Decimal}, `"69,33"`},
		{&Field{Name: "d", Type: Decimal}, `1e5`},
		{&Field{Name: "d", Type: Decimal}, `"1234567890123456789012345678901234567890"`},
		{&Field{Name: "b", Type: Boolean}, `"true"`},
		{&Field{Name: "b", Type: Boolean}, `1`},
		{&Field{Name: "at", Type: Datetime}, `"2016-12-05"`},
		{&Field{Name: "at", Type: Datetime}, `"2016-13-05T08:33:33"`},
		{&Field{Name: "at", Type: Datetime}, `"05/12/2016 08:33"`},
		{&Field{Name: "at", Type: Datetime}, `"2016-12-05T08:33:33.12345678"`},
		{&Field{Name: "bin", Type: Binary, Length: 2}, `"AQID"`},
		{&Field{Name: "bin", Type: Binary, Length: 20}, `"not base64!"`},
	} {
		_, err := c.f.ParseValue(json.RawMessage(c.in))
		var ve *input.Error
		if !errors.As(err, &ve) || ve.Field != c.f.Name {
			t.Errorf("%s %s: error %v, want one naming %s", c.f.Type, c.in, err, c.f.Name)
		}
	}
}

func TestNextStampAlwaysMovesForward(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC)
	first := NextStamp(now, time.Time{})
	if got := first.Format(StampLayout); got != "2026-01-02T03:04:05.1234567" {
		t.Fatalf("stamp %s", got)
	}
	second := NextStamp(now, first)
	if !second.After(first) || second.Sub(first) != 100*time.Nanosecond {
		t.Fatalf("same clock: %s after %s", second.Format(StampLayout), first.Format(StampLayout))
	}
	if back := NextStamp(now.Add(-time.Hour), second); !back.After(second) {
		t.Fatalf("clock went back: %s after %s", back.Format(StampLayout), second.Format(StampLayout))
	}
}

func TestDecodeWriteRefusesReadOnlyUnknownAndDuplicateFields(t *testing.T) {
	sh, _ := DefaultCatalog.Entity("shipment")
	for body, field := range map[string]string{
		`{"status": "delivered"}`:                "status",
		`{"srvExport": 1}`:                       "srvExport",
		`{"colour": "red"}`:                      "colour",
		`{"carrier": "ups", "carrier": "fedex"}`: "(body)",
		`{"carrier": "ups"} {}`:                  "(body)",
		`[]`:                                     "(body)",
		`{"shipment_ID": null}`:                  "shipment_ID",
		`{"parcelCount": "two"}`:                 "parcelCount",
		`{"order_ID": ""}`:                       "order_ID",
	} {
		_, err := DecodeWrite(sh, []byte(body))
		var inv *input.Error
		if !errors.As(err, &inv) || inv.Field != field {
			t.Errorf("%s: %v, want an error naming %s", body, err, field)
		}
	}
	w, err := DecodeWrite(sh, []byte(`{"shipment_ID": "S1", "trackingNumber": "1Z999AA10123456784", "weight": 1.25, "order_ID": null}`))
	if err != nil || w.Code != "S1" || w.Values["weight"] != Dec("1.25") || w.Values["order_ID"] != nil {
		t.Fatalf("%+v %v", w, err)
	}
}

func TestMarshalRecordWritesEveryFieldInCatalogOrder(t *testing.T) {
	doc, _ := DefaultCatalog.Entity("document")
	at := time.Date(2026, 1, 2, 3, 4, 5, 600, time.UTC)
	r := Record{Code: "D1", Values: map[string]any{"content": []byte("hi"), "name": "x"}, SrvDateUTC: at}
	got := string(MarshalRecord(doc, r, nil))
	want := `{"order_ID":null,"name":"x","mimeType":null,"content":"aGk=","document_ID":"D1","srvDateUTC":"2026-01-02T03:04:05.0000006","srvExport":0}`
	if got != want {
		t.Fatalf("\n got %s\nwant %s", got, want)
	}
	if got := string(MarshalRecord(doc, r, []string{"document_ID", "srvDateUTC"})); got != `{"document_ID":"D1","srvDateUTC":"2026-01-02T03:04:05.0000006"}` {
		t.Fatalf("projection %s", got)
	}
}
