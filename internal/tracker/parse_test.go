package tracker

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/input"
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
		`{"search": {"by": "id"}}`:                                                             "search",
		`null`:                                                                                 "(body)",
		`[]`:                                                                                   "(body)",
		`{} {}`:                                                                                "(body)",
		`{"paging": {"number": 1}, "paging": {"number": 2}}`:                                   "(body)",
		"{\"search\": [{\"by\": \"id\", \"value\": \"\xff\"}]}":                                "(body)",
		`{"search": [{"by": "id", "value": "a\u0000"}]}`:                                       "search[0].value",
		`{"search": [{"by": "id", "value": "a\u202e"}]}`:                                       "search[0].value",
		`{"search": [{"by": "id", "value": null}]}`:                                            "search[0].value",
		`{"search": [{"by": "id", "value": ""}]}`:                                              "search[0].value",
		`{"search": [{"by": "id", "value": [null]}]}`:                                          "search[0].value",
		`{"search": [{"by": "id", "value": "` + strings.Repeat("a", 201) + `"}]}`:              "search[0].value",
		`{"search": [{"by": "externalReference", "value": ["` + strings.Repeat("a", 201) + `"]}]}`:         "search[0].value",
		`{"search": [{"by": "messageType", "value": "` + strings.Repeat("a", 65) + `"}]}`:                  "search[0].value",
		`{"search": [{"by": "receivedDate", "value": ["0001-01-01", "9999-12-31"]}]}`:                      "search[0].value",
		`{"search": [{"by": "receivedDate", "value": "9999-12-31"}]}`:                                      "search[0].value",
		`{"search": [{"by": "receivedDate", "value": "1999-12-31T23:59:59Z"}]}`:                            "search[0].value",
		`{"search": [{"by": "receivedDate", "value": "2999-12-31T23:00:00-05:00"}]}`:                       "search[0].value",
		`{"paging": {"number": 9223372036854775807}}`:                                                      "paging.number",
		`{"paging": {"number": "99999999999999999999"}}`:                                                   "paging.number",
		`{"paging": {"number": 5001}}`:                                                                     "paging.number",
		`{"sorts": [{"by": "receivedDate"}, {"by": "receivedDate"}]}`:                                      "sorts[1].by",
		`{"sorts": [` + strings.Repeat(`{"by": "receivedDate"},`, 99999) + `{"by": "receivedDate"}]}`:      "sorts",
		`{"search": [` + strings.Repeat(`{"by": "id", "value": "a"},`, 5) + `{"by": "id", "value": "a"}]}`: "search",
	}
	for body, field := range cases {
		_, _, err := Parse([]byte(body), now)
		var fe *input.Error
		if !errors.As(err, &fe) || fe.Field != field {
			t.Errorf("%s: %v, want an error on %s", body, err, field)
		}
	}
}

func TestMatchingMessages(t *testing.T) {
	r := request.Request{BatchReference: "B-1"}
	msgs := []request.Message{
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

func TestParseSupportedDateRangeAndLastPage(t *testing.T) {
	c, _, err := Parse([]byte(`{"search": [{"by": "receivedDate", "value": ["2000-01-01", "2999-12-31"]}], "paging": {"number": 5000, "size": 100}}`), now)
	if err != nil {
		t.Fatal(err)
	}
	if c.Page != 5000 || !c.From.Equal(minDate) || !c.To.Equal(maxDate) {
		t.Fatalf("parsed %+v", c)
	}
	_, _, err = Parse([]byte(`{"search": [{"by": "receivedDate", "value": ["0001-01-01", "9999-12-31"]}]}`), now)
	if err == nil || !strings.Contains(err.Error(), "2000-01-01 to 2999-12-31") {
		t.Fatalf("the supported range is not stated: %v", err)
	}
}

// FuzzParse checks that no tracker request makes the parser panic and
// that whatever it accepts is a search the service can run: a page within
// bounds and a date range inside the supported one.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{}`, `null`, `{"search":[{"by":"messageStatus","value":["Invalid","Failed"]},{"by":"receivedDate","value":["2026-11-01","2026-11-30"]}],"paging":{"number":1,"size":10},"sorts":[{"by":"receivedDate","order":"desc"}]}`,
		`{"search":[{"by":"externalReference","value":"ABC12345"}]}`,
		`{"search":[{"by":"recievedDate","value":"2018-10-01T23:30:00+02:00"}],"paging":{"number":"2","size":"10"}}`,
		`{"search":[{"by":"id","value":["a","b"]}],"sorts":[{"by":"batchReference","order":"asc"},{"by":"processedDate"}]}`,
		`{"paging":{"number":1e30}}`, `{"search":[{"by":"receivedDate","value":["9999-12-31","0001-01-01"]}]}`,
		// The message gateway's two examples, as printed there.
		`{"search": [{"by": "id", "value": ["78452e72-0fcb-4455-afc3-68fadb22646f"]}], "paging": {"number": "1", "size": "10"}, "sorts": [{"by": "receivedDate", "order": "78452e72-0fcb-4455-afc3-68fadb22646f"}]}`,
		"{\n  \"search\": [\n    {\"by\": \"messageType\", \"value\": [ \"Estimate\" ]},\n    {\"by\": \"messageStatus\", \"value\": [\"Failed\", \"Complete\"]},\n    {\"by\": \"recievedDate\", \"value\": [\"2018-10-01T00:00:00+00:00\", \"2018-10-02T00:00:00+00:00\"]},\n    ]\n}",
	} {
		f.Add([]byte(s))
	}
	data, err := os.ReadFile(filepath.Join("..", "..", "events", "tracker", "search.json"))
	if err != nil {
		f.Fatal(err)
	}
	var ev struct{ Body string }
	if err := json.Unmarshal(data, &ev); err != nil || ev.Body == "" {
		f.Fatalf("events/tracker/search.json has no body: %v", err)
	}
	f.Add([]byte(ev.Body))
	f.Fuzz(func(t *testing.T, body []byte) {
		c, echo, err := Parse(body, now)
		if err != nil {
			var fe *input.Error
			if !errors.As(err, &fe) || fe.Message == "" {
				t.Fatalf("error %v is not an input.Error with a message", err)
			}
			return
		}
		if c.Page < 1 || c.Page > MaxCandidates || c.Size < 1 || c.Size > MaxPageSize || len(c.Sorts) == 0 || len(c.Sorts) > maxSorts || echo == nil {
			t.Fatalf("accepted an unusable search: %+v", c)
		}
		if !c.From.IsZero() && (c.From.Before(minDate) || c.To.After(maxDate) || !c.From.Before(c.To)) {
			t.Fatalf("accepted the range %s..%s", c.From, c.To)
		}
	})
}
