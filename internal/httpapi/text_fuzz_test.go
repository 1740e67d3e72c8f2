package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/parcelgate/parcelgate/internal/input"
)

// FuzzCheckBodyText fuzzes the text rule every body the API decodes
// passes (decodeJSON, the data exchange's dataBody): it never panics, refuses with an
// input.Error that says why, and whatever it accepts is valid UTF-8 that
// encoding/json reads without replacing anything (no lone surrogate became
// U+FFFD), with every member name and string passing input.CheckText.
func FuzzCheckBodyText(f *testing.F) {
	for _, s := range []string{
		`{"name":"Acme"}`, `[{"customer_ID":"C1","name":"a\tb"}]`, "{\"name\":\"\xff\"}", `{"name":"\ud800"}`,
		`{"name":"\ud83d\ude00"}`, `{"name":"\u2028"}`, `{"n\u202e":"x"}`, "\ufeff{}", `{"a":1,"a":2}`, `{"a":"\ufffd"}`,
		sampleBody(f, "messages/inject-messages.json"),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		err := checkBodyText(data)
		if err != nil {
			var bad *input.Error
			if !errors.As(err, &bad) || bad.Message == "" || bad.Field == "" {
				t.Fatalf("refusal %v is not an input.Error naming a field", err)
			}
			return
		}
		if !utf8.Valid(data) {
			t.Fatal("invalid UTF-8 accepted")
		}
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatalf("accepted %q, which encoding/json refuses: %v", data, err)
		}
		unreplaced := !bytes.Contains(data, []byte("\ufffd")) && !bytes.Contains(bytes.ToLower(data), []byte(`\ufffd`))
		walkStrings(v, func(s string) {
			if err := input.CheckText("s", s, true); err != nil {
				t.Fatalf("accepted %q holding %q: %v", data, s, err)
			}
			if unreplaced && strings.ContainsRune(s, utf8.RuneError) {
				t.Fatalf("accepted %q, which decodes with a replacement character", data)
			}
		})
	})
}

func walkStrings(v any, fn func(string)) {
	switch x := v.(type) {
	case string:
		fn(x)
	case []any:
		for _, e := range x {
			walkStrings(e, fn)
		}
	case map[string]any:
		for k, e := range x {
			fn(k)
			walkStrings(e, fn)
		}
	}
}
