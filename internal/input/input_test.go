package input

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
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
		if !reflect.DeepEqual(v, again) {
			t.Fatalf("%q decoded as %v, encoding/json reads %v", data, v, again)
		}
		if name, ok := duplicateName(t, data); ok {
			t.Fatalf("accepted %q, which names %q twice in one object", data, name)
		}
		if err := CheckJSONText(data, true); err != nil {
			var ie *Error
			if !errors.As(err, &ie) || ie.Field == "" || ie.Message == "" {
				t.Fatalf("text check of %q: %v is not an input.Error naming its field", data, err)
			}
		}
	})
}

// duplicateName walks data token by token, apart from the decoder under
// test, and returns a member name some object holds twice.
func duplicateName(t *testing.T, data []byte) (string, bool) {
	t.Helper()
	type frame struct {
		names    map[string]bool // nil in an array
		wantName bool
	}
	var open []*frame
	// valueDone tells the enclosing object that its next string is a name.
	valueDone := func() {
		if len(open) > 0 && open[len(open)-1].names != nil {
			open[len(open)-1].wantName = true
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return "", false
		}
		if err != nil {
			t.Fatalf("accepted %q, which encoding/json cannot tokenize: %v", data, err)
		}
		top := (*frame)(nil)
		if len(open) > 0 {
			top = open[len(open)-1]
		}
		switch tok {
		case json.Delim('{'):
			open = append(open, &frame{names: map[string]bool{}, wantName: true})
		case json.Delim('['):
			open = append(open, &frame{})
		case json.Delim('}'), json.Delim(']'):
			open = open[:len(open)-1]
			valueDone()
		default:
			if name, ok := tok.(string); ok && top != nil && top.wantName {
				if top.names[name] {
					return name, true
				}
				top.names[name], top.wantName = true, false
				continue
			}
			valueDone()
		}
	}
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
