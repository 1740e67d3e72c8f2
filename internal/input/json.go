package input

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// bodyField names the body as a whole in errors.
const bodyField = "(body)"

// CheckJSON refuses data unless it is exactly one JSON value (nothing but
// white space after it) with valid UTF-8 and unique member names in every
// object. encoding/json alone would keep the last of two duplicate names
// and replace invalid UTF-8 silently, so two readers of the same body
// could disagree on what it says.
func CheckJSON(data []byte) error {
	_, err := checkJSON(data)
	return err
}

func checkJSON(data []byte) (jsontext.Kind, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return 0, &Error{Field: bodyField, Message: "is empty; send a JSON object"}
	}
	if !utf8.Valid(data) {
		i := invalidUTF8At(data)
		return 0, &Error{Field: bodyField, Message: fmt.Sprintf("is not valid UTF-8 (at byte %d); send JSON in UTF-8", i)}
	}
	dec := jsontext.NewDecoder(bytes.NewReader(data))
	v, err := dec.ReadValue()
	if err != nil {
		return 0, syntaxError(err)
	}
	kind := v.Kind() // v is only valid until the next read
	if _, err := dec.ReadToken(); !errors.Is(err, io.EOF) {
		return 0, &Error{Field: bodyField, Message: "must hold exactly one JSON value; something follows it"}
	}
	return kind, nil
}

func invalidUTF8At(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(data)
}

func syntaxError(err error) error {
	var se *jsontext.SyntacticError
	if !errors.As(err, &se) {
		return &Error{Field: bodyField, Message: "is not valid JSON"}
	}
	if se.Err == jsontext.ErrDuplicateName {
		field := FieldPath(string(se.JSONPointer.Parent()))
		return &Error{Field: field, Message: fmt.Sprintf("has the member %q twice; give each name once", se.JSONPointer.LastToken())}
	}
	if errors.Is(se.Err, io.ErrUnexpectedEOF) {
		return &Error{Field: bodyField, Message: "is not valid JSON: it ends too early"}
	}
	msg := strings.TrimPrefix(se.Err.Error(), "jsontext: ")
	return &Error{Field: bodyField, Message: fmt.Sprintf("is not valid JSON: %s at byte %d", msg, se.ByteOffset)}
}

// FieldPath renders a JSON pointer the way errors name fields:
// /messages/0/payload → messages[0].payload; the empty pointer is the body.
func FieldPath(pointer string) string {
	if pointer == "" {
		return bodyField
	}
	var b strings.Builder
	for tok := range jsontext.Pointer(pointer).Tokens() {
		if _, err := strconv.Atoi(tok); err == nil {
			b.WriteString("[" + tok + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		if tok == "" {
			tok = `""` // a member with an empty name is still named
		}
		b.WriteString(tok)
	}
	return b.String()
}

// CheckJSONText applies CheckText to every member name and string value
// of data, which CheckJSON accepted; freeText allows tabs.
func CheckJSONText(data []byte, freeText bool) error {
	dec := jsontext.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.ReadToken()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return syntaxError(err)
		}
		if tok.Kind() != '"' {
			continue
		}
		if msg := textProblem(tok.String(), freeText); msg != "" {
			return &Error{Field: FieldPath(string(dec.StackPointer())), Message: msg}
		}
	}
}

// UnmarshalObject decodes data, which must be one JSON object passing
// CheckJSON, into v: no unknown fields, every value of the right type.
func UnmarshalObject(data []byte, v any) error {
	kind, err := checkJSON(data)
	if err != nil {
		return err
	}
	if kind != '{' {
		return &Error{Field: bodyField, Message: fmt.Sprintf("must be a JSON object, not %s", kindName(kind))}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	return nil
}

func kindName(k jsontext.Kind) string {
	switch k {
	case 'n':
		return "null"
	case 't', 'f':
		return "a boolean"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case '[':
		return "an array"
	}
	return "an object"
}

// decodeError describes what encoding/json refused in a value CheckJSON
// accepted: a type mismatch or an unknown field.
func decodeError(err error) error {
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		field := typ.Field
		if field == "" {
			field = bodyField
		}
		return &Error{Field: field, Message: fmt.Sprintf("must be %s, not %s", typeName(typ.Type.String()), typ.Value)}
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		return &Error{Field: name, Message: "is not a field of this request"}
	}
	return &Error{Field: bodyField, Message: strings.TrimPrefix(err.Error(), "json: ")}
}

func typeName(goType string) string {
	switch {
	case goType == "string", goType == "*string":
		return "a string"
	case strings.HasPrefix(goType, "[]"), strings.HasPrefix(goType, "*[]"):
		return "an array"
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "*int"), strings.HasPrefix(goType, "float"):
		return "a number"
	case goType == "bool", goType == "*bool":
		return "a boolean"
	}
	return "an object"
}
