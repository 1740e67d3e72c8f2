package account

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/parcelgate/parcelgate/internal/data"
	"github.com/parcelgate/parcelgate/internal/input"
)

// requestFields are the keys an account of the call may carry.
var requestFields = []string{"login", "name", "email"}

// ParseRequests reads the body of the accounts route: a JSON array of
// 1 to MaxAccounts accounts, each with its code and status, its other
// fields checked against the catalog's baseuser fields. The whole body is
// checked before anything is written; an error names the account and
// field ("[2].status").
func ParseRequests(c *data.Catalog, body []byte) ([]Request, error) {
	e, ok := c.Entity(Entity)
	if !ok {
		return nil, fmt.Errorf("catalog has no %s entity", Entity)
	}
	var rows []json.RawMessage
	if err := json.Unmarshal(body, &rows); err != nil {
		return nil, &input.Error{Field: "(body)", Message: "must be a JSON array of accounts [{\"baseuser_ID\", \"login\", \"name\", \"email\", \"status\"}]", Labelled: true}
	}
	switch n := len(rows); {
	case n == 0:
		return nil, &input.Error{Field: "(body)", Message: "send 1 to 200 accounts", Labelled: true}
	case n > MaxAccounts:
		return nil, &input.Error{Field: "(body)", Message: fmt.Sprintf("a call takes at most %d accounts; this one has %d: split it", MaxAccounts, n), Labelled: true}
	}
	out := make([]Request, len(rows))
	seen := make(map[string]int, len(rows))
	for i, row := range rows {
		req, err := parseRequest(e, row)
		if err != nil {
			var invalid *input.Error
			if errors.As(err, &invalid) {
				return nil, &input.Error{Field: fmt.Sprintf("[%d].%s", i, invalid.Field), Message: invalid.Message, Labelled: true}
			}
			return nil, err
		}
		if j, dup := seen[req.Code]; dup {
			return nil, &input.Error{Field: fmt.Sprintf("[%d].%s", i, e.CodeField()),
				Message: fmt.Sprintf("account %q is also at [%d]; send each account once", req.Code, j), Labelled: true}
		}
		seen[req.Code] = i
		out[i] = req
	}
	return out, nil
}

func parseRequest(e *data.Entity, row json.RawMessage) (Request, error) {
	order, raw, err := data.DecodeObject(row)
	if err != nil {
		return Request{}, &input.Error{Field: "(account)", Message: err.Error(), Labelled: true}
	}
	allowed := map[string]bool{e.CodeField(): true, data.FieldStatus: true}
	for _, name := range requestFields {
		allowed[name] = true
	}
	req := Request{Values: map[string]any{}}
	for _, name := range order {
		if !allowed[name] {
			return Request{}, &input.Error{Field: name, Message: "unknown field; an account has baseuser_ID, login, name, email and status", Labelled: true}
		}
	}
	code, ok := raw[e.CodeField()]
	if !ok {
		return Request{}, &input.Error{Field: e.CodeField(), Message: "required: the account's code", Labelled: true}
	}
	f, _ := e.Field(e.CodeField())
	v, err := f.ParseValue(code)
	var ve *input.Error
	switch {
	case errors.As(err, &ve):
		return Request{}, &input.Error{Field: e.CodeField(), Message: ve.Error(), Labelled: true}
	case err != nil:
		return Request{}, err
	case v == nil:
		return Request{}, &input.Error{Field: e.CodeField(), Message: "required: the account's code", Labelled: true}
	}
	req.Code = v.(string)
	var status string
	if err := json.Unmarshal(raw[data.FieldStatus], &status); err != nil || raw[data.FieldStatus] == nil {
		return Request{}, &input.Error{Field: data.FieldStatus, Message: "required: active, deactivated or suspended", Labelled: true}
	}
	if req.Status, ok = parseStatus(status); !ok {
		return Request{}, &input.Error{Field: data.FieldStatus, Message: fmt.Sprintf("%q is not a status: use active, deactivated or suspended", status), Labelled: true}
	}
	for _, name := range requestFields {
		r, ok := raw[name]
		if !ok {
			continue
		}
		f, _ := e.Field(name)
		v, err := f.ParseValue(r)
		if err != nil {
			if errors.As(err, &ve) {
				return Request{}, &input.Error{Field: name, Message: ve.Error(), Labelled: true}
			}
			return Request{}, err
		}
		req.Values[name] = v
	}
	return req, nil
}
