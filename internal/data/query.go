package data

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/parcelgate/parcelgate/internal/input"
)

// Limits of retrieval.
const (
	// MaxLimit is weavy's cap on records per call.
	MaxLimit     = 1000
	DefaultLimit = 1000
	// MaxScanned bounds the items one filtered call reads from an entity's
	// partition; a call that reaches it returns what matched so far and a
	// cursor, so a selective filter costs several calls, never a timeout.
	MaxScanned = 5000
)

// Order is one orderBy entry.
type Order struct {
	Field      string
	Descending bool
}

// Query is an advanced retrieval.
type Query struct {
	Filter  *Filter
	Fields  []string
	OrderBy []Order
	Limit   int
	Cursor  string
}

// ParseQuery reads an advanced retrieval body for entity e.
func ParseQuery(e *Entity, body []byte) (Query, error) {
	order, raw, err := DecodeObject(body)
	if err != nil {
		return Query{}, &input.Error{Field: "(body)", Message: err.Error(), Labelled: true}
	}
	q := Query{Limit: DefaultLimit}
	for _, key := range order {
		v := raw[key]
		if string(v) == "null" {
			continue
		}
		switch key {
		case "filter":
			if q.Filter, err = ParseFilter(e, v); err != nil {
				return Query{}, err
			}
		case "fields":
			if json.Unmarshal(v, &q.Fields) != nil {
				return Query{}, errorf("fields", "must be an array of field names")
			}
			for _, name := range q.Fields {
				if _, ok := e.Field(name); !ok {
					return Query{}, errorf("fields", "%s has no field %s", e.Name, name)
				}
			}
		case "orderBy":
			var obs []json.RawMessage
			if json.Unmarshal(v, &obs) != nil {
				return Query{}, errorf("orderBy", `must be an array of {"field", "direction": "asc"|"desc"}`)
			}
			for _, ob := range obs {
				o, err := parseOrder(e, ob)
				if err != nil {
					return Query{}, err
				}
				q.OrderBy = append(q.OrderBy, o)
			}
		case "limit":
			if json.Unmarshal(v, &q.Limit) != nil || q.Limit < 1 || q.Limit > MaxLimit {
				return Query{}, errorf("limit", "must be an integer from 1 to %d", MaxLimit)
			}
		case "cursor":
			if json.Unmarshal(v, &q.Cursor) != nil {
				return Query{}, errorf("cursor", "must be the Next-Cursor of the previous call")
			}
		default:
			return Query{}, errorf(key, "unknown key; a query has filter, fields, orderBy, limit and cursor")
		}
	}
	return q, nil
}

func parseOrder(e *Entity, raw json.RawMessage) (Order, error) {
	order, obj, err := DecodeObject(raw)
	if err != nil {
		return Order{}, errorf("orderBy", `each entry is {"field", "direction": "asc"|"desc"}`)
	}
	var o Order
	for _, k := range order {
		switch k {
		case "field":
			if json.Unmarshal(obj[k], &o.Field) != nil {
				return Order{}, errorf("orderBy", "field must be a field name")
			}
		case "direction":
			var d string
			_ = json.Unmarshal(obj[k], &d)
			switch strings.ToLower(d) {
			case "asc":
			case "desc":
				o.Descending = true
			default:
				return Order{}, errorf("orderBy", "direction must be asc or desc")
			}
		default:
			return Order{}, errorf("orderBy", "unknown key %q", k)
		}
	}
	if _, ok := e.Field(o.Field); !ok {
		return Order{}, errorf("orderBy", "%s has no field %q", e.Name, o.Field)
	}
	return o, nil
}

// plan chooses the key order that serves the query. Records are kept in
// code order, and those not yet exported also by srvDateUTC: any filter
// can be read in code order, and a filter requiring srvExport = 0 by
// srvDateUTC. Other orders would need the whole entity sorted per call,
// which a bounded read cannot do honestly, so they are refused.
func (q Query) plan(e *Entity) (Index, bool, error) {
	switch {
	case len(q.OrderBy) == 0:
		if q.Filter.isDelta() {
			return ByExportDate, false, nil
		}
		return ByCode, false, nil
	case len(q.OrderBy) == 1 && q.OrderBy[0].Field == e.CodeField():
		return ByCode, q.OrderBy[0].Descending, nil
	case len(q.OrderBy) == 1 && q.OrderBy[0].Field == FieldSrvDateUTC && q.Filter.isDelta():
		return ByExportDate, q.OrderBy[0].Descending, nil
	}
	return 0, false, errorf("orderBy", "records are ordered by %s (any filter), or by srvDateUTC when the filter requires srvExport eq 0", e.CodeField())
}

// Find runs an advanced retrieval: at most q.Limit live records and the
// cursor of the rest ("" when none remain). A filtered read may return
// fewer records than the limit, and a cursor, when it reached MaxScanned.
func (s Service) Find(ctx context.Context, projectID string, e *Entity, q Query) ([]Record, string, error) {
	index, desc, err := q.plan(e)
	if err != nil {
		return nil, "", err
	}
	r := Read{ProjectID: projectID, Entity: e, Index: index, Descending: desc, Cursor: q.Cursor, Limit: q.Limit, MaxScanned: MaxScanned}
	if q.Filter != nil {
		f := q.Filter
		r.Match = func(rec Record) bool { return f.Match(e, rec) }
	}
	return s.Store.ReadRecords(ctx, r)
}
