package data

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/parcelgate/parcelgate/internal/input"
)

// Record is one row of an entity. Values holds the entity's own fields
// (nil or absent is null); the code and the server fields are kept apart.
type Record struct {
	Entity string
	Code   string
	Values map[string]any
	// SrvDateUTC is the record's last change on the server. Two versions
	// of a record never share it, so it is the concurrency token.
	SrvDateUTC time.Time
	// SrvExport is 0 after every change; export validation sets it.
	SrvExport int64
	// Deleted marks a logically deleted record: hidden from retrieval.
	Deleted bool
}

// Value returns a field's value, server fields and code included.
func (r Record) Value(e *Entity, name string) any {
	switch name {
	case e.CodeField():
		return r.Code
	case FieldSrvDateUTC:
		return r.SrvDateUTC
	case FieldSrvExport:
		return r.SrvExport
	}
	return r.Values[name]
}

// stampTick is srvDateUTC's resolution: 7 fractional digits.
const stampTick = 100 * time.Nanosecond

// NextStamp is the srvDateUTC of a record's next version: now, or one
// tick after the previous one when the clock has not moved past it.
func NextStamp(now, prev time.Time) time.Time {
	t := now.UTC().Truncate(stampTick)
	if !prev.IsZero() && !t.After(prev) {
		t = prev.Add(stampTick)
	}
	return t
}

// ParseStamp reads a srvDateUTC as written (7 fractional digits), or any
// datetime of weavy's format.
func ParseStamp(s string) (time.Time, error) { return ParseDatetime(s) }

// MarshalRecord writes a record as a JSON object with the entity's fields
// in catalog order, every one present; fields, when not empty, keeps only
// those named.
func MarshalRecord(e *Entity, r Record, fields []string) []byte {
	b := []byte{'{'}
	write := func(f *Field) {
		if len(b) > 1 {
			b = append(b, ',')
		}
		name, _ := json.Marshal(f.Name)
		b = append(append(b, name...), ':')
		b = f.AppendJSON(b, r.Value(e, f.Name))
	}
	if len(fields) == 0 {
		for i := range e.Fields {
			write(&e.Fields[i])
		}
	} else {
		for _, name := range fields {
			if f, ok := e.Field(name); ok {
				write(f)
			}
		}
	}
	return append(b, '}')
}

// DecodeObject reads one JSON object strictly: no duplicate keys, one
// value, valid UTF-8. Values are left raw, in order.
func DecodeObject(body []byte) ([]string, map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, nil, errors.New("the body is not valid JSON")
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, nil, errors.New("the body must be a JSON object")
	}
	var order []string
	values := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, errors.New("the body is not valid JSON")
		}
		key := tok.(string)
		if key == "" {
			return nil, nil, errors.New("a member has an empty name")
		}
		if _, dup := values[key]; dup {
			return nil, nil, fmt.Errorf("field %q appears twice", key)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, errors.New("the body is not valid JSON")
		}
		order = append(order, key)
		values[key] = raw
	}
	if _, err := dec.Token(); err != nil {
		return nil, nil, errors.New("the body is not valid JSON")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, nil, errors.New("the body must hold exactly one JSON value")
	}
	if !json.Valid(body) {
		return nil, nil, errors.New("the body is not valid JSON (or not valid UTF-8)")
	}
	return order, values, nil
}

// Write is what a create or an update sends: the fields to set.
type Write struct {
	// Code is the record code sent in the body, or "".
	Code   string
	Values map[string]any
}

// DecodeWrite reads a record body for entity e: every key a writable
// field of e with a value of its type and length. The code field is
// accepted (the ERP's own code); server fields and read-only fields are
// refused.
func DecodeWrite(e *Entity, body []byte) (Write, error) {
	order, raw, err := DecodeObject(body)
	if err != nil {
		return Write{}, &input.Error{Field: "(body)", Message: err.Error(), Labelled: true}
	}
	w := Write{Values: map[string]any{}}
	for _, name := range order {
		f, ok := e.Field(name)
		if !ok {
			return Write{}, &input.Error{Field: name, Message: fmt.Sprintf("%s has no field %s; GET .../entities/%s lists them", e.Name, name, e.Name), Labelled: true}
		}
		if f.ReadOnly {
			return Write{}, &input.Error{Field: name, Message: name + " is read-only: the server keeps it", Labelled: true}
		}
		v, err := f.ParseValue(raw[name])
		if err != nil {
			var ve *input.Error
			if errors.As(err, &ve) {
				return Write{}, &input.Error{Field: ve.Field, Message: ve.Error(), Labelled: true}
			}
			return Write{}, err
		}
		if f.Code {
			if v == nil {
				return Write{}, &input.Error{Field: name, Message: name + " must not be null", Labelled: true}
			}
			w.Code = v.(string)
			continue
		}
		w.Values[name] = v
	}
	return w, nil
}
