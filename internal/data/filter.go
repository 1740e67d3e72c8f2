package data

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/parcelgate/parcelgate/internal/input"
)

// Op is a comparison of the filter language.
type Op string

// The operators of advanced retrieval.
const (
	OpEq         Op = "eq"
	OpNe         Op = "ne"
	OpLt         Op = "lt"
	OpLe         Op = "le"
	OpGt         Op = "gt"
	OpGe         Op = "ge"
	OpIn         Op = "in"
	OpContains   Op = "contains"
	OpStartsWith Op = "startsWith"
	OpIsNull     Op = "isNull"
)

// Limits of a filter, so that one request stays cheap to check.
const (
	maxFilterDepth = 16
	maxFilterNodes = 200
	maxInValues    = 100
)

// Filter is a condition on a record: a comparison, or And, Or or Not of
// filters. Comparisons with a null field are false, except ne (true) and
// isNull.
type Filter struct {
	Field string
	Op    Op
	// Value is the operand, of the field's type; Values for in; for
	// isNull, Value is the wanted nullness (true when omitted).
	Value  any
	Values []any
	And    []*Filter
	Or     []*Filter
	Not    *Filter
}

// ParseFilter reads a filter for entity e.
func ParseFilter(e *Entity, raw json.RawMessage) (*Filter, error) {
	nodes := 0
	return parseFilter(e, raw, "filter", 0, &nodes)
}

