package tracker

import (
	"errors"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/request"
)

var now = time.Date(2026, 1, 11, 18, 0, 0, 0, time.UTC)

func TestParseDefaultsAndAliases(t *testing.T) {
	c, echo, err := Parse([]byte(`{}`), now)
	if err != nil {
		t.Fatal(err)
	}
	if !c.From.Equal(time.Date(2026, 1, 11, 0, 0, 0, 0, time.UTC)) || !c.To.Equal(c.From.Add(24*time.Hour)) {
		t.Errorf("default range %s..%s, want today", c.From, c.To)
	}
	if c.Page != 1 || c.Size != MaxPageSize || len(c.Sorts) != 1 || c.Sorts[0] != (Sort{By: "receivedDate", Desc: true}) || string(echo) != "[]" {
		t.Errorf("defaults %+v echo %s", c, echo)
	}

	c, _, err = Parse([]byte(`{"search": [{"by": "externalReference", "value": "B-1"}, {"by": "messageStatus", "value": ["failed", "Complete"]}],
		"paging": {"number": "2", "size": 10}, "sorts": [{"by": "recievedDate", "order": "ASC"}, {"by": "batchReference", "order": "desc"}]}`), now)
	if err != nil {
		t.Fatal(err)
	}
	if !c.From.IsZero() || !c.To.IsZero() {
		t.Errorf("a reference search got a default range %s..%s", c.From, c.To)
	}
	if len(c.Statuses) != 2 || c.Statuses[0] != request.Failed || c.Page != 2 || c.Size != 10 ||
		c.Sorts[0] != (Sort{By: "receivedDate"}) || c.Sorts[1] != (Sort{By: "batchReference", Desc: true}) {
		t.Errorf("parsed %+v", c)
	}
}

func TestParseDateRanges(t *testing.T) {
	cases := []struct {
		value    string
		from, to string
	}{
		{`"2018-10-01"`, "2018-10-01T00:00:00Z", "2018-10-02T00:00:00Z"},
		{`["2018-10-01"]`, "2018-10-01T00:00:00Z", "2018-10-02T00:00:00Z"},
		{`"2018-10-01T23:30:00+02:00"`, "2018-09-30T22:00:00Z", "2018-10-01T22:00:00Z"},
		{`["2018-10-01", "2018-10-03"]`, "2018-10-01T00:00:00Z", "2018-10-04T00:00:00Z"},
		{`["2018-10-01T00:00:00+00:00", "2018-10-02T00:00:00+00:00"]`, "2018-10-01T00:00:00Z", "2018-10-02T00:00:00.000000001Z"},
	}
	for _, c := range cases {
		got, _, err := Parse([]byte(`{"search": [{"by": "receivedDate", "value": `+c.value+`}]}`), now)
		if err != nil {
			t.Errorf("%s: %v", c.value, err)
			continue
		}
		if got.From.UTC().Format(time.RFC3339Nano) != c.from || got.To.UTC().Format(time.RFC3339Nano) != c.to {
			t.Errorf("%s: %s..%s, want %s..%s", c.value, got.From.UTC().Format(time.RFC3339Nano), got.To.UTC().Format(time.RFC3339Nano), c.from, c.to)
		}
	}
}

func TestParseRefusals(t *testing.T) {
	cases := map[string]string{
		`{"search": [{"by": "colour", "value": "x"}]}`:                                         "search[0].by",
		`{"search": [{"by": "receivedDate", "value": ["2018-10-03", "2018-10-01"]}]}`:          "search[0].value",
		`{"search": [{"by": "id", "value": []}]}`:                                              "search[0].value",
		`{"search": [{"by": "messageStatus", "value": "Lost"}]}`:                               "search[0].value",
		`{"paging": {"number": 0}}`:                                                            "paging.number",
		`{"paging": {"number": 1, "size": 101}}`:                                               "paging.size",
		`{"paging": {"number": 1.5}}`:                                                          "paging.number",
		`{"sorts": [{"by": "receivedDate", "order": "78452e72-0fcb-4455-afc3-68fadb22646f"}]}`: "sorts[0].order",
		`{"search": [{"by": "id", "value": "a"},]}`:                                            "(body)",
		`{"search": {"by": "id"}}`:                                                             "(body)",
	}
	for body, field := range cases {
		_, _, err := Parse([]byte(body), now)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != field {
			t.Errorf("%s: %v, want an error on %s", body, err, field)
		}
	}
}

func TestMatchingMessages(t *testing.T) {
	r := Request{BatchReference: "B-1"}
	msgs := []Message{
		{ExternalReference: "a", Type: "TrackingEvent", Status: request.Complete},
		{ExternalReference: "b", Type: "Shipment", Status: request.Invalid},
	}
	byRef := Criteria{Refs: []string{"b"}}
	if got := byRef.matchingMessages(r, msgs); len(got) != 1 || got[0].ExternalReference != "b" {
		t.Errorf("by message reference: %+v", got)
	}
	byBatch := Criteria{Refs: []string{"B-1"}, Statuses: []request.MessageStatus{request.Complete}}
	if got := byBatch.matchingMessages(r, msgs); len(got) != 1 || got[0].ExternalReference != "a" {
		t.Errorf("by batch and status: %+v", got)
	}
}
