package input

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCheckIDRefusesLongIDsAndControlCharacters(t *testing.T) {
	cases := []struct {
		id   string
		want string // in the message; "" means accepted
	}{
		{"proj-1", ""},
		{strings.Repeat("a", MaxIDBytes), ""},
		{strings.Repeat("a", MaxIDBytes+1), "at most 200 bytes"},
		{strings.Repeat("é", 101), "at most 200 bytes"},
		{"a\tb", "U+0009"},
		{"a\x00b", "U+0000"},
		{"a\x7fb", "U+007F"},
		{"a\u202eb", "U+202E"},
		{"a\u2066b", "U+2066"},
		{"a\xffb", "not valid UTF-8"},
		{"a\u0085b", "U+0085"},
		{"a\u2028b", "U+2028"},
		{"a\u2029b", "U+2029"},
		{"\ufeffab", "U+FEFF"},
		{"Zürich 東京 ☃", ""},
		{"a\uFFFDb", ""},
	}
	for _, c := range cases {
		err := CheckID("projectId", c.id)
		var ie *Error
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%q refused: %v", c.id, err)
		case c.want != "" && (!errors.As(err, &ie) || ie.Field != "projectId" || !strings.Contains(ie.Message, c.want)):
			t.Errorf("%q: got %v, want a projectId error saying %q", c.id, err, c.want)
		}
	}
}

func TestCheckTextAllowsTabOnlyInFreeText(t *testing.T) {
	if err := CheckText("agency", "Kraków\tPL", true); err != nil {
		t.Errorf("tab refused in free text: %v", err)
	}
	if err := CheckText("agency", "Kraków\nPL", true); err == nil {
		t.Error("a newline was accepted")
	}
	if err := CheckText("status", "a\tb", false); err == nil {
		t.Error("a tab was accepted outside free text")
	}
}

func TestUnmarshalObjectRefusesLenientJSON(t *testing.T) {
	type body struct {
		Name  string   `json:"name"`
		Items []string `json:"items"`
	}
	cases := []struct {
		name, body, field, want string
	}{
		{"empty", ``, "(body)", "empty"},
		{"spaces", "  \n", "(body)", "empty"},
		{"null", `null`, "(body)", "not null"},
		{"array", `[]`, "(body)", "not an array"},
		{"string", `"x"`, "(body)", "not a string"},
		{"duplicate key", `{"name":"a","name":"b"}`, "(body)", `"name" twice`},
		{"nested duplicate key", `{"items":[],"x":{"a":1,"a":2}}`, "x", `"a" twice`},
		{"invalid UTF-8", "{\"name\":\"\xff\"}", "(body)", "UTF-8 (at byte 9)"},
		{"lone surrogate", `{"name":"\ud800"}`, "(body)", "surrogate"},
		{"trailing value", `{"name":"a"} {"name":"b"}`, "(body)", "exactly one JSON value"},
		{"trailing garbage", `{"name":"a"} x`, "(body)", "exactly one JSON value"},
		{"truncated", `{"name":"a"`, "(body)", "ends too early"},
		{"trailing comma", `{"name":"a",}`, "(body)", "not valid JSON"},
		{"unknown field", `{"nam":"a"}`, "nam", "not a field"},
		{"wrong type", `{"name":1}`, "name", "must be a string, not number"},
		{"wrong element type", `{"items":[1]}`, "items", "must be a string"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b body
			err := UnmarshalObject([]byte(c.body), &b)
			var ie *Error
			if !errors.As(err, &ie) || ie.Field != c.field || !strings.Contains(ie.Message, c.want) {
				t.Fatalf("got %v, want %s: …%s…", err, c.field, c.want)
			}
		})
	}
	var b body
	if err := UnmarshalObject([]byte(" {\"name\":\"a\\u00e9\",\"items\":[\"x\"]}\n"), &b); err != nil || b.Name != "aé" || len(b.Items) != 1 {
		t.Fatalf("a good body: %+v, %v", b, err)
	}
}

func TestCheckJSONTextNamesTheField(t *testing.T) {
	err := CheckJSONText([]byte(`{"messages":[{"payload":{"agency":"ok"}},{"payload":{"agency":"a\u0007"}}]}`), true)
	var ie *Error
	if !errors.As(err, &ie) || ie.Field != "messages[1].payload.agency" || !strings.Contains(ie.Message, "U+0007") {
		t.Fatalf("got %v", err)
	}
	if err := CheckJSONText([]byte(`{"a\u202e":"x"}`), true); err == nil {
		t.Fatal("a bidi override in a member name was accepted")
	}
	if err := CheckJSONText([]byte(`{"a":"x\ty"}`), true); err != nil {
		t.Fatalf("a tab in free text: %v", err)
	}
}

// FuzzUnmarshalObject checks that the strict decoder never panics, and
// that whatever it accepts is an object encoding/json reads the same way,
// with valid UTF-8 and no duplicate names.
func FuzzUnmarshalObject(f *testing.F) {
	for _, s := range seedBodies(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var v map[string]any
		err := UnmarshalObject(data, &v)
		if err != nil {
			var ie *Error
			if !errors.As(err, &ie) || ie.Message == "" {
				t.Fatalf("error %v is not an input.Error with a message", err)
			}
			return
		}
		if !utf8.Valid(data) {
			t.Fatal("invalid UTF-8 accepted")
		}
		if v == nil {
			t.Fatal("a non-object accepted")
		}
		var again map[string]any
		if err := json.Unmarshal(data, &again); err != nil {
			t.Fatalf("accepted %q, which encoding/json refuses: %v", data, err)
		}
		_ = CheckJSONText(data, true)
	})
}

// seedBodies are real request bodies: the API Gateway sample events of
// events/ and a few hand-written hostile ones.
func seedBodies(tb testing.TB) [][]byte {
	tb.Helper()
	out := [][]byte{
		[]byte(`{"a":1,"a":2}`), []byte("{\"a\":\"\xff\"}"), []byte(`{} {}`), []byte(`null`),
		[]byte(`{"a":"\u202e\u0000"}`), []byte(`{"a":[{"b":{"c":"\ud800"}}]}`),
	}
	files, _ := filepath.Glob(filepath.Join("..", "..", "events", "*", "*.json"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		var ev struct {
			Body string `json:"body"`
		}
		if json.Unmarshal(data, &ev) == nil && ev.Body != "" {
			out = append(out, []byte(ev.Body))
		}
	}
	if len(out) < 8 {
		tb.Fatal("no sample events found under events/")
	}
	return out
}