func parseFilter(e *Entity, raw json.RawMessage, path string, depth int, nodes *int) (*Filter, error) {
	bad := func(format string, args ...any) error {
		return &input.Error{Field: path, Message: fmt.Sprintf(format, args...), Labelled: true}
	}
	*nodes++
	if depth > maxFilterDepth || *nodes > maxFilterNodes {
		return nil, bad("filters nest at most %d deep and hold at most %d conditions", maxFilterDepth, maxFilterNodes)
	}
	order, obj, err := DecodeObject(raw)
	if err != nil {
		return nil, bad("must be an object: {field, op, value}, {and: [...]}, {or: [...]} or {not: {...}}")
	}
	list := func(key string) ([]*Filter, error) {
		var items []json.RawMessage
		if err := json.Unmarshal(obj[key], &items); err != nil || len(items) == 0 {
			return nil, bad("%s must be a non-empty array of filters", key)
		}
		out := make([]*Filter, len(items))
		for i, it := range items {
			if out[i], err = parseFilter(e, it, fmt.Sprintf("%s.%s[%d]", path, key, i), depth+1, nodes); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	if len(order) == 1 {
		switch order[0] {
		case "and":
			and, err := list("and")
			return &Filter{And: and}, err
		case "or":
			or, err := list("or")
			return &Filter{Or: or}, err
		case "not":
			not, err := parseFilter(e, obj["not"], path+".not", depth+1, nodes)
			return &Filter{Not: not}, err
		}
	}
	for _, k := range order {
		if k != "field" && k != "op" && k != "value" {
			return nil, bad("unknown key %q: a condition is {field, op, value}", k)
		}
	}
	var name string
	var op Op
	if json.Unmarshal(obj["field"], &name) != nil || name == "" {
		return nil, bad("field is required: the name of a field of %s", e.Name)
	}
	f, ok := e.Field(name)
	if !ok {
		return nil, bad("%s has no field %s", e.Name, name)
	}
	if json.Unmarshal(obj["op"], &op) != nil {
		return nil, bad("op is required: eq, ne, lt, le, gt, ge, in, contains, startsWith or isNull")
	}
	c := &Filter{Field: name, Op: op}
	value, hasValue := obj["value"]
	switch op {
	case OpEq, OpNe, OpLt, OpLe, OpGt, OpGe:
		if !hasValue || string(bytes.TrimSpace(value)) == "null" {
			return nil, bad("%s needs a value; to test for null use isNull", op)
		}
		if c.Value, err = operand(f, value, path); err != nil {
			return nil, err
		}
	case OpIn:
		var items []json.RawMessage
		if json.Unmarshal(value, &items) != nil || len(items) == 0 || len(items) > maxInValues {
			return nil, bad("in needs a value that is an array of 1 to %d values", maxInValues)
		}
		for _, it := range items {
			v, err := operand(f, it, path)
			if err != nil {
				return nil, err
			}
			if v == nil {
				return nil, bad("in takes no null; combine with isNull in an or")
			}
			c.Values = append(c.Values, v)
		}
	case OpContains, OpStartsWith:
		if f.Type != Text && f.Type != ForeignKey {
			return nil, bad("%s applies to text fields; %s is %s", op, name, f.Type)
		}
		var s string
		if json.Unmarshal(value, &s) != nil {
			return nil, bad("%s needs a string value", op)
		}
		c.Value = s
	case OpIsNull:
		want := true
		if hasValue && json.Unmarshal(value, &want) != nil {
			return nil, bad("isNull takes true, false or no value")
		}
		c.Value = want
	default:
		return nil, bad("unknown op %q: use eq, ne, lt, le, gt, ge, in, contains, startsWith or isNull", op)
	}
	return c, nil
}

func operand(f *Field, raw json.RawMessage, path string) (any, error) {
	probe := *f
	probe.Length = 1 << 30 // a filter value is not a stored value: no length limit
	v, err := probe.ParseValue(raw)
	if err != nil {
		return nil, &input.Error{Field: path, Message: "value: " + err.Error(), Labelled: true}
	}
	return v, nil
}

// Match reports whether the record satisfies the filter; a nil filter
// matches every record.
func (f *Filter) Match(e *Entity, r Record) bool {
	if f == nil {
		return true
	}
	switch {
	case f.And != nil:
		for _, g := range f.And {
			if !g.Match(e, r) {
				return false
			}
		}
		return true
	case f.Or != nil:
		for _, g := range f.Or {
			if g.Match(e, r) {
				return true
			}
		}
		return false
	case f.Not != nil:
		return !f.Not.Match(e, r)
	}
	v := r.Value(e, f.Field)
	if f.Op == OpIsNull {
		return (v == nil) == f.Value.(bool)
	}
	if v == nil {
		return f.Op == OpNe
	}
	if f.Op == OpIn {
		for _, w := range f.Values {
			if c, ok := compare(v, w); ok && c == 0 {
				return true
			}
		}
		return false
	}
	c, ok := compare(v, f.Value)
	switch f.Op {
	case OpEq:
		return ok && c == 0
	case OpNe:
		return !ok || c != 0
	case OpLt:
		return ok && c < 0
	case OpLe:
		return ok && c <= 0
	case OpGt:
		return ok && c > 0
	case OpGe:
		return ok && c >= 0
	case OpContains:
		s, _ := v.(string)
		return strings.Contains(s, f.Value.(string))
	case OpStartsWith:
		s, _ := v.(string)
		return strings.HasPrefix(s, f.Value.(string))
	}
	return false
}

// compare orders two values of one field's type; ok is false when they
// are not of one type (a value stored before its field changed type),
// which no comparison matches.
func compare(a, b any) (c int, ok bool) {
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return strings.Compare(x, y), ok
	case int64:
		y, ok := b.(int64)
		return cmp.Compare(x, y), ok
	case Dec:
		y, ok := b.(Dec)
		if !ok {
			return 0, false
		}
		return x.Rat().Cmp(y.Rat()), true
	case bool:
		y, ok := b.(bool)
		switch {
		case x == y:
			return 0, ok
		case !x:
			return -1, ok
		}
		return 1, ok
	case time.Time:
		y, ok := b.(time.Time)
		return x.Compare(y), ok
	case []byte:
		y, ok := b.([]byte)
		return bytes.Compare(x, y), ok
	}
	return 0, false
}

// isDelta reports whether the filter requires srvExport = 0: the whole
// filter, or one conjunct of a top-level and.
func (f *Filter) isDelta() bool {
	if f == nil {
		return false
	}
	if f.Field == FieldSrvExport && f.Op == OpEq {
		n, ok := f.Value.(int64)
		return ok && n == 0
	}
	for _, g := range f.And {
		if g.isDelta() {
			return true
		}
	}
	return false
}
